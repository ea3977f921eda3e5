"""Engines: where stages run their SQL and per-group batch functions.

``duckdb`` (in-process, the default) and ``spark`` (PySpark, an optional extra) give the
same results; stages call :func:`get_engine` and use only the :class:`Engine` interface,
so engine differences stay in this package.

>>> with get_engine("duckdb") as engine:
...     engine.sql("SELECT 40 + 2 AS answer", {}).to_pylist()
[{'answer': 42}]
>>> get_engine("duck")  # doctest: +ELLIPSIS
Traceback (most recent call last):
migstats.errors.UserInputError: Unknown engine: 'duck'. Fix: ... (did you mean 'duckdb'?)
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Final

from migstats.engine.base import BatchFunction, Engine, EngineError
from migstats.engine.dialect import transpile
from migstats.engine.duckdb_engine import DuckDBEngine
from migstats.errors import UserInputError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "ENGINE_NAMES",
    "BatchFunction",
    "DuckDBEngine",
    "Engine",
    "EngineError",
    "get_engine",
    "spark_session",
    "transpile",
]

ENGINE_NAMES: Final = ("duckdb", "spark")


def get_engine(engine: str | Engine = "duckdb") -> Engine:
    """An engine by name, or the given engine unchanged.

    Spark is imported only here, when asked for.
    """
    if isinstance(engine, Engine):
        return engine
    name = str(engine).strip().lower()
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        from migstats.engine.spark_engine import SparkEngine

        return SparkEngine()
    close = difflib.get_close_matches(name, ENGINE_NAMES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UserInputError(
        "Unknown engine", repr(engine), f"use one of {', '.join(ENGINE_NAMES)}{hint}"
    )


def spark_session(
    master: str = "local[*]", shuffle_partitions: int = 4, driver_memory: str = "4g"
) -> SparkSession:
    """The shared local Spark session (see :func:`migstats.engine.spark_engine.spark_session`)."""
    from migstats.engine.spark_engine import spark_session as make_session

    return make_session(master, shuffle_partitions, driver_memory)
