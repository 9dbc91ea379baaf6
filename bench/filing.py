"""Open311 filing rate with no open tickets and with 100,000: `python -m bench.filing`.

An integration files reports through `POST /open311/v2/requests.json`, 8 at a
time, against the app alone (filing needs no Rasa), on a fresh database:
first empty, then with `--open` open tickets seeded in bulk (bench/seed.py).
Every filing is checked (an answer with a ticket number). The figure to watch
is the ratio of the two rates: the duplicate search must not grow with the
number of open tickets. SQLite by default; `--pg URL` runs the same on a
PostgreSQL database of its own, created next to URL's and dropped afterwards.
"""

import argparse
import asyncio
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, make_url, text

from api.database import make_engine
from bench.seed import CODE_WEIGHTS, ESTATES, JITTER_DEGREES, Spot, seed_open_tickets, spots
from bench.stack import app_only, prepare_database
from bench.stats import latency_ms, ratio
from eval.dialogue_stack import integration_key

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database of our own (bench_<random>) on the server of `server_url`; dropped on exit."""
    url = make_url(server_url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def filing_form(rng: random.Random, places: list[Spot], api_key: str) -> dict[str, str]:
    """One Open311 report of a realistic code, at coordinates or an estate near a station."""
    spot = rng.choice(places)
    form = {
        "api_key": api_key,
        "service_code": rng.choices(list(CODE_WEIGHTS), weights=list(CODE_WEIGHTS.values()))[0],
        "description": f"压测报修{rng.randrange(10**6)}：请尽快派人看看",
    }
    if rng.random() < 0.7:
        form["lat"] = f"{spot.lat + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES):.6f}"
        form["long"] = f"{spot.lon + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES):.6f}"
    else:
        building = f"{rng.choice(ESTATES)}{rng.randrange(1, 40)}栋{rng.randrange(1, 6)}单元"
        form["address_string"] = f"{spot.short_name}{building}"
    return form


async def file_many(
    url: str, forms: list[dict[str, str]], clients: int
) -> tuple[list[float], int, float]:
    """File every form, `clients` at a time: (latencies, errors, seconds)."""
    queue = list(reversed(forms))
    latencies: list[float] = []
    errors = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue:
            body = urlencode(queue.pop()).encode()
            began = time.perf_counter()
            try:
                response = await http.post("/open311/v2/requests.json", content=body, headers=FORM)
                number = str(response.json()[0].get("service_request_id", ""))
                ok = response.status_code in (200, 201) and number.startswith("LY-")
            except (httpx.HTTPError, ValueError, IndexError, KeyError, AttributeError):
                ok = False
            latencies.append(time.perf_counter() - began)
            errors += not ok

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


def filing_run(database_url: str, open_tickets: int, filings: int, clients: int) -> dict[str, Any]:
    """Prepare the database, seed, start the app, file; the figures of one run."""
    prepare_database(database_url)
    engine = make_engine(database_url)
    seconds_to_seed = seed_open_tickets(engine, open_tickets) if open_tickets else 0.0
    places = spots(engine)
    engine.dispose()
    api_key = integration_key(database_url, "bench", "压测接入")
    rng = random.Random(17)
    forms = [filing_form(rng, places, api_key) for _ in range(filings + clients)]
    with (
        tempfile.TemporaryDirectory(prefix="bench-filing-") as tmp,
        app_only(database_url, Path(tmp)) as url,
    ):
        asyncio.run(file_many(url, forms[:clients], clients))  # warm-up
        latencies, errors, seconds = asyncio.run(file_many(url, forms[clients:], clients))
    return {
        "open_tickets": open_tickets,
        "seed_seconds": round(seconds_to_seed, 1),
        "filings": filings,
        "clients": clients,
        "errors": errors,
        "filings_per_s": round((filings - errors) / seconds, 2),
        "latency_ms": latency_ms(latencies),
    }


def filing_benchmark(
    open_counts: list[int], filings: int, clients: int, pg_url: str | None = None
) -> dict[str, Any]:
    """One run per open-ticket count on SQLite (and on PostgreSQL with `pg_url`)."""
    figures: dict[str, Any] = {}
    backends = ["sqlite"] + (["postgresql"] if pg_url else [])
    for backend in backends:
        runs = []
        for count in open_counts:
            if backend == "sqlite":
                with tempfile.TemporaryDirectory(prefix="bench-db-") as tmp:
                    run = filing_run(f"sqlite:///{Path(tmp) / 'bench.db'}", count, filings, clients)
            else:
                assert pg_url is not None
                with postgres_database(pg_url) as url:
                    run = filing_run(url, count, filings, clients)
            lat = run["latency_ms"]
            print(
                f"  filing on {backend}, {count:>7,} open tickets: {run['filings_per_s']} "
                f"filings/s, p50 {lat['p50']} ms, p99 {lat['p99']} ms, {run['errors']} errors",
                flush=True,
            )
            runs.append(run)
        figures[backend] = {
            "runs": runs,
            "rate_ratio_most_to_fewest": ratio(runs[-1]["filings_per_s"], runs[0]["filings_per_s"]),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, nargs="+", default=[0, 100_000])
    parser.add_argument("--filings", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pg", metavar="URL", help="also on PostgreSQL (a database of its own)")
    args = parser.parse_args()
    print(json.dumps(filing_benchmark(args.open, args.filings, args.clients, args.pg), indent=2))


if __name__ == "__main__":
    main()
