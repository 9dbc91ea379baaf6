"""Where a ticket goes when its station gives it up (退单, or 改类 to a category it does not take).

- The first return goes to the nearest capable station that has not returned the
  ticket (from the resident's location, else from the returning station's), else to
  the nearest supervising station; from the second return on (`RULING_AFTER_RETURNS`)
  the parent of the last holder rules, skipping any that already returned it.
- Nothing is ever left unowned: the district centre is the last resort.
"""

from collections.abc import Iterable
from typing import Final

from sqlalchemy.orm import Session

from api.dispatch.service import (
    DispatchDecision,
    DispatchReason,
    district_centre,
    nearest_station,
    supervisors,
)
from api.settings import get_settings
from api.stations.models import Station
from api.tickets.models import (
    EventKind,
    Ticket,
)

RULING_AFTER_RETURNS: Final = 2


def stations_that_returned(ticket: Ticket) -> set[str]:
    return {
        str(e.data["station_code"])
        for e in ticket.events
        if e.kind == EventKind.RETURNED and e.data.get("station_code")
    }


def after_return(
    session: Session, ticket: Ticket, holder: Station, returned_by: set[str]
) -> tuple[DispatchDecision, str]:
    """Where a returned ticket goes next, and the sentence staff read about it."""
    if ticket.return_count >= RULING_AFTER_RETURNS:
        judge = first_not_in(session, supervisors(session, holder), returned_by)
        ruling = DispatchDecision(judge, DispatchReason.RULING)
        if ticket.return_count == RULING_AFTER_RETURNS:
            return ruling, ruling.explanation  # 两次退单，提交上级…裁定
        return ruling, f"已退单 {ticket.return_count} 次，提交上级{judge.display_name}裁定"
    return capable_elsewhere(session, ticket, holder, returned_by)


def capable_elsewhere(
    session: Session, ticket: Ticket, holder: Station, excluded: set[str]
) -> tuple[DispatchDecision, str]:
    """The nearest station handling the ticket's code, else the holder's nearest supervisor.

    Nearest to the resident when their position is known, else to the holder;
    stations in `excluded` are never chosen (unless only the district centre is left).
    """
    if ticket.lat is not None and ticket.lon is not None:
        found = nearest_station(session, ticket.lat, ticket.lon, ticket.service_code, excluded)
        if found is not None:
            decision = DispatchDecision(found[0], DispatchReason.NEAREST, found[1])
            return decision, f"改派{decision.explanation.removeprefix('按居民位置')}"
    if holder.lat is not None and holder.lon is not None:
        found = nearest_station(session, holder.lat, holder.lon, ticket.service_code, excluded)
        if found is not None:
            decision = DispatchDecision(found[0], DispatchReason.NEAREST, None)
            return decision, (
                f"改派离{holder.display_name}最近的{found[0].display_name}"
                f"（约 {found[1]:.2f} 公里）"
            )
    above = first_not_in(session, supervisors(session, holder), excluded)
    parent = DispatchDecision(above, DispatchReason.PARENT)
    return parent, parent.explanation


def first_not_in(session: Session, chain: Iterable[Station], excluded: set[str]) -> Station:
    """The first station of a chain not excluded, else the district centre."""
    for station in chain:
        if station.code not in excluded:
            return station
    return district_centre(session, get_settings().default_district_code)
