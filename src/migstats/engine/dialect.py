"""SQL written once, in DuckDB's dialect, translated for other engines by sqlglot.

>>> transpile("SELECT date_diff('day', a, b) AS days FROM t", "spark")
'SELECT DATEDIFF(DAY, a, b) AS days FROM t'
>>> transpile("SELECT 1", "duckdb")
'SELECT 1'
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot

__all__ = ["transpile"]

SOURCE_DIALECT = "duckdb"


@lru_cache(maxsize=256)
def transpile(query: str, dialect: str) -> str:
    """``query`` (DuckDB SQL) in ``dialect``; unchanged for DuckDB itself."""
    if dialect == SOURCE_DIALECT:
        return query
    statements = sqlglot.transpile(query, read=SOURCE_DIALECT, write=dialect)
    return ";\n".join(statements)
