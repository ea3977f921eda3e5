"""The default engine: DuckDB in-process, batch functions on local threads.

SQL runs on an in-memory DuckDB connection that reads Arrow tables without copying.
:meth:`DuckDBEngine.map_groups` sorts the rows once (a packed-key NumPy sort when the
sort columns are integers, DuckDB's parallel sort otherwise), cuts the sorted rows into
cache-sized batches at group boundaries and runs the batch function on a small thread
pool, keeping only a few batches in flight so memory stays bounded.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ClassVar

import duckdb
import numpy as np
import pyarrow as pa

from migstats.engine.base import BatchFunction, Engine, EngineError, all_nullable
from migstats.engine.grouping import chunk_bounds, group_codes, group_order, sortable_integers

__all__ = ["DuckDBEngine"]

log = logging.getLogger("migstats.engine")


class DuckDBEngine(Engine):
    """DuckDB in-process.

    ``threads`` defaults to the machine's cores; ``memory_limit`` (e.g. ``"8GB"``) caps
    DuckDB's own memory, beyond which its sorts and joins spill to a temporary directory
    that is removed on :meth:`close`. ``batch_rows`` is the target size of the batches
    handed to batch functions: small enough to stay in the CPU cache.
    """

    name: ClassVar[str] = "duckdb"
    dialect: ClassVar[str] = "duckdb"
    in_process: ClassVar[bool] = True

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: str | None = None,
        batch_rows: int = 65_536,
    ) -> None:
        self.threads = threads or os.cpu_count() or 1
        self.batch_rows = batch_rows
        self._memory_limit = memory_limit
        self._spill_dir: str | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        # Opened on first use: the residence rule runs in process and never needs it.
        if self._connection is None:
            self._spill_dir = tempfile.mkdtemp(prefix="migstats-duckdb-")
            con = duckdb.connect()
            con.execute(f"SET threads = {int(self.threads)}")
            con.execute(f"SET temp_directory = '{self._spill_dir}'")
            if self._memory_limit:
                con.execute(f"SET memory_limit = '{self._memory_limit}'")
            self._connection = con
        return self._connection

    def sql(self, query: str, tables: Mapping[str, pa.Table]) -> pa.Table:
        names = list(tables)
        try:
            for name, table in tables.items():
                self._con.register(name, table)
            return all_nullable(self._con.sql(query).to_arrow_table())
        except duckdb.Error as err:
            raise EngineError(self.name, query, names, err) from err
        finally:
            for name in names:
                self._con.unregister(name)

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
        order = self._order(table, key, order_by)
        codes = group_codes(table.column(key))[order]
        bounds = chunk_bounds(codes, self.batch_rows)
        log.debug("map_groups: %d rows in %d batches", table.num_rows, len(bounds))

        def run(bound: tuple[int, int]) -> pa.Table:
            batch = table.take(pa.array(order[bound[0] : bound[1]]))
            result = function(batch)
            if not result.schema.equals(schema):
                result = result.cast(schema)
            return result

        if self.threads == 1 or len(bounds) == 1:
            for bound in bounds:
                yield run(bound)
            return
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            pending: deque[Future[pa.Table]] = deque()
            for bound in bounds:
                pending.append(pool.submit(run, bound))
                if len(pending) >= 2 * self.threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _order(self, table: pa.Table, key: str, order_by: Sequence[str]) -> np.ndarray:
        if all(sortable_integers(table.column(c)) is not None for c in order_by):
            return group_order(table, key, order_by, threads=self.threads)
        # Text or other sort columns: DuckDB's sort, over the sort columns only.
        columns = [key, *order_by]
        position = pa.array(np.arange(table.num_rows, dtype=np.int64))
        keys = table.select(columns).append_column("__position", position)
        ordering = ", ".join(f'"{c}"' for c in columns)
        result = self.sql(f"SELECT __position FROM keys ORDER BY {ordering}", {"keys": keys})
        return np.asarray(result.column(0).to_numpy(), dtype=np.int64)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._spill_dir is not None:
            shutil.rmtree(self._spill_dir, ignore_errors=True)
            self._spill_dir = None
