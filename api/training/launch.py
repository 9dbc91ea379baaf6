"""Which model Rasa starts with: the promoted version, unless the base model was retrained since.

A promotion hot-swaps the model in the running server; this makes it survive a
restart. When someone retrains models/zhihuiyang.tar.gz from changed data
(`make model`) after the promotion, that newer deliberate act wins.
"""

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from api.sessions import open_database
from api.training.versions import serving_version


def model_to_serve(database_url: str, base_model: Path) -> Path:
    """The model file Rasa should load at start."""
    engine, factory = open_database(database_url)
    try:
        with factory() as session:
            version = serving_version(session)
            path = Path(version.path) if version else None
            at = version.promoted_at if version else None
    except SQLAlchemyError:  # not migrated yet: nothing was ever promoted
        return base_model
    finally:
        engine.dispose()
    if path is None or at is None or not path.is_file():
        return base_model
    if base_model.is_file() and base_model.stat().st_mtime > at.timestamp():
        return base_model
    return path
