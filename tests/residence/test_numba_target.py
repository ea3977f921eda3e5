"""Loading Numba's target without scipy, and scipy still working afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter: what is imported depends on the process."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_rule_runs_without_importing_scipy() -> None:
    out = _run(
        """
        import sys
        import pyarrow as pa
        from migstats.residence import classify
        table = classify(pa.table({"person_id": [1, 1],
                                   "crossing_date": ["2020-01-01", "2021-06-01"],
                                   "direction": ["ARR", "DEP"],
                                   "initial_status": ["non_resident"] * 2}))
        print(table.column("is_long_term_migration").to_pylist(), "scipy.linalg" in sys.modules)
        """
    )
    assert out == "[True, None] False"  # the departure on the last day is undecided


def test_scipy_and_numba_linear_algebra_work_afterwards() -> None:
    out = _run(
        """
        import numba
        import numpy as np
        from migstats.residence.numba_target import load_target
        load_target()
        import scipy.linalg
        dot = numba.njit(lambda a, b: np.dot(a, b))
        print(scipy.linalg.norm([3.0, 4.0]), dot(np.ones(3), np.arange(3.0)))
        """
    )
    assert out == "5.0 3.0"
