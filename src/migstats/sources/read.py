"""Reading a delivered file into a raw table of text, keeping every record's number.

Every value is read as text, exactly as delivered: typing, rules and codes come later
(quality, harmonise), so a bad value is reported rather than lost at reading. Each row
carries ``_record``, its number in the file (1 = the first record after the header), so
a report can name the row. Rows the parser cannot split into the header's columns are
not dropped: they come back in ``rejected`` with their line and raw text.

CSV is read by DuckDB (encodings, delimiters, byte-order marks, quoted newlines, and
rejected lines with their line numbers), Excel by fastexcel, Parquet by Arrow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from migstats.errors import UserInputError

log = logging.getLogger("migstats.sources")

RECORD = "_record"

#: Encodings as written in project files, to DuckDB's names (a BOM is always skipped).
_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}


@dataclass
class RawTable:
    """A file as delivered: text columns in file order, and the rows that could not be
    parsed. ``delivered`` = accepted rows + rejected rows."""

    path: Path
    table: pa.Table
    rejected: pa.Table  # _record, line, raw, error
    header: list[str]

    @property
    def delivered(self) -> int:
        return int(self.table.num_rows) + int(self.rejected.num_rows)


_REJECTED_SCHEMA = pa.schema(
    [(RECORD, pa.int64()), ("line", pa.int64()), ("raw", pa.string()), ("error", pa.string())]
)


def read_raw(
    path: Path,
    fmt: str,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    sheet: str | None = None,
) -> RawTable:
    """Read a delivered file as text with record numbers.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text('ID,NAME\\n1,"Ali"\\n2\\n3,"Hawwa"\\n')
    >>> raw = read_raw(p, "csv")
    >>> raw.table.column(RECORD).to_pylist(), raw.rejected.column(RECORD).to_pylist()
    ([1, 3], [2])
    """
    if not path.is_file():
        raise UserInputError("File not found", str(path), "land the delivery first")
    if fmt == "csv":
        return _read_csv(path, encoding, delimiter)
    if fmt == "xlsx":
        return _read_xlsx(path, sheet)
    if fmt == "parquet":
        return _read_parquet(path)
    raise UserInputError(f"Unknown format {fmt!r} for {path.name}", fmt, "use csv, xlsx or parquet")


def _read_csv(path: Path, encoding: str, delimiter: str) -> RawTable:
    enc = _ENCODINGS.get(encoding.lower())
    if enc is None:
        raise UserInputError(
            f"Unsupported encoding for {path.name}",
            encoding,
            f"use one of {', '.join(sorted(_ENCODINGS))} (or convert the file to UTF-8)",
        )
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar = true, header = true, "
            "delim = ?, quote = '\"', escape = '\"', encoding = ?, store_rejects = true, "
            "null_padding = false)",
            [str(path), delimiter, enc],
        )
        header = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
        table = con.sql("SELECT * FROM raw").to_arrow_table()
        # One rejected row per bad line (DuckDB lists one error per missing column).
        rejected = con.sql(
            "SELECT line, any_value(csv_line) AS raw, "
            "string_agg(DISTINCT error_type::VARCHAR, '; ') AS error "
            "FROM reject_errors GROUP BY line ORDER BY line"
        ).to_arrow_table()
    except duckdb.Error as err:
        raise UserInputError(
            f"Cannot read {path.name} as CSV",
            str(err).splitlines()[0],
            "check the delimiter and encoding in the project file",
        ) from None
    finally:
        con.close()
    lines = np.asarray(rejected.column("line").to_numpy(zero_copy_only=False), np.int64)
    # Records are numbered from the first line after the header; a bad line's record
    # number is its line minus the header (exact unless quoted newlines precede it).
    bad_records = np.sort(lines - 1)
    records = _records_around(table.num_rows, bad_records)
    table = table.add_column(0, RECORD, pa.array(records))
    rejected_table = pa.table(
        {
            RECORD: pa.array(bad_records),
            "line": pa.array(lines),
            "raw": rejected.column("raw"),
            "error": rejected.column("error"),
        },
        schema=_REJECTED_SCHEMA,
    )
    if rejected_table.num_rows:
        log.info("%s: %d rows could not be parsed", path.name, rejected_table.num_rows)
    return RawTable(path, table, rejected_table, header)


def _records_around(n_accepted: int, bad_records: np.ndarray) -> np.ndarray:
    """Record numbers (1-based) of accepted rows, skipping those of rejected rows.

    >>> _records_around(3, np.array([2])).tolist()
    [1, 3, 4]
    """
    i = np.arange(n_accepted, dtype=np.int64)
    if not len(bad_records):
        return i + 1
    # The k-th accepted row sits after every rejected record number r with r - (its
    # rank) <= k, i.e. the number of accepted rows before it.
    before = bad_records - 1 - np.arange(len(bad_records))
    return i + 1 + np.searchsorted(before, i, side="right")


def _read_xlsx(path: Path, sheet: str | None) -> RawTable:
    try:
        import fastexcel
    except ImportError:  # pragma: no cover - a core dependency
        from migstats.errors import MissingExtraError

        raise MissingExtraError("Reading Excel", "core", "fastexcel") from None
    reader = fastexcel.read_excel(str(path))
    names = reader.sheet_names
    if sheet is not None and sheet not in names:
        raise UserInputError(
            f"No sheet {sheet!r} in {path.name}", f"sheets: {', '.join(names)}", "set `sheet`"
        )
    data = reader.load_sheet(sheet if sheet is not None else 0, dtypes="string").to_arrow()
    table = pa.table([c.cast(pa.string()) for c in data.columns], names=data.column_names)
    table = table.add_column(0, RECORD, pa.array(np.arange(1, table.num_rows + 1)))
    return RawTable(path, table, _REJECTED_SCHEMA.empty_table(), list(data.column_names))


def _read_parquet(path: Path) -> RawTable:
    data = pq.read_table(path)
    cols = [_as_text(c) for c in data.columns]
    table = pa.table(cols, names=data.column_names)
    table = table.add_column(0, RECORD, pa.array(np.arange(1, table.num_rows + 1)))
    return RawTable(path, table, _REJECTED_SCHEMA.empty_table(), list(data.column_names))


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type):
        return column
    if pa.types.is_dictionary(column.type):
        return column.cast(pa.string())
    if pa.types.is_date(column.type):
        return pc.strftime(column.cast(pa.timestamp("s")), "%Y-%m-%d")
    return column.cast(pa.string())
