"""Benchmark of the statistics stage: every table after linkage, with the evaluation.

Issue 6 asks for the whole country's tables in at most 5 minutes after linkage on 2
cores. Run on purpose, not in the test suite, on a linked project (for example one
written by ``migstats demo --scale 0.1 --out DIR``)::

    .venv/bin/python benchmarks/bench_stats.py --project DIR/project.yaml \
        --truth DIR/synthetic/truth

Prints the time of each step, the peak memory, the number of tables and cells, and the
evaluation summary. The run writes into the project's workspace (``statistics/``,
``integrated/residence_event.parquet``, ``reports/evaluation.json``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _memory import peak_mb, reset_peak
from migstats.config import load_config
from migstats.stats.stage import run_statistics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--truth", type=Path, default=None)
    args = parser.parse_args()
    cfg = load_config(args.project)
    reset_peak()
    started = time.perf_counter()
    run = run_statistics(cfg, truth_dir=args.truth)
    total = time.perf_counter() - started
    persons = sum(1 for _ in (cfg.workspace / "integrated").glob("person.parquet"))
    print(f"project: {args.project} ({persons and 'spine present'})")
    for step, seconds in run.timings.items():
        print(f"  {step:<16} {seconds:8.1f} s")
    cells = sum(t.data.num_rows for t in run.tables.values())
    print(f"total {total:.1f} s; peak {peak_mb() / 1024:.2f} GB; "
          f"{len(run.tables)} tables, {cells:,} cells")  # fmt: skip
    if run.checks:
        with_goal = [c for c in run.checks if c.goal is not None]
        met = sum(bool(c.meets_goal) for c in with_goal)
        print(f"evaluation: {len(run.checks)} checks, goals met {met} of {len(with_goal)}")
        for c in with_goal:
            print(f"  {c.table_id:<5} {c.what:<50} {c.relative_error:+7.1%}"
                  f" {'met' if c.meets_goal else 'missed'}")  # fmt: skip


if __name__ == "__main__":
    main()
