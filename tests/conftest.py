"""Shared fixtures: a small synthetic country, generated once per test worker."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# The test command must pass or fail the same way on every run, so property tests draw a
# fixed sequence of examples by default. `HYPOTHESIS_PROFILE=explore` draws fresh random
# examples on every run to hunt for new counterexamples.
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def small_country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default Maldives at scale 0.01 (about 5,000 residents), seed 11."""
    from migstats.synth.generate import generate

    out = tmp_path_factory.mktemp("country")
    generate(out, scale=0.01, seed=11)
    return out


@pytest.fixture(scope="session")
def spark_local() -> Iterator[Any]:
    """One local Spark session per test worker (two cores, few shuffle partitions).

    Started only by tests that ask for it (those marked ``spark``); skipped cleanly
    when PySpark or Java is not there.
    """
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on the PATH")
    from migstats.engine import spark_session

    session = spark_session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()
