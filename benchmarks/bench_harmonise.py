"""Benchmark harmonisation: rows per second per variable, and per source table, on a
synthetic country.

    python benchmarks/bench_harmonise.py --scale 0.1
    python benchmarks/bench_harmonise.py --dir /tmp/country   # reuse a generated country

Each variable is coded on its own (first call includes building the look-up tables,
reported separately as "warm-up"), then each canonical table goes through
``harmonise_table`` as the pipeline runs it. Reading the extracts is timed apart.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from migstats.harmonise import (
    KINDS,
    code_countries,
    code_industries,
    code_occupations,
    code_places,
    code_purposes,
    harmonise_table,
    parse_dates,
)
from migstats.synth.project import read_extract

VARIABLES: list[tuple[str, str, Callable[..., Any]]] = [
    ("border_crossing", "nationality", code_countries),
    ("border_crossing", "visa_type", code_purposes),
    ("border_crossing", "crossing_datetime", parse_dates),
    ("border_crossing", "date_of_birth", parse_dates),
    ("visa_permit", "nationality", code_countries),
    ("visa_permit", "permit_type", code_purposes),
    ("visa_permit", "valid_from", parse_dates),
    ("work_permit", "nationality", code_countries),
    ("work_permit", "occupation", code_occupations),
    ("work_permit", "industry", code_industries),
    ("work_permit", "work_island", code_places),
    ("work_permit", "valid_from", parse_dates),
    ("census_person", "citizenship", code_countries),
    ("census_person", "occupation", code_occupations),
]


def _timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="an already generated country")
    args = parser.parse_args()
    root = args.dir
    if root is None:
        from migstats.synth.generate import generate

        root = Path(tempfile.mkdtemp(prefix="harmonise-bench-"))
        seconds = _timed(lambda: generate(root, scale=args.scale, seed=args.seed))
        print(f"generated scale {args.scale} in {seconds:.1f} s: {root}")

    tables: dict[str, pa.Table] = {}
    for kind in KINDS:
        seconds = _timed(
            lambda kind=kind: tables.__setitem__(kind, read_extract(root / "extracts", kind))
        )
        print(f"read {kind:18s} {tables[kind].num_rows:>12,} rows  {seconds:7.2f} s")

    warm = _timed(lambda: [f(["x"]) for f in {v[2] for v in VARIABLES}])
    print(f"\nwarm-up (look-up tables built once per process): {warm:.2f} s\n")
    print(f"{'variable':38s} {'rows':>12s} {'seconds':>8s} {'rows/s':>14s}")
    for kind, column, coder in VARIABLES:
        values = tables[kind].column(column)
        seconds = _timed(lambda values=values, coder=coder: coder(values))
        rate = len(values) / seconds if seconds else float("inf")
        print(f"{kind + '.' + column:38s} {len(values):>12,} {seconds:8.2f} {rate:>14,.0f}")

    print(f"\n{'harmonise_table':38s} {'rows':>12s} {'seconds':>8s} {'rows/s':>14s}")
    total = 0.0
    for kind, table in tables.items():
        seconds = _timed(lambda kind=kind, table=table: harmonise_table(kind, table))
        total += seconds
        rate = table.num_rows / seconds if seconds else float("inf")
        print(f"{kind:38s} {table.num_rows:>12,} {seconds:8.2f} {rate:>14,.0f}")
    print(f"{'total':38s} {sum(t.num_rows for t in tables.values()):>12,} {total:8.2f}")


if __name__ == "__main__":
    main()
