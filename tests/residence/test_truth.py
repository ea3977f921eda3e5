"""End to end against the synthetic country: its error-free truth histories, with the
true initial status given, must come out exactly as the truth says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from migstats.residence import ResidenceRule, classify

try:
    from migstats.synth.generate import generate
except ImportError:  # the synthetic country is not there (yet)
    pytest.skip("migstats.synth.generate is not available", allow_module_level=True)


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("truth-country")
    generate(out, scale=0.002, seed=5)
    return out


def test_engine_reproduces_the_truth(country: Path) -> None:
    truth = pq.read_table(country / "truth" / "crossing.parquet")
    meta = json.loads((country / "truth" / "meta.json").read_text())
    rule = ResidenceRule(meta["window_days"], meta["threshold_days"])
    assert truth.num_rows > 1_000

    crossings = truth.select(["person_id", "crossing_date", "direction", "initial_status"])
    out = classify(
        crossings,
        rule,
        observation_start=meta["sim_start"],
        observation_end=meta["sim_end"],
    )
    # Error-free histories: nothing to repair.
    assert out.column("repair").null_count == out.num_rows

    exact = truth.column("status_exact").to_numpy(zero_copy_only=False)
    assert exact.sum() > truth.num_rows // 2
    for mine, theirs in (
        ("res_status_before", "res_status_before"),
        ("res_status_after", "res_status_after"),
        ("is_long_term_migration", "is_long_term_migration"),
    ):
        got = _text(out.column(mine))
        want = _text(truth.column(theirs))
        # Where the truth is fully determined, we must agree everywhere ...
        assert np.array_equal(got[exact], want[exact]), mine
        # ... and elsewhere whatever we decided must agree with it.
        decided = ~exact & (got != "unknown") & (got != "None")
        assert np.array_equal(got[decided], want[decided]), mine
    # Fully determined windows are decided by the engine too.
    assert out.column("is_long_term_migration").filter(pa.array(exact)).null_count == 0


def _text(column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return np.asarray(pc.cast(column, pa.string()).fill_null("None").to_pylist(), dtype=object)
