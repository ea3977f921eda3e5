"""Peak resident memory of this process, for the benchmark scripts (Linux)."""

from __future__ import annotations

import contextlib
from pathlib import Path


def peak_mb() -> float:
    """The process's resident high-water mark in MB (VmHWM), NaN where unknown."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Start a new high-water mark (writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
