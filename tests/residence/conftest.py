"""Fixtures for the residence tests: engines, with Spark started lazily.

A DuckDB-only run never starts a JVM: the Spark engine is a session-scoped fixture that
only tests marked ``spark`` request, created once per test worker and skipped cleanly
when PySpark (or Java) is not there.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from migstats.engine import DuckDBEngine

if TYPE_CHECKING:
    from migstats.engine.spark_engine import SparkEngine


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[SparkEngine]:
    """One local Spark engine per test worker (two cores, few shuffle partitions)."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on the PATH")
    from migstats.engine.spark_engine import SparkEngine, spark_session

    session = spark_session("local[2]", shuffle_partitions=2)
    yield SparkEngine(session, bucket_rows=2_000)
    session.stop()


@pytest.fixture
def duckdb_engine() -> Iterator[DuckDBEngine]:
    """A DuckDB engine cutting small batches, so batch boundaries get exercised."""
    with DuckDBEngine(threads=2, batch_rows=64) as engine:
        yield engine
