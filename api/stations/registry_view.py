"""The registry's place names, also while the database is down.

Reading a resident's words needs the place names; filing needs the database. When
the database cannot be read, the words are still read with the place names as last
read (`last_read_gazetteer`) and no session: a resident who confirms a report reaches
`SubmitReport`, which spools it, and the NLU parse still names the places it finds.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.database import failure_reason
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
    """A view of the registry for one call; the database is asked once, not retried."""
    with factory() as session:
        try:
            view = RegistryView(gazetteer_of(session), session)
        except SQLAlchemyError as exc:
            logger.warning("places as last read; the database: %s", failure_reason(exc))
            view = RegistryView(last_read_gazetteer(session), None)
        yield view
