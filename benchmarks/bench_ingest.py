"""Benchmark ingest: landing, validation and harmonisation of a synthetic country.

    python benchmarks/bench_ingest.py --scale 1.0 --country /tmp/synth1

Generates the country first unless ``--country`` points at one already generated
(``migstats synth --out DIR``). Prints seconds, rows per second and the peak resident
memory of each stage, and the total (the goal at scale 1.0: 5 minutes, 12 GB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _memory import peak_mb, reset_peak
from migstats.config import load_config
from migstats.synth.project import write_project_file


def _stage(name: str, rows: Callable[[Any], int], run: Callable[[], Any]) -> tuple[float, Any]:
    reset_peak()
    t0 = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - t0
    n = rows(out)
    rate = f"{n / seconds:,.0f}" if seconds and n else ""
    print(f"{name:34s} {seconds:8.1f} {n:14,d} {rate:>14s} {peak_mb():9.0f}", flush=True)
    return seconds, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--country", type=Path, default=None, help="an existing synth output")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    country = args.country
    if country is None:
        from migstats.synth.generate import generate

        country = work / "country"
        print(f"generating the synthetic country at scale {args.scale} ...", flush=True)
        generate(country, scale=args.scale, seed=args.seed)
    shutil.rmtree(work / "workspace", ignore_errors=True)
    project = write_project_file(work / "project.yaml", country / "extracts", work / "workspace")
    os.environ.setdefault("MIGSTATS_HMAC_KEY", "benchmark-key-not-secret")
    cfg = load_config(project)
    print(f"ingest benchmark on {country}")
    print(f"{'stage':34s} {'seconds':>8s} {'rows':>14s} {'rows/s':>14s} {'peak MB':>9s}")
    total = 0.0
    from migstats.storage import land

    s, _ = _stage("land", lambda r: sum(x.rows for x in r.landed), lambda: land(cfg))
    total += s
    from migstats.quality.stage import validate_project

    s, report = _stage(
        "validate", lambda r: sum(x.delivered for x in r.sources), lambda: validate_project(cfg)
    )
    total += s
    for src in report.sources:
        print(f"  {src.source:32s} delivered {src.delivered:,} quarantined {src.quarantined:,}")
    try:
        from migstats.ingest import harmonise_project
    except ImportError:
        print("harmonise: not available yet")
    else:
        s, _ = _stage("harmonise + pseudonymise", lambda r: int(r), lambda: harmonise_project(cfg))
        total += s
    print(f"{'total':34s} {total:8.1f}")


if __name__ == "__main__":
    main()
