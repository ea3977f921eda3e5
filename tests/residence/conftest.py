"""Fixtures for the residence tests: engines, with Spark started lazily.

A DuckDB-only run never starts a JVM: the Spark engine is a session-scoped fixture that
only tests marked ``spark`` request, created once per test worker and skipped cleanly
when PySpark (or Java) is not there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from migstats.engine import DuckDBEngine

if TYPE_CHECKING:
    from migstats.engine.spark_engine import SparkEngine


@pytest.fixture(scope="session")
def spark_engine(spark_local: Any) -> SparkEngine:
    """The Spark engine on the worker's local session (see ``tests/conftest.py``)."""
    from migstats.engine.spark_engine import SparkEngine

    return SparkEngine(spark_local, bucket_rows=2_000)


@pytest.fixture
def duckdb_engine() -> Iterator[DuckDBEngine]:
    """A DuckDB engine cutting small batches, so batch boundaries get exercised."""
    with DuckDBEngine(threads=2, batch_rows=64) as engine:
        yield engine
