"""Who is asking and which stations they may see.

Station staff see their own station and every station below it in the
hierarchy; district operators and service accounts see every station. Code
outside this module asks `can_see` or `visible_station_codes`, never the role.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import Role, StaffAccount
from api.stations.models import Station


@dataclass(frozen=True)
class StaffPrincipal:
    """An authenticated account, as the request handlers see it."""

    account_id: int
    username: str
    display_name: str
    role: Role
    station_code: str | None
    # The station codes this principal may see; None means every station.
    visible_stations: frozenset[str] | None

    @property
    def actor(self) -> str:
        """How the event log names this account, e.g. staff:wang.li."""
        prefix = "service" if self.role is Role.SERVICE else "staff"
        return f"{prefix}:{self.username}"

    def can_see(self, station_code: str) -> bool:
        """Whether tickets held by this station are visible to the principal."""
        return self.visible_stations is None or station_code in self.visible_stations


def principal_for(session: Session, account: StaffAccount) -> StaffPrincipal:
    """The principal of an account, with its visible stations resolved once."""
    role = Role(account.role)
    return StaffPrincipal(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=role,
        station_code=account.station_code,
        visible_stations=visible_station_codes(session, role, account.station_code),
    )


def visible_station_codes(
    session: Session, role: Role, station_code: str | None
) -> frozenset[str] | None:
    """A station and all its descendants for station staff; None (everything) otherwise."""
    if role is not Role.STATION_STAFF:
        return None
    if station_code is None:
        return frozenset()
    return frozenset(station_subtree(session, station_code))


def station_subtree(session: Session, station_code: str) -> set[str]:
    """The codes of a station and every station below it (a recursive query)."""
    tree = select(Station.code).where(Station.code == station_code).cte("subtree", recursive=True)
    tree = tree.union_all(select(Station.code).where(Station.parent_code == tree.c.code))
    return set(session.scalars(select(tree.c.code)))
