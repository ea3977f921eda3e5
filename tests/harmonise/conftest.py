"""Fixtures: one synthetic country (scale 0.01, seed 7) shared by the harmonisation tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest


@pytest.fixture(scope="session")
def country_seed7(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default Maldives at scale 0.01, seed 7, generated once."""
    from migstats.synth.generate import generate

    out = tmp_path_factory.mktemp("country_seed7")
    generate(out, scale=0.01, seed=7)
    return out


@pytest.fixture(scope="session")
def extracts_seed7(country_seed7: Path) -> dict[str, pa.Table]:
    """Each extract of the seed-7 country as a canonical string table, by kind."""
    from migstats.harmonise import KINDS
    from tests.harmonise.synthetic import read_canonical

    return {kind: read_canonical(country_seed7, kind) for kind in KINDS}
