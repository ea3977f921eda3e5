"""The scale-out engine: Apache Spark (PySpark), local mode on one machine.

PySpark is an optional extra, imported only when a Spark engine or session is asked
for; without it the user gets one :class:`~migstats.errors.MissingExtraError` with the
``pip install`` line. SQL is translated from DuckDB's dialect by sqlglot. Batch
functions run through ``groupBy(bucket).applyInArrow``: rows are hashed by group key
into buckets, each bucket (whole groups only) is sorted on the executor and handed to
the function as one Arrow table.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from migstats.engine.base import BatchFunction, Engine, EngineError, all_nullable
from migstats.engine.dialect import transpile
from migstats.errors import MissingExtraError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SparkEngine", "spark_session"]

log = logging.getLogger("migstats.engine")

_session_lock = threading.Lock()


def _require_pyspark() -> Any:
    try:
        import pyspark
        import pyspark.sql
    except ImportError as err:
        raise MissingExtraError("The Spark engine", "spark", "pyspark") from err
    return pyspark


def spark_session(
    master: str = "local[*]", shuffle_partitions: int = 4, driver_memory: str = "4g"
) -> SparkSession:
    """A Spark session for migstats (created once per process, then reused).

    Local mode by default; Python workers run this interpreter, so they import the same
    migstats. Dates travel as ``DATE`` and the session time zone is UTC, so nothing
    depends on the machine's clock or zone. In local mode the executors live in the
    driver's JVM, hence ``driver_memory`` (a cap, not a reservation).
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    # Workers must run the interpreter that has migstats and pyarrow installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    with _session_lock:
        session = (
            SparkSession.builder.master(master)
            .appName("migstats")
            .config("spark.driver.memory", driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
            .config("spark.default.parallelism", str(shuffle_partitions))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
            # Splink's string similarity functions (Jaro-Winkler, Damerau-Levenshtein)
            # for linkage on Spark: a jar shipped inside the splink package, no download.
            .config("spark.jars", _splink_jar())
            .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
    return session


def _splink_jar() -> str:
    """Path of the similarity-function jar that Splink ships ("" without Splink)."""
    try:
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        return ""
    return str(similarity_jar_location())


class SparkEngine(Engine):
    """Apache Spark; pass a session to reuse one, else :func:`spark_session` makes it.

    ``bucket_rows`` is about how many rows each ``applyInArrow`` call receives.
    """

    name: ClassVar[str] = "spark"
    dialect: ClassVar[str] = "spark"

    def __init__(self, session: SparkSession | None = None, bucket_rows: int = 250_000) -> None:
        self._spark = session if session is not None else spark_session()
        self.bucket_rows = bucket_rows

    @property
    def session(self) -> SparkSession:
        return self._spark

    def sql(self, query: str, tables: Mapping[str, pa.Table]) -> pa.Table:
        translated = transpile(query, self.dialect)
        names = list(tables)
        try:
            for name, table in tables.items():
                self._frame(table).createOrReplaceTempView(name)
            return all_nullable(_to_arrow(self._spark.sql(translated)))
        except Exception as err:  # Spark raises many unrelated types; all mean the same
            raise EngineError(self.name, translated, names, err) from err
        finally:
            for name in names:
                self._spark.catalog.dropTempView(name)

    def map_groups(
        self,
        table: pa.Table,
        function: BatchFunction,
        *,
        key: str,
        order_by: Sequence[str],
        schema: pa.Schema,
    ) -> Iterator[pa.Table]:
        if table.num_rows == 0:
            return
        from pyspark.sql import functions as sf

        buckets = max(1, -(-table.num_rows // self.bucket_rows))
        sort_keys = [(c, "ascending") for c in (key, *order_by)]
        columns = table.column_names

        def run_bucket(bucket: pa.Table) -> pa.Table:
            rows = bucket.select(columns)
            rows = rows.take(pc.sort_indices(rows, sort_keys=sort_keys))
            result = function(rows)
            return result if result.schema.equals(schema) else result.cast(schema)

        frame = self._frame(table).withColumn(
            "__bucket", sf.pmod(sf.xxhash64(sf.col(key)), sf.lit(buckets))
        )
        results = frame.groupBy("__bucket").applyInArrow(run_bucket, _spark_schema(schema))
        try:
            yield _to_arrow(results).cast(schema)
        except Exception as err:
            raise EngineError(self.name, f"applyInArrow over {key!r}", ["batch"], err) from err

    def _frame(self, table: pa.Table) -> Any:
        return self._spark.createDataFrame(table)


def _to_arrow(frame: Any) -> pa.Table:
    table = frame.toArrow()
    assert isinstance(table, pa.Table)
    return table


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)
