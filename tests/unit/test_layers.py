"""The layers' borders, read from the imports: who may know whom.

The conversation layer speaks to the ticket service through one port and gets
plain data back; the ticket service knows nothing of Rasa or the actions.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The port, its data types and the catalogue: all `actions/` may see of the app.
ACTIONS_MAY_IMPORT = {"api.catalogue", "api.desk.port", "api.desk.types"}


def imported_modules(folder: Path) -> dict[str, set[str]]:
    """Every module each file under `folder` imports (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_actions_reach_the_app_only_through_the_port() -> None:
    imports = imported_modules(ROOT / "actions")
    assert len(imports) > 10  # the walk found the actions
    api_modules = {name for names in imports.values() for name in names if name.startswith("api")}
    assert api_modules == ACTIONS_MAY_IMPORT


def test_actions_hold_no_database_session() -> None:
    offenders = {
        path: sorted(name for name in names if name.split(".")[0] == "sqlalchemy")
        for path, names in imported_modules(ROOT / "actions").items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_ticket_service_knows_nothing_of_rasa() -> None:
    foreign = ("actions", "rasa", "rasa_sdk", "api.rasa", "api.desk", "api.conversations")
    offenders = {
        path: sorted(name for name in names if name.startswith(foreign))
        for folder in ("tickets", "dispatch", "stations")
        for path, names in imported_modules(ROOT / "api" / folder).items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}
