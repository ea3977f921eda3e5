"""Benchmark landing and pseudonymisation: MB/s and rows/s per source, from a local
folder and from an S3-compatible server (moto's, on loopback), then pseudonymisation
values per second.

    python benchmarks/bench_landing.py --scale 0.1
    python benchmarks/bench_landing.py --scale 1.0 --values 30000000

Landing is timed three ways: the first landing (every byte copied, hashed and counted),
a second one (unchanged: the store's ETags match, nothing is read) and a ``--rehash``
one (every byte read and hashed again, nothing written). The S3 figures include the HTTP
server running in this same process, so they understate a real MinIO.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from migstats.config import ProjectConfig, load_config
from migstats.privacy import pseudonymise_values
from migstats.storage import LandingReport, land
from migstats.synth.generate import generate
from migstats.synth.project import write_project_file

KEY = b"benchmark-key-0123456789abcdef"


def _print_report(title: str, report: LandingReport, seconds: float) -> None:
    print(f"\n{title}: {seconds:.1f} s")
    print(f"  {'source':<20}{'status':>10}{'MB':>10}{'rows':>12}{'s':>8}{'MB/s':>9}{'rows/s':>12}")
    for x in report.landed:
        s = max(x.seconds, 1e-9)
        print(
            f"  {x.source:<20}{x.status:>10}{x.bytes / 1e6:>10.1f}{x.rows:>12,}{x.seconds:>8.2f}"
            f"{x.bytes / 1e6 / s:>9.0f}{x.rows / s:>12,.0f}"
        )
    total = sum(x.bytes for x in report.landed)
    rows = sum(x.rows for x in report.landed)
    print(f"  total {total / 1e6:,.1f} MB, {rows:,} rows: {total / 1e6 / seconds:,.0f} MB/s")


def _land_three_ways(label: str, cfg: ProjectConfig) -> None:
    t0 = time.perf_counter()
    report = land(cfg)
    _print_report(f"{label}, first landing", report, time.perf_counter() - t0)
    t0 = time.perf_counter()
    report = land(cfg)
    took = time.perf_counter() - t0
    print(f"\n{label}, again: {report.count('unchanged')} unchanged in {took:.2f} s (ETags)")
    t0 = time.perf_counter()
    report = land(cfg, rehash=True)
    _print_report(f"{label}, again with --rehash", report, time.perf_counter() - t0)


def _s3_project(out: Path, extracts: Path) -> ProjectConfig:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ["MIGSTATS_S3_ACCESS_KEY"] = "bench"
    os.environ["MIGSTATS_S3_SECRET_KEY"] = "bench-secret"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
    )
    client.create_bucket(Bucket="deliveries")
    t0 = time.perf_counter()
    size = 0
    for path in sorted(extracts.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), "deliveries", path.relative_to(extracts).as_posix())
            size += path.stat().st_size
    took = time.perf_counter() - t0
    print(f"\nuploaded {size / 1e6:,.1f} MB to {endpoint} in {took:.1f} s")
    file = write_project_file(out / "project-s3.yaml", extracts, out / "workspace-s3")
    data: dict[str, Any] = yaml.safe_load(file.read_text("utf-8"))
    data["storage"] = {"kind": "s3", "endpoint_url": endpoint, "bucket": "deliveries"}
    file.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return load_config(file)


def _identifiers(n: int, distinct: int) -> pa.Array:
    """Passport-like numbers as delivered ("P 1234-567"), ``distinct`` different ones."""
    rng = np.random.default_rng(1)
    ids = rng.integers(0, distinct, n) if distinct < n else np.arange(n)
    digits = pc.utf8_lpad(pc.cast(pa.array(ids + 1_000_000), pa.string()), 8, "0")
    head = pc.utf8_slice_codeunits(digits, 0, 4)
    tail = pc.utf8_slice_codeunits(digits, 4, 8)
    return pc.binary_join_element_wise("p ", head, "-", tail, "")


def _bench_pseudonymisation(n: int) -> None:
    print(f"\npseudonymisation of {n:,} values (HMAC-SHA256 in DuckDB, {os.cpu_count()} cores)")
    for distinct in (n, n // 10):
        values = _identifiers(n, distinct)
        t0 = time.perf_counter()
        out = pseudonymise_values(values, KEY)
        took = time.perf_counter() - t0
        assert len(out) == n
        print(f"  {distinct:>12,} distinct: {took:6.1f} s, {n / took:>12,.0f} values/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--values", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip-s3", action="store_true")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    out = args.out or Path(tempfile.mkdtemp(prefix="landing-bench-"))
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    generate(out / "country", scale=args.scale, seed=args.seed)
    extracts = out / "country" / "extracts"
    print(f"synthetic country at scale {args.scale} in {time.perf_counter() - t0:.1f} s ({out})")

    local = load_config(write_project_file(out / "project.yaml", extracts, out / "workspace"))
    _land_three_ways("local folder", local)
    if not args.skip_s3:
        _land_three_ways("S3 (moto on loopback)", _s3_project(out, extracts))
    _bench_pseudonymisation(args.values)
    if args.out is None:
        _remove(out)


def _remove(path: Path) -> None:
    """Delete the benchmark's folder, read-only snapshots included."""
    for p in path.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(path)


if __name__ == "__main__":
    main()
