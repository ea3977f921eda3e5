"""Benchmark of the linkage stage: border deduplication and the person spine.

Run on purpose, not in the test suite::

    .venv/bin/python benchmarks/bench_link.py --scale 0.1
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from migstats.cli.demo import DemoRun, _harmonise, _land, _synthetic_country, _validate
from migstats.link import deduplicate_border


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        run = DemoRun(out=out, scale=args.scale, seed=args.seed)
        for step in (_synthetic_country, _land, _validate, _harmonise):
            step(run)
        prepared = time.perf_counter() - start
        ws = out / "workspace"
        start = time.perf_counter()
        result = deduplicate_border(
            ws / "harmonised" / "border_crossings.parquet",
            ws,
            truth_dir=out / "synthetic" / "truth",
        )
        linked = time.perf_counter() - start
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"scale {args.scale}, seed {args.seed}: synth+ingest {prepared:.1f} s")
    print(f"border records {result.border_records:,}, travellers {result.travellers:,},")
    print(f"candidate pairs {result.candidate_pairs:,}, persons {result.persons:,}")
    for step, seconds in result.timings.items():
        print(f"  {step:<11} {seconds:7.1f} s")
    print(f"linkage total {linked:.1f} s, peak memory {peak_gb:.2f} GB")
    for level, s in (("record", result.record_scores), ("traveller", result.traveller_scores)):
        if s is not None:
            print(f"{level} pairs: P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f}")


if __name__ == "__main__":
    main()
