"""Filing time with many open tickets of the same code: `python -m bench.filing`.

Files `--open` reports of one code (all still open, within the 48-hour duplicate
window, half with coordinates and half with a place text only) into a throw-away
SQLite database, then times `--filings` more of the same code, each checked to
be filed. The figure to watch is the ratio between a database with few open
tickets and one with many: the duplicate check should not grow with them.
"""

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from api.database import make_engine, make_session_factory, transaction
from api.schema import upgrade_database
from api.settings import PROJECT_ROOT
from api.stations.registry import import_divisions, read_division_file
from api.tickets.schemas import NewReport
from api.tickets.service import file_report
from bench.stats import summary_ms

TZ = ZoneInfo("Asia/Shanghai")
DISTRICT = "500107"
CODE = "water_leak"


def _report(rng: random.Random, i: int, with_coordinates: bool) -> NewReport:
    fields: dict[str, object] = {
        "service_code": CODE,
        "description": "楼道水管爆了，一直在漏",
        "sender_id": f"bench-{i:08d}",
        "location_text": f"测试小区{rng.randrange(10_000)}栋{rng.randrange(1, 30)}单元",
    }
    if with_coordinates:
        fields |= {"lat": rng.uniform(29.45, 29.55), "lon": rng.uniform(106.45, 106.55)}
    return NewReport.model_validate(fields)


def filing_benchmark(open_tickets: int, filings: int, seed: int = 11) -> list[float]:
    """Seconds per filing after `open_tickets` open ones of the same code."""
    rng = random.Random(seed)
    start = datetime.now(TZ) - timedelta(hours=24)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        divisions = read_division_file(PROJECT_ROOT / "registry" / "demo_divisions.csv")
        with transaction(factory) as session:
            import_divisions(session, divisions)
        step = timedelta(hours=20) / max(open_tickets + filings, 1)
        for i in range(open_tickets):
            with factory() as session:
                file_report(session, _report(rng, i, i % 2 == 0), tz=TZ,
                            default_district_code=DISTRICT, now=start + i * step)  # fmt: skip
        durations: list[float] = []
        for j in range(filings):
            report = _report(rng, open_tickets + j, j % 2 == 0)
            at = start + (open_tickets + j) * step
            with factory() as session:
                began = time.perf_counter()
                filed = file_report(session, report, tz=TZ, default_district_code=DISTRICT, now=at)
                durations.append(time.perf_counter() - began)
                assert filed.created and filed.ticket.number.startswith("LY-")
        engine.dispose()
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, nargs="+", default=[10, 750, 3000])
    parser.add_argument("--filings", type=int, default=200)
    args = parser.parse_args()
    baseline: float | None = None
    for count in args.open:
        durations = filing_benchmark(count, args.filings)
        mean = sum(durations) / len(durations)
        baseline = baseline or mean
        print(f"filing with {count:>5} open tickets of {CODE}: {summary_ms(durations)}, "
              f"×{mean / baseline:.2f} of the first")  # fmt: skip


if __name__ == "__main__":
    main()
