"""Shared fixtures of the linkage tests: a synthetic country and its border dedup.

Module-scoped, so each test module builds its own country (scale 0.01, seed 7) and
may write into its workspace without affecting another module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migstats.link import deduplicate_border


@pytest.fixture(scope="module")
def harmonised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from migstats.cli.demo import DemoRun, _harmonise, _land, _synthetic_country, _validate

    out = tmp_path_factory.mktemp("country")
    run = DemoRun(out=out, scale=0.01, seed=7)
    for step in (_synthetic_country, _land, _validate, _harmonise):
        step(run)
    return out


@pytest.fixture(scope="module")
def linked(harmonised: Path) -> object:
    ws = harmonised / "workspace"
    return deduplicate_border(
        ws / "harmonised" / "border_crossings.parquet",
        ws,
        truth_dir=harmonised / "synthetic" / "truth",
    )
