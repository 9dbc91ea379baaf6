"""Print the system's speed figures: `make bench`.

Starts Rasa and the app on a throw-away SQLite database (or uses APP_URL if
set to a running system), then measures chat round trips, NLU parsing and
dispatch over a large synthetic registry, and (on the system it starts) a
model hot-swap as promotion does it.
"""

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.database import make_engine, make_session_factory, transaction
from api.launcher import start_stack, stop_stack
from api.schema import upgrade_database
from api.settings import PROJECT_ROOT, Settings
from api.stations.registry import import_divisions, read_division_file
from bench.chat import chat_benchmark, parse_benchmark
from bench.dispatch import dispatch_benchmark
from bench.model_swap import model_swap_benchmark


def _prepare_database(url: str) -> None:
    upgrade_database(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        import_divisions(
            session, read_division_file(PROJECT_ROOT / "registry" / "demo_divisions.csv")
        )
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parse-calls", type=int, default=200)
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--swaps", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    app_url = os.environ.get("APP_URL")
    with tempfile.TemporaryDirectory() as tmp:
        stack = None
        if not app_url:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            _prepare_database(url)
            stack = start_stack(
                Settings(database_url=url, app_port=8765, rasa_port=5765), var_dir=Path(tmp)
            )
            app_url = stack.app_url
        try:
            asyncio.run(chat_benchmark(app_url, args.residents, args.rounds))
            parse_benchmark(app_url, args.parse_calls)
            if stack is not None and args.swaps > 0:
                model_swap_benchmark(stack, stack.settings.rasa_model_path, args.swaps)
        finally:
            if stack is not None:
                stop_stack(stack)
    if args.stations > 0:
        dispatch_benchmark(args.stations, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
