"""Benchmark the tables API: latency under 50 concurrent clients on loopback.

    python benchmarks/bench_api.py [--requests 2000] [--clients 50] [--release DIR]

Generates a release of realistic size (table 1.1 with about 2,000 cells by reference
date, measure, sex, age, citizenship and atoll; flows with about 600), or serves
``--release``; starts uvicorn in its own process on a free loopback port; sends the
requests (a mix of the index, whole tables, filtered tables and CSV) and prints
p50/p95/p99 latency and requests per second. Goal: p95 at most 100 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import sys
import tempfile
import time
import urllib.request
from itertools import product
from pathlib import Path

import numpy as np
import pyarrow as pa

from migstats.stats.cube import AGE_GROUPS, ObservationTable, write_tables
from migstats.web.load import run_load

GOAL_P95_MS = 100.0
REF_DATES = ("census_night", *(f"year_end_{y}" for y in range(2018, 2025)))
YEARS = tuple(str(y) for y in range(2019, 2025))
# fmt: off
CITIZENSHIPS = (
    "BGD", "IND", "LKA", "NPL", "CHN", "PHL", "IDN", "PAK", "MMR", "EGY", "GBR", "DEU",
    "ITA", "RUS", "FRA", "USA", "AUS", "JPN", "KOR", "THA", "MYS", "SGP", "ARE", "SAU",
    "TUR", "IRN", "NLD", "CHE", "AUT", "ESP", "POL", "SWE", "NOR", "DNK", "FIN", "BEL",
    "CAN", "BRA", "ZAF", "KEN",
)
ATOLLS = (
    "MC", "HA", "HDh", "Sh", "N", "R", "B", "Lh", "K", "AA", "ADh", "V", "M", "F", "Dh",
    "Th", "L", "GA", "GDh", "Gn", "S",
)
# fmt: on
SEXES = ("F", "M")
PATHS = (
    "/api/tables",
    "/api/tables/1.1?REF_DATE=census_night&MEASURE=FOREIGN_BORN&SEX=F",
    "/api/tables/1.2?SEX=F",
    "/api/tables/1.4N",
    "/api/tables/1.3.csv",
    "/api/tables/1.1?CITIZENSHIP=BGD,IND,LKA",
    "/api/tables/1.2.csv?TIME_PERIOD=2023",
    "/api/tables/1.1",
)


def _cells(
    rng: np.random.Generator, dims: tuple[str, ...], combos: list[dict[str, str]]
) -> pa.Table:
    values = np.round(rng.lognormal(3.0, 1.6, len(combos)))
    suppressed = values < 5
    columns: dict[str, list[object]] = {d: [c.get(d, "_T") for c in combos] for d in dims}
    columns["OBS_VALUE"] = [
        None if s else float(v) for v, s in zip(values, suppressed, strict=True)
    ]
    columns["OBS_STATUS"] = ["A"] * len(combos)
    columns["CONF_STATUS"] = ["A" if s else "F" for s in suppressed]
    return pa.table(columns)


def generated_release(folder: Path, seed: int = 1) -> Path:
    """A published release with the shape and size of the Maldives demo's main tables."""
    rng = np.random.default_rng(seed)
    stock_dims = ("REF_DATE", "MEASURE", "SEX", "AGE", "CITIZENSHIP", "ATOLL")
    combos: list[dict[str, str]] = []
    for ref, measure in product(REF_DATES, ("FOREIGN_BORN", "FOREIGN_CITIZENS")):
        fixed = {"REF_DATE": ref, "MEASURE": measure}
        combos.append(fixed)
        combos += [{**fixed, "SEX": s} for s in SEXES]
        combos += [{**fixed, "SEX": s, "AGE": a} for s, a in product(SEXES, AGE_GROUPS)]
        combos += [{**fixed, "AGE": a} for a in AGE_GROUPS]
        combos += [{**fixed, "CITIZENSHIP": c} for c in CITIZENSHIPS]
        combos += [{**fixed, "ATOLL": a} for a in ATOLLS]
    tables = [ObservationTable("1.1", "Migrant stock", stock_dims, _cells(rng, stock_dims, combos))]
    flow_dims = ("TIME_PERIOD", "SEX", "AGE", "CITIZENSHIP")
    flows: list[dict[str, str]] = []
    for year in YEARS:
        flows.append({"TIME_PERIOD": year})
        flows += [{"TIME_PERIOD": year, "SEX": s, "AGE": a} for s, a in product(SEXES, AGE_GROUPS)]
        flows += [{"TIME_PERIOD": year, "CITIZENSHIP": c} for c in CITIZENSHIPS]
    for table_id, title in (("1.2", "Immigrants"), ("1.3", "Emigrants")):
        tables.append(ObservationTable(table_id, title, flow_dims, _cells(rng, flow_dims, flows)))
    net = [{"TIME_PERIOD": y, "CITIZEN": c} for y, c in product(YEARS, ("Y", "N", "_T"))]
    tables.append(
        ObservationTable(
            "1.4N",
            "Net migration",
            ("TIME_PERIOD", "CITIZEN"),
            _cells(rng, ("TIME_PERIOD", "CITIZEN"), net),
        )
    )
    write_tables(tables, folder / "tables")
    return folder


def _serve(release: str, work: str, port: int) -> None:
    from pydantic import SecretStr

    from migstats.web.app import WebSettings, create_app
    from migstats.web.server import serve

    settings = WebSettings(
        release_dir=Path(release),
        users_file=Path(work) / "users.json",
        session_secret=SecretStr("benchmark-session-secret-0123456789"),
        site_dir=Path(work) / "site",
    )
    serve(create_app(settings), host="127.0.0.1", port=port)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/api/tables", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--release", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    release = args.release or generated_release(work / "release")
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(str(release), str(work), port), daemon=True
    )
    server.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait(base_url)
        run_load(base_url, PATHS, requests=200, clients=args.clients)  # warm-up
        report = run_load(base_url, PATHS, requests=args.requests, clients=args.clients)
    finally:
        server.terminate()
        server.join(10)
    print(f"release {release}; uvicorn (1 process) on {base_url}")
    print("request mix: " + ", ".join(PATHS))
    print(report.summary())
    verdict = "met" if report.p95_ms <= GOAL_P95_MS else "missed"
    print(f"goal p95 <= {GOAL_P95_MS:.0f} ms: {verdict} ({report.p95_ms:.1f} ms)")
    if not report.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
