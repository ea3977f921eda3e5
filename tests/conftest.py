"""Shared fixtures: a small synthetic country, generated once per test worker."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default Maldives at scale 0.01 (about 5,000 residents), seed 11."""
    from migstats.synth.generate import generate

    out = tmp_path_factory.mktemp("country")
    generate(out, scale=0.01, seed=11)
    return out
