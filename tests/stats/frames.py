"""Hand-made statistics frames: the crossing and visa tables tests build in DuckDB."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def add_crossings_and_visas(
    con: duckdb.DuckDBPyConnection,
    crossings: Sequence[tuple[Any, ...]],
    visas: Sequence[tuple[Any, ...]],
) -> None:
    """Create the ``crossing`` (numbered ``record_id``) and ``visa`` views from rows.

    Crossings are ``(person_key, crossing_date, direction, visa_type)``; visas
    ``(person_key, purpose, valid_from, valid_to)``.
    """
    con.execute(
        "create table crossing_rows (person_key varchar, crossing_date date, direction varchar,"
        " visa_type varchar)"
    )
    con.executemany("insert into crossing_rows values (?, ?, ?, ?)", crossings)
    con.execute(
        "create view crossing as select 'R' || lpad(row_number() over ()::varchar, 6, '0')"
        " as record_id, * from crossing_rows"
    )
    con.execute(
        "create table visa_rows (person_key varchar, purpose varchar, valid_from date,"
        " valid_to date)"
    )
    con.executemany("insert into visa_rows values (?, ?, ?, ?)", visas)
    con.execute("create view visa as select * from visa_rows")
