"""What every engine offers the stages: SQL written once, and per-group batch functions.

Stages never ask which engine they run on. They use two operations:

- :meth:`Engine.sql` runs a query written once in DuckDB's SQL dialect over named Arrow
  tables; engines that speak another dialect get it translated by sqlglot.
- :meth:`Engine.map_groups` hands a vectorised batch function complete groups of rows
  (every row of a person, say), sorted, and yields its results. A DuckDB engine does it
  in-process in cache-sized batches; Spark spreads hash buckets of groups over executors.

Anything that differs between engines lives in the engine classes, never in a stage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import ClassVar

import pyarrow as pa

__all__ = ["BatchFunction", "Engine", "EngineError", "all_nullable"]

#: A pure function from one sorted batch of complete groups to a result table.
BatchFunction = Callable[[pa.Table], pa.Table]


class EngineError(RuntimeError):
    """An engine failed to run a query: carries the SQL and the tables it read.

    This points at a bug in migstats (or the engine), not at the user's data, which
    is checked before any query runs.
    """

    def __init__(self, engine: str, sql: str, tables: Sequence[str], cause: BaseException):
        self.engine = engine
        self.sql = sql
        self.tables = tuple(tables)
        super().__init__(
            f"{engine} failed on a query over {', '.join(self.tables) or 'no tables'}: "
            f"{cause}\n--- SQL ---\n{sql}"
        )


def all_nullable(table: pa.Table) -> pa.Table:
    """``table`` with every field nullable: engines disagree on what they can prove
    non-null, and results must not depend on the engine."""
    if all(f.nullable for f in table.schema):
        return table
    schema = pa.schema(
        [f.with_nullable(True) for f in table.schema], metadata=table.schema.metadata
    )
    return table.cast(schema)


class Engine(ABC):
    """A place where tables are transformed; see the module docstring."""

    #: The engine's name as users pass it (``--engine``).
    name: ClassVar[str]
    #: The sqlglot dialect the engine speaks.
    dialect: ClassVar[str]
    #: Whether the engine's rows live in this process's memory, so that a stage may hand
    #: whole columns to compiled code rather than batches through :meth:`map_groups`.
    in_process: ClassVar[bool] = False
    #: Threads the engine may use in this process.
    threads: int = 1

    @abstractmethod
    def sql(self, query: str, tables: Mapping[str, pa.Table]) -> pa.Table:
        """Run ``query`` (DuckDB dialect) with each Arrow table visible under its name."""

    @abstractmethod
    def map_groups(
        self,
        table: pa.Table,
        function: BatchFunction,
        *,
        key: str,
        order_by: Sequence[str],
        schema: pa.Schema,
    ) -> Iterator[pa.Table]:
        """Yield ``function``'s results over batches of ``table``.

        Each batch holds whole groups (every row sharing a ``key`` value lands in the
        same batch) sorted by ``key`` then ``order_by``; ``function`` must return tables
        of ``schema``. Batches come in no particular order.
        """

    def close(self) -> None:  # noqa: B027  (engines without resources need not override)
        """Release what the engine holds (connections, temporary files)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
