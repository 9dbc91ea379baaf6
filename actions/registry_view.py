"""The registry as the actions read it, also while the database is down.

Reading a resident's answer needs the registry's place names; filing needs the
database. When the database cannot be read, the answer is still read with the
place names as last read (`last_read_gazetteer`) and no session, so a resident
who confirms a report reaches `SubmitReport`, which spools it.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.stations.gazetteer import Gazetteer, last_read_gazetteer

logger = logging.getLogger(__name__)
GazetteerOf = Callable[[Session], Gazetteer]


@dataclass(frozen=True)
class RegistryView:
    """The place names, and a session while the database answers (else None)."""

    gazetteer: Gazetteer
    session: Session | None


@contextmanager
def registry_view(
    factory: sessionmaker[Session], gazetteer_of: GazetteerOf
) -> Iterator[RegistryView]:
    """A view of the registry for one action; the database is asked once, not retried."""
    with factory() as session:
        try:
            view = RegistryView(gazetteer_of(session), session)
        except SQLAlchemyError:
            logger.warning("database unavailable: places as last read", exc_info=True)
            view = RegistryView(last_read_gazetteer(session), None)
        yield view
