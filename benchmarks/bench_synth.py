"""Benchmark the synthetic country generator: seconds, rows per second and peak memory
per step (extract), at a given scale.

    python benchmarks/bench_synth.py --scale 1.0 --out /tmp/synth-bench

Peak memory per step is the process's resident high-water mark during that step (reset
before each step through /proc/self/clear_refs on Linux).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from _memory import peak_mb, reset_peak
from migstats.synth.generate import generate

# Which result rows each step produces, to print rows per second.
STEP_ROWS = {
    "simulate people and travel": ["people"],
    "border crossings": ["border_crossings"],
    "visas, permits and work permits": ["visas_permits", "work_permits"],
    "census and national register": ["census_2022", "national_register"],
    "write truth": ["truth/crossing", "truth/person", "truth/record", "truth/status_at"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="synth-bench-"))
    shutil.rmtree(out, ignore_errors=True)
    peaks: dict[str, float] = {}

    def progress(name: str, done: int) -> None:
        if done:
            peaks[name] = peak_mb()
        else:
            reset_peak()

    t0 = time.perf_counter()
    result = generate(out, scale=args.scale, seed=args.seed, progress=progress)
    total = time.perf_counter() - t0
    print(f"synthetic country, scale {args.scale}, seed {args.seed}, into {out}")
    print(f"{'step':42s} {'seconds':>8s} {'rows':>12s} {'rows/s':>12s} {'peak MB':>9s}")
    for step, seconds in result.seconds.items():
        rows = sum(result.rows.get(k, 0) for k in STEP_ROWS.get(step, []))
        rate = f"{rows / seconds:,.0f}" if rows and seconds else ""
        print(f"{step:42s} {seconds:8.1f} {rows:12,d} {rate:>12s} {peaks.get(step, 0):9.0f}")
    print(f"{'total':42s} {total:8.1f}   peak over the run {max(peaks.values()):,.0f} MB")
    for name, rows in result.rows.items():
        print(f"  {name:28s} {rows:>14,d}")


if __name__ == "__main__":
    main()
