"""The station tree: which stations sit below which (室 under 站 under 中心)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.stations.models import Station


def station_subtree(session: Session, station_code: str) -> set[str]:
    """The codes of a station and every station below it, in one recursive query.

    UNION (not UNION ALL) makes the query stop even if bad registry data ever
    linked stations in a loop.
    """
    tree = select(Station.code).where(Station.code == station_code).cte("subtree", recursive=True)
    tree = tree.union(select(Station.code).where(Station.parent_code == tree.c.code))
    return set(session.scalars(select(tree.c.code)))
