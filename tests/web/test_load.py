"""A bounded load on the API (50 concurrent clients on loopback): every request answers
200 and the latency percentiles are reported. Timings are printed, never asserted (see
``benchmarks/bench_api.py`` for the measurement)."""

from __future__ import annotations

import math

from migstats.web.load import run_load

PATHS = (
    "/api/tables",
    "/api/tables/1.1",
    "/api/tables/1.1?MEASURE=FOREIGN_BORN&SEX=F",
    "/api/tables/1.2?SEX=F,M",
    "/api/tables/1.4N.csv",
    "/api/tables/7.1.json",
)


def test_bounded_load_all_requests_succeed(live_server: str) -> None:
    report = run_load(live_server, PATHS, requests=300, clients=50)
    print(report.summary())
    assert report.ok, report.summary()
    assert len(report.latencies_ms) == 300
    assert math.isfinite(report.p95_ms) and report.p50_ms <= report.p95_ms <= report.p99_ms
