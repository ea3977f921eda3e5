"""Benchmark the residence rule, Parquet to Parquet, on random travel histories.

Prints crossings per second and peak memory (the whole process tree, JVM included) for
each size and engine. Each run is a fresh process, so one run's memory does not hide in
the next. Run on purpose, not in the test suite:

    python benchmarks/bench_residence.py                         # 1M, 10M, 100M; both engines
    python benchmarks/bench_residence.py --sizes 1M --engines duckdb   # a quick look
    python benchmarks/bench_residence.py --sizes 10M --engines duckdb --repeat 5

With ``--repeat N`` each size and engine runs N times (fresh processes) and a median
row follows: on a shared virtual machine one run can be 30% off.

Inputs are generated once per size into --workdir (reused when present): about eight
crossings a person over up to 15 years, short trips and long stays, in date order within
blocks of 4 million (as border records arrive, not grouped by traveller), with copies
and missed records here and there so the repair rules run too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

BLOCK_ROWS = 4_000_000


def parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * scale)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1_000}K"


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Write ``rows`` random crossings to ``path`` block by block (bounded memory)."""
    rng = np.random.default_rng(seed)
    schema = pa.schema(
        [("person_id", pa.int64()), ("crossing_date", pa.date32()), ("direction", pa.string())]
    )
    tmp = path.with_suffix(".tmp")
    next_person = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        done = 0
        while done < rows:
            size = min(BLOCK_ROWS, rows - done)
            counts = rng.poisson(7, size // 8 + 1) + 1
            counts = counts[: np.searchsorted(np.cumsum(counts), size) + 1]
            counts[-1] -= int(counts.sum()) - size
            persons = len(counts)
            person = np.repeat(np.arange(next_person, next_person + persons), counts)
            next_person += persons
            first = np.repeat(np.cumsum(counts) - counts, counts)
            short = rng.random(size) < 0.7
            gaps = np.where(short, rng.integers(0, 30, size), rng.integers(30, 900, size))
            gaps[np.arange(size) == first] = 0
            cumulative = np.cumsum(gaps)
            start = np.repeat(rng.integers(0, 3_000, persons), counts)
            day = 16_000 + start + cumulative - cumulative[first]
            position = np.arange(size) - first
            arrival = (position % 2 == 0) == np.repeat(rng.random(persons) < 0.5, counts)
            arrival ^= rng.random(size) < 0.002  # a missed record now and then
            day = np.where(rng.random(size) < 0.001, np.roll(day, 1), day)  # and copies
            # Border records arrive in time order, not grouped by traveller.
            order = np.argsort(day, kind="stable")
            writer.write_table(
                pa.table(
                    {
                        "person_id": person[order],
                        "crossing_date": pa.array(day[order].astype(np.int32)).cast(pa.date32()),
                        "direction": pa.array(np.where(arrival[order], "ARR", "DEP")),
                    },
                    schema=schema,
                ),
                row_group_size=1_000_000,
            )
            done += size
    tmp.replace(path)


def run_one(engine: str, source: Path, target: Path) -> dict[str, float]:
    """Read, classify, write: what ``migstats residence classify`` does."""
    from migstats.residence import read_crossings, run_classification, write_classified

    started = time.perf_counter()
    crossings = read_crossings(source)
    read = time.perf_counter()
    result = run_classification(crossings, engine=engine)
    classified = time.perf_counter()
    write_classified(result.table, target)
    written = time.perf_counter()
    return {
        "rows": crossings.num_rows,
        "read": read - started,
        "classify": classified - read,
        "write": written - classified,
        "total": written - started,
        "long_term": result.metadata["counts"]["long_term_migrations"],
    }


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, in bytes (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def measure(engine: str, source: Path, target: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--run", engine, str(source), str(target)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0

    def watch() -> None:
        nonlocal peak
        while child.poll() is None:
            peak = max(peak, tree_rss(child.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = child.communicate()
    watcher.join()
    if child.returncode != 0:
        raise SystemExit(f"{engine} run failed on {source}")
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    figures["peak_gb"] = peak / 2**30
    return figures


def _print_row(size: str, engine: str, f: dict[str, float]) -> None:
    print(
        f"{size:>6} {engine:>7} {f['read']:7.2f} {f['classify']:7.2f} {f['write']:8.2f} "
        f"{f['total']:8.2f} {f['rows'] / f['total']:12,.0f} {f['peak_gb']:8.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M,10M,100M", help="comma-separated, e.g. 1M,10M")
    parser.add_argument("--engines", default="duckdb,spark", help="duckdb, spark or both")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size and engine")
    parser.add_argument(
        "--run", nargs=3, metavar=("ENGINE", "INPUT", "OUTPUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.run:
        engine, source, target = args.run
        print(json.dumps(run_one(engine, Path(source), Path(target))))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'size':>6} {'engine':>7} {'read s':>7} {'rule s':>7} {'write s':>8} "
          f"{'total s':>8} {'crossings/s':>12} {'peak GB':>8}")  # fmt: skip
    for size in [parse_size(s) for s in args.sizes.split(",")]:
        source = args.workdir / f"crossings-{label(size)}.parquet"
        if not source.exists():
            started = time.perf_counter()
            generate(source, size)
            print(f"(generated {source} in {time.perf_counter() - started:.0f} s)", flush=True)
        for engine in args.engines.split(","):
            target = args.workdir / f"classified-{label(size)}-{engine}.parquet"
            runs = []
            for _ in range(max(1, args.repeat)):
                runs.append(measure(engine.strip(), source, target))
                _print_row(label(size), engine, runs[-1])
                target.unlink(missing_ok=True)
            if len(runs) > 1:
                median = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
                _print_row("median", engine, median)
    print(f"cores: {os.cpu_count()}; inputs kept in {args.workdir}")


if __name__ == "__main__":
    main()
