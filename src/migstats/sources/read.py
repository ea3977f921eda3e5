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
import os
import tempfile
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
    parsed. ``delivered`` = accepted rows + rejected rows.

    The accepted rows live in a DuckDB connection as ``raw_input`` (``_record`` and the
    delivered columns) so that a national file is held compressed and can spill to disk;
    :attr:`table` materialises them as Arrow for small files and tests.
    """

    path: Path
    con: duckdb.DuckDBPyConnection
    rejected: pa.Table  # _record, line, raw, error
    header: list[str]
    accepted: int

    @property
    def delivered(self) -> int:
        return self.accepted + int(self.rejected.num_rows)

    @property
    def table(self) -> pa.Table:
        """The accepted rows as an Arrow table, in file order."""
        return self.con.sql(f"SELECT * FROM raw_input ORDER BY {RECORD}").to_arrow_table()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> RawTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for one source, allowed to spill to disk beyond its memory
    limit (``MIGSTATS_DUCKDB_MEMORY``, default 6GB) so a national file fits on 2 cores and
    a few GB."""
    con = duckdb.connect()
    spill = Path(tempfile.gettempdir()) / "migstats-duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute(f"SET memory_limit = '{os.environ.get('MIGSTATS_DUCKDB_MEMORY', '6GB')}'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")  # the library never prints
    return con


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
    con = connect()
    query = (
        "CREATE TABLE csv_rows AS SELECT * FROM read_csv(?, all_varchar = true, "
        "header = true, delim = ?, quote = '\"', escape = '\"', encoding = ?, "
        "store_rejects = true, null_padding = false{extra})"
    )
    try:
        try:
            con.execute(query.format(extra=""), [str(path), delimiter, enc])
        except duckdb.InvalidInputException as err:
            if "sniffing" not in str(err):
                raise
            # Mixed line endings around blank lines defeat the strict dialect sniffer;
            # the relaxed parser reads such files (blank lines are not records).
            log.warning("%s: mixed line endings; reading it with the relaxed parser", path.name)
            con.execute(query.format(extra=", strict_mode = false"), [str(path), delimiter, enc])
        header = [r[0] for r in con.execute("DESCRIBE csv_rows").fetchall()]
        accepted = int(con.sql("SELECT count(*) FROM csv_rows").fetchall()[0][0])
        # One rejected row per bad line (DuckDB lists one error per missing column).
        rejected = con.sql(
            "SELECT line, any_value(csv_line) AS raw, "
            "string_agg(DISTINCT error_type::VARCHAR, '; ') AS error "
            "FROM reject_errors GROUP BY line ORDER BY line"
        ).to_arrow_table()
    except duckdb.Error as err:
        con.close()
        raise UserInputError(
            f"Cannot read {path.name} as CSV",
            str(err).splitlines()[0],
            "check the delimiter and encoding in the project file",
        ) from None
    lines = np.asarray(rejected.column("line").to_numpy(zero_copy_only=False), np.int64)
    # Records are numbered from the first line after the header; a bad line's record
    # number is its line minus the header (exact unless quoted newlines precede it).
    bad_records = np.sort(lines - 1)
    columns = ", ".join(f"r.{_q(c)}" for c in header)
    if len(bad_records) == 0:
        con.execute(
            f"CREATE VIEW raw_input AS SELECT r.rowid + 1 AS {RECORD}, {columns} FROM csv_rows r"
        )
    else:
        # Record numbers skip the rejected lines; they are computed once here and paired
        # with the rows by position (no sort, no hash join over the whole file).
        con.register(
            "record_numbers",
            pa.table({RECORD: pa.array(_records_around(accepted, bad_records))}),
        )
        con.execute(
            f"CREATE VIEW raw_input AS SELECT n.{RECORD}, {columns} "
            "FROM csv_rows r POSITIONAL JOIN record_numbers n"
        )
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
    return RawTable(path, con, rejected_table, header, accepted)


def _records_around(n_accepted: int, bad_records: np.ndarray) -> np.ndarray:
    """Record numbers (1-based) of accepted rows, skipping those of rejected rows.

    >>> _records_around(3, np.array([2])).tolist()
    [1, 3, 4]
    """
    i = np.arange(n_accepted, dtype=np.int64)
    # Accepted row i comes after every rejected record r whose rank k satisfies
    # r - 1 - k <= i (that many accepted rows precede r).
    before = bad_records - 1 - np.arange(len(bad_records))
    out: np.ndarray = i + 1 + np.searchsorted(before, i, side="right")
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _from_arrow(path: Path, table: pa.Table, header: list[str]) -> RawTable:
    con = connect()
    with_record = table.add_column(0, RECORD, pa.array(np.arange(1, table.num_rows + 1)))
    con.register("arrow_input", with_record)
    con.execute("CREATE VIEW raw_input AS SELECT * FROM arrow_input")
    return RawTable(path, con, _REJECTED_SCHEMA.empty_table(), header, int(table.num_rows))


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
    return _from_arrow(path, table, list(data.column_names))


def _read_parquet(path: Path) -> RawTable:
    data = pq.read_table(path)
    cols = [_as_text(c) for c in data.columns]
    table = pa.table(cols, names=data.column_names)
    return _from_arrow(path, table, list(data.column_names))


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type):
        return column
    if pa.types.is_dictionary(column.type):
        return column.cast(pa.string())
    if pa.types.is_date(column.type):
        return pc.strftime(column.cast(pa.timestamp("s")), "%Y-%m-%d")
    return column.cast(pa.string())
