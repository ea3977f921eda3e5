"""Observation tables: tidy, SDMX-style, with their margins and metadata.

Every statistic is published as one row per cell: one column per dimension (codes, not
labels), ``OBS_VALUE``, ``OBS_STATUS`` and, for estimates, ``LOWER`` and ``UPPER``
bounds. Margins are rows too: a dimension summed over carries the code ``_T`` (total),
and an unknown value the code ``_U``, as in SDMX. Which margins a table has is chosen per
table (its *breakdowns*), so a table never holds a cross-classification nobody asked for
and the margins needed for disclosure control are always there.

``OBS_STATUS`` codes (SDMX CL_OBS_STATUS): ``A`` normal, ``E`` estimated, ``P``
provisional, ``M`` missing (not computable from the sources).

>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute("create table p as select * from (values ('M', 30), ('F', 31), ('F', 70))"
...                 " v(sex, age)")
>>> t = cube(con, "p", {"SEX": "sex", "AGE": age_group_sql("age")}, [("SEX",), ("AGE",), ()])
>>> sorted(t.to_pylist(), key=lambda r: (r["SEX"], r["AGE"]))  # doctest: +NORMALIZE_WHITESPACE
[{'SEX': 'F', 'AGE': '_T', 'OBS_VALUE': 2.0},
 {'SEX': 'M', 'AGE': '_T', 'OBS_VALUE': 1.0},
 {'SEX': '_T', 'AGE': 'Y30T34', 'OBS_VALUE': 2.0},
 {'SEX': '_T', 'AGE': 'Y70T74', 'OBS_VALUE': 1.0},
 {'SEX': '_T', 'AGE': '_T', 'OBS_VALUE': 3.0}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = [
    "AGE_GROUPS",
    "KEY_RANGE",
    "TOTAL",
    "UNKNOWN",
    "ObservationTable",
    "age_group_sql",
    "broad_age_sql",
    "cube",
    "read_table",
    "record_key_sql",
    "write_tables",
]

TOTAL: Final = "_T"
#: Range of record keys and cell keys (the cell key method, ONS/ABS: 0..255).
KEY_RANGE: Final = 256
#: Decimal places kept in published values (see :func:`table_from`).
DECIMALS: Final = 6
UNKNOWN: Final = "_U"
METADATA_KEY: Final = b"migstats.table"

#: Five-year age groups, SDMX codes (Y0T4 ... Y80T84, Y_GE85).
AGE_GROUPS: Final = (*(f"Y{a}T{a + 4}" for a in range(0, 85, 5)), "Y_GE85")


def record_key_sql(person_key: str) -> str:
    """SQL for a person's record key: uniform on 0..255 and the same in every table.

    The cell key method (disclosure control) needs one random key per record, fixed
    once; a hash of the pseudonymised person key is exactly that, and needs no stored
    column. The cell key of a cell is the sum of its records' keys modulo 256. The key
    is the first byte of the MD5 digest of the key's text (DuckDB reads the digest
    little-endian; ``md5_number_upper`` gives the same byte as ``md5_number`` five times
    faster, without a 128-bit modulo).

    >>> import duckdb
    >>> duckdb.sql(f"select {record_key_sql(repr('p1'))}").fetchone()[0] in range(256)
    True
    """
    return f"(md5_number_upper(({person_key})::varchar) % {KEY_RANGE})::integer"


def age_group_sql(age: str) -> str:
    """SQL for the five-year age group code of an age in whole years (``_U`` if null)."""
    return (
        f"case when ({age}) is null or ({age}) < 0 then '{UNKNOWN}'"
        f" when ({age}) >= 85 then 'Y_GE85'"
        f" else 'Y' || (({age}) // 5 * 5)::int || 'T' || (({age}) // 5 * 5 + 4)::int end"
    )


def broad_age_sql(age: str) -> str:
    """SQL for the broad age groups 0-14, 15-64, 65+ (``Y0T14``, ``Y15T64``, ``Y_GE65``)."""
    return (
        f"case when ({age}) is null or ({age}) < 0 then '{UNKNOWN}'"
        f" when ({age}) < 15 then 'Y0T14' when ({age}) < 65 then 'Y15T64' else 'Y_GE65' end"
    )


def age_sql(date_of_birth: str, on: str) -> str:
    """SQL for the age in completed years on a date."""
    before_birthday = f"(strftime({on}, '%m%d') < strftime({date_of_birth}, '%m%d'))::int"
    return f"(date_diff('year', {date_of_birth}, {on}) - {before_birthday})"


@dataclass(frozen=True)
class ObservationTable:
    """One published statistic; ``data`` holds ``dimensions`` + the observation columns.

    ``metadata``: definitions, rule settings, reference dates, sources, notes; written
    next to the data and into the Parquet schema.
    """

    table_id: str
    title: str
    dimensions: tuple[str, ...]
    data: pa.Table
    unit: str = "persons"
    metadata: dict[str, Any] = field(default_factory=dict)

    def value(self, **codes: str) -> float | None:
        """The observation of one cell; dimensions not named are taken at ``_T``.

        Returns None when the cell is not in the table.
        """
        wanted = {d: codes.get(d, TOTAL) for d in self.dimensions}
        unknown = set(codes) - set(self.dimensions)
        if unknown:
            raise KeyError(f"table {self.table_id} has no dimension {sorted(unknown)}")
        columns = {d: self.data.column(d).to_pylist() for d in self.dimensions}
        values = self.data.column("OBS_VALUE").to_pylist()
        for i, value in enumerate(values):
            if all(columns[d][i] == code for d, code in wanted.items()):
                return None if value is None else float(value)
        return None

    def with_status(self, status: str) -> ObservationTable:
        """The same table with every ``OBS_STATUS`` set to ``status``."""
        data = (
            self.data.drop_columns(["OBS_STATUS"])
            if "OBS_STATUS" in self.data.column_names
            else self.data
        )
        data = data.append_column("OBS_STATUS", pa.array([status] * data.num_rows, pa.string()))
        return ObservationTable(
            self.table_id, self.title, self.dimensions, data, self.unit, self.metadata
        )


def cube(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    dimensions: Mapping[str, str],
    breakdowns: Iterable[Sequence[str]],
    *,
    value: str = "count(*)",
    always: Sequence[str] = (),
    where: str = "",
    cell_key: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> pa.Table:
    """Counts (or ``value``) of ``relation`` by each breakdown, with ``_T`` elsewhere.

    ``dimensions`` maps dimension codes to SQL over ``relation``; ``always`` lists the
    dimensions present in every breakdown (e.g. the reference date). Rows are sorted by
    the dimensions, so outputs are identical run to run. ``cell_key`` names the person
    key column of ``relation``: each cell then gets a ``CELL_KEY`` (the sum of its
    records' keys modulo 256, see :func:`record_key_sql`) for the cell key method.
    ``extra`` adds more aggregates (column name -> SQL, as doubles) from the same scan.
    """
    used = {c for b in breakdowns for c in b} | set(always)
    dimensions = {k: v for k, v in dimensions.items() if k in used}
    names = list(dimensions)
    inner = ", ".join(
        f"coalesce(({expr})::varchar, '{UNKNOWN}') as \"{name}\""
        for name, expr in dimensions.items()
    )
    filtered = f" where {where}" if where else ""
    sets = []
    breakdowns = list(breakdowns)
    for breakdown in breakdowns:
        cols = list(dict.fromkeys([*always, *breakdown]))
        missing = [c for c in cols if c not in dimensions]
        if missing:
            raise KeyError(f"breakdown names unknown dimensions {missing}")
        sets.append("(" + ", ".join(f'"{c}"' for c in cols) + ")")
    outer = ", ".join(
        f'case when grouping("{n}") = 1 then \'{TOTAL}\' else "{n}" end as "{n}"' for n in names
    )
    value_inner = "" if value == "count(*)" and cell_key is None and not extra else ", *"
    keys = ""
    if cell_key:
        # Each record's key is hashed once here: an expression inside the aggregate
        # would be evaluated again for every grouping set.
        value_inner += f", {record_key_sql(cell_key)} as __record_key"
        keys = f", (sum(__record_key) % {KEY_RANGE})::integer as CELL_KEY"
    keys += "".join(f', ({sql})::double as "{name}"' for name, sql in (extra or {}).items())
    sql = (
        f"select {outer}, ({value})::double as OBS_VALUE{keys}"
        f" from (select {inner}{value_inner} from {relation}{filtered})"
        f" group by grouping sets ({', '.join(sets)})"
        f" order by {', '.join(f'{chr(34)}{n}{chr(34)}' for n in names)}"
    )
    result = con.sql(sql).to_arrow_table()
    return result.combine_chunks() if result.num_rows else result


def table_from(
    table_id: str,
    title: str,
    data: pa.Table,
    dimensions: Sequence[str],
    *,
    status: str = "A",
    unit: str = "persons",
    metadata: Mapping[str, Any] | None = None,
) -> ObservationTable:
    """An :class:`ObservationTable` from cube output, with ``OBS_STATUS`` filled.

    Values are rounded to :data:`DECIMALS` places: a parallel sum of doubles varies in
    its last bits from run to run, and re-runs must give identical outputs.
    """
    for name in ("OBS_VALUE", "LOWER", "UPPER"):
        if name in data.column_names:
            column = data.column(name)
            if pa.types.is_floating(column.type):
                index = data.column_names.index(name)
                data = data.set_column(index, name, pc.round(column, DECIMALS))
    if "OBS_STATUS" not in data.column_names:
        data = data.append_column("OBS_STATUS", pa.array([status] * data.num_rows, pa.string()))
    return ObservationTable(table_id, title, tuple(dimensions), data, unit, dict(metadata or {}))


def write_tables(tables: Iterable[ObservationTable], folder: Path) -> list[Path]:
    """Write each table as ``<id>.parquet`` (metadata in the schema) plus ``tables.json``,
    an index with every table's title, dimensions, unit and metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    written, index = [], {}
    for table in tables:
        meta = {
            "table_id": table.table_id,
            "title": table.title,
            "dimensions": list(table.dimensions),
            "unit": table.unit,
            **table.metadata,
        }
        data = table.data.replace_schema_metadata({METADATA_KEY: json.dumps(meta, default=str)})
        path = folder / f"{table.table_id}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(data, tmp)
        tmp.replace(path)
        written.append(path)
        index[table.table_id] = {**meta, "file": path.name, "cells": table.data.num_rows}
    text = json.dumps(index, indent=2, default=str, sort_keys=True) + "\n"
    tmp = folder / ".tables.json.tmp"
    tmp.write_text(text, "utf-8")
    tmp.replace(folder / "tables.json")
    return written


def read_table(path: Path) -> ObservationTable:
    """Read a table written by :func:`write_tables`."""
    data = pq.read_table(path)
    meta = json.loads((data.schema.metadata or {}).get(METADATA_KEY, b"{}"))
    data = data.replace_schema_metadata(None)
    return ObservationTable(
        table_id=meta.pop("table_id", path.stem),
        title=meta.pop("title", ""),
        dimensions=tuple(meta.pop("dimensions", [])),
        data=data,
        unit=meta.pop("unit", "persons"),
        metadata=meta,
    )
