"""Who is asking, which stations they may see, and what they may do there.

The rules, in one place (code outside this module asks these methods, never
the role):

- Station staff see tickets held by their own station and every station below
  it. They work (sign, start, note, resolve, return) only tickets their own
  station holds, and may also transfer a ticket held below them (督办: the
  parent station re-routes what its rooms cannot place). They see a
  resident's full phone number only on tickets their own station holds.
- District operators see and work every ticket; phone numbers stay masked
  (they coordinate, the holding station calls the resident).
- Service accounts (integrations) are read-only in the staff API: list, read,
  export, 督办 list and figures. One bound to a station sees that station's
  subtree; one without a station sees the district. Phones stay masked.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from api.auth.models import Role, StaffAccount
from api.stations.hierarchy import station_subtree


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

    def holds(self, station_code: str) -> bool:
        """Whether this is staff of the station itself (not a parent, not an operator)."""
        return self.role is Role.STATION_STAFF and self.station_code == station_code

    def can_act(self, station_code: str) -> bool:
        """Whether the principal may work a ticket held by this station."""
        return self.role is Role.DISTRICT_OPERATOR or self.holds(station_code)

    def can_transfer(self, station_code: str) -> bool:
        """Transfer is also open to the stations above the holder (督办 re-routing)."""
        if self.role is Role.DISTRICT_OPERATOR:
            return True
        return self.role is Role.STATION_STAFF and self.can_see(station_code)

    def sees_full_phone(self, station_code: str) -> bool:
        """Only the station that must call the resident sees the whole number."""
        return self.holds(station_code)


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
    """A station's subtree for station staff and station-bound integrations; None = all."""
    if role is Role.DISTRICT_OPERATOR:
        return None
    if station_code is None:
        # Station staff without a station see nothing; an unbound integration sees all.
        return None if role is Role.SERVICE else frozenset()
    return frozenset(station_subtree(session, station_code))
