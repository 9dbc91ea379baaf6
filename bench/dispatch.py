"""Dispatch time over a large synthetic registry (100,000 stations by default).

Times the nearest-station search (growing boxes on an indexed lat/lon) and
checks each answer against a brute-force haversine scan over every capable
station. Two layouts: "dense", where every station handles every code, and
"sparse", as the network really is: communities handle everyday problems but
not gas, and only a few stations (one in 200, the gas company's partners) take
gas, so a gas report must look much farther than a leak.
"""

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from api.catalogue import SERVICE_CODES
from api.database import make_engine, make_session_factory
from api.dispatch.geo import haversine_km
from api.dispatch.service import nearest_station
from api.schema import upgrade_database
from api.stations.models import Station
from bench.stats import latency_ms, ratio

LAT_RANGE = (28.9, 30.1)
LON_RANGE = (105.9, 107.0)
EVERYDAY = tuple(code for code in SERVICE_CODES if code != "gas")
GAS_SHARE = 0.005


def station_codes(layout: str, index: int, rng: random.Random) -> list[str]:
    """The codes one synthetic station handles in a layout."""
    if layout == "dense":
        return list(SERVICE_CODES)
    if layout != "sparse":
        raise ValueError(f"unknown layout {layout!r}")
    return list(SERVICE_CODES) if rng.random() < GAS_SHARE else list(EVERYDAY)


def dispatch_benchmark(
    stations: int, queries: int, layout: str = "dense", seed: int = 7
) -> dict[str, Any]:
    """Build the registry in a temporary SQLite file and time nearest-station queries."""
    rng = random.Random(seed)
    codes = ["water_leak", "gas"]
    figures: dict[str, Any] = {"layout": layout, "stations": stations, "codes": {}}
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
                "service_codes": station_codes(layout, i, rng), "active": True,
            }
            for i in range(stations)
        ]  # fmt: skip
        with factory() as session:
            session.execute(insert(Station), rows)
            session.commit()
        points = [(rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)) for _ in range(queries)]
        with factory() as session:
            everything = [
                (s.lat, s.lon, s.code, set(s.service_codes))
                for s in session.scalars(select(Station))
                if s.lat is not None and s.lon is not None
            ]
            session.commit()  # SQLite: every transaction holds the write lock (BEGIN IMMEDIATE)
        for code in codes:
            capable = [s for s in everything if code in s[3]]
            indexed: list[float] = []
            brute: list[float] = []
            for lat, lon in points:
                started = time.perf_counter()
                with factory() as fresh:  # one request's session, as in the app
                    found = nearest_station(fresh, lat, lon, code)
                    indexed.append(time.perf_counter() - started)
                    found_code = found[0].code if found else None
                started = time.perf_counter()
                reference = min(capable, key=lambda s: haversine_km(lat, lon, s[0], s[1]))
                brute.append(time.perf_counter() - started)
                assert found_code == reference[2], (code, lat, lon)
            figures["codes"][code] = {
                "capable_stations": len(capable),
                "indexed_ms": latency_ms(indexed),
                "brute_force_ms": latency_ms(brute),
                "brute_over_indexed_median": ratio(
                    statistics.median(brute), statistics.median(indexed)
                ),
            }
        engine.dispose()
    return figures
