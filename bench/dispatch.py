"""Dispatch time over a large synthetic registry (100,000 stations by default).

Compares the nearest-station search (growing bounding boxes on an indexed
lat/lon) with a brute-force haversine scan over every station.
"""

import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from api.catalogue import SERVICE_CODES
from api.database import make_engine, make_session_factory
from api.dispatch.geo import haversine_km
from api.dispatch.service import nearest_station
from api.schema import upgrade_database
from api.stations.models import Station
from bench.stats import summary_ms

LAT_RANGE = (28.9, 30.1)
LON_RANGE = (105.9, 107.0)


def dispatch_benchmark(stations: int, queries: int, seed: int = 7) -> None:
    """Build the registry in a temporary SQLite file and time nearest-station queries."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        rows = [
            {
                "code": f"9{i:011d}", "name": f"测试站{i}", "short_name": f"测试站{i}",
                "level": "village" if i % 10 else "town", "parent_code": None,
                "lat": rng.uniform(*LAT_RANGE), "lon": rng.uniform(*LON_RANGE),
                "service_codes": list(SERVICE_CODES), "active": True,
            }
            for i in range(stations)
        ]  # fmt: skip
        with factory() as session:
            session.execute(insert(Station), rows)
            session.commit()
        points = [(rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)) for _ in range(queries)]
        indexed: list[float] = []
        brute: list[float] = []
        with factory() as session:
            everything = [
                (s.lat, s.lon, s.code)
                for s in session.scalars(select(Station))
                if s.lat is not None and s.lon is not None
            ]
            for lat, lon in points:
                started = time.perf_counter()
                found = nearest_station(session, lat, lon, "water_leak")
                indexed.append(time.perf_counter() - started)
                started = time.perf_counter()
                reference = min(everything, key=lambda s: haversine_km(lat, lon, s[0], s[1]))
                brute.append(time.perf_counter() - started)
                assert found is not None and found[0].code == reference[2]
        engine.dispose()
    print(f"dispatch over {stations:,} stations (indexed search): {summary_ms(indexed)}")
    print(f"  brute-force haversine scan (stations in memory): {summary_ms(brute)}")
    ratio = statistics.median(brute) / statistics.median(indexed)
    print(f"  ratio brute/indexed (median): {ratio:.1f}x")
