"""Reading crossings from CSV or Parquet and writing classified crossings back.

The format follows the file extension (``.csv``, ``.parquet``/``.pq``). CSV columns are
read as text, so identifiers keep their leading zeros and every input column is written
back exactly as it came; ``crossing_date`` is parsed as ISO ``YYYY-MM-DD``. Outputs are
written atomically (to a temporary file, then renamed) and carry the rule's metadata:
inside a Parquet file's schema metadata (key ``migstats.residence``), and for CSV in a
sidecar ``OUTPUT.meta.json`` next to the output.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from migstats.errors import UserInputError
from migstats.residence.classify import METADATA_KEY

__all__ = ["read_crossings", "sidecar_path", "table_metadata", "write_classified"]

CSV_SUFFIXES: Final = (".csv",)
PARQUET_SUFFIXES: Final = (".parquet", ".pq")


def read_crossings(path: Path | str) -> pa.Table:
    """Read a crossings file (CSV or Parquet) into an Arrow table."""
    path = Path(path)
    kind = _kind(path, "input")
    if not path.is_file():
        raise UserInputError(
            "Input not found", f"no file at {path}", "check the path, or run from its folder"
        )
    if kind == "parquet":
        try:
            # Few-valued text comes back dictionary-encoded, as Parquet stores it.
            names = pq.read_schema(path).names
            coded = [c for c in ("direction", "initial_status") if c in names]
            return pq.read_table(path, read_dictionary=coded)
        except (pa.ArrowInvalid, OSError) as err:
            raise UserInputError(
                "Unreadable Parquet file", f"{path}: {err}", "check that it is a Parquet file"
            ) from err
    return _read_csv(path)


def _read_csv(path: Path) -> pa.Table:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise UserInputError(
            "Empty input", f"{path} has no header row", "the first line must name the columns"
        )
    header = [name.strip() for name in header]
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, encoding="utf8"),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        raise UserInputError(
            "Unreadable CSV file",
            f"{path}: {err}",
            "check the delimiter (comma), quoting and that every row has as many fields "
            "as the header",
        ) from err


def write_classified(table: pa.Table, path: Path | str) -> Path:
    """Write ``table`` to ``path`` (CSV or Parquet by extension), with its metadata.

    Returns the path of the metadata sidecar for CSV, else ``path`` itself.
    """
    path = Path(path)
    kind = _kind(path, "output")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        _atomic(path, lambda tmp: _write_parquet(table, tmp))
        return path
    plain = _plain_for_csv(table)
    quoting = _csv_quoting(plain)
    options = pacsv.WriteOptions(quoting_style=quoting, quoting_header=quoting)
    _atomic(path, lambda tmp: pacsv.write_csv(plain, tmp, write_options=options))
    sidecar = sidecar_path(path)
    text = json.dumps(table_metadata(table), indent=2, ensure_ascii=False) + "\n"
    _atomic(sidecar, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return sidecar


def sidecar_path(path: Path | str) -> Path:
    """Where a CSV output's metadata goes: ``OUTPUT.meta.json``."""
    path = Path(path)
    return path.with_name(path.name + ".meta.json")


def table_metadata(table: pa.Table) -> dict[str, Any]:
    """The rule's metadata stored in ``table`` (empty when there is none)."""
    raw = (table.schema.metadata or {}).get(METADATA_KEY.encode())
    return dict(json.loads(raw)) if raw else {}


def _write_parquet(table: pa.Table, path: Path) -> None:
    # Columns without nulls are declared required: the writer then skips their
    # definition levels (a good part of the time for one-byte codes).
    table = table.cast(
        pa.schema(
            [f.with_nullable(table.column(f.name).null_count > 0) for f in table.schema],
            metadata=table.schema.metadata,
        )
    )
    # Dictionary pages pay off for the few-valued columns, not for identifiers.
    few_values = [
        f.name
        for f in table.schema
        if pa.types.is_dictionary(f.type)
        or pa.types.is_boolean(f.type)
        or pa.types.is_date32(f.type)
        or f.name == "direction"
    ]
    # Min/max statistics help readers skip row groups by date or id; for codes and
    # flags they cost more to compute than they save.
    with_statistics = [
        f.name
        for f in table.schema
        if not (pa.types.is_dictionary(f.type) or pa.types.is_boolean(f.type))
    ]
    pq.write_table(
        table,
        path,
        use_dictionary=few_values,
        write_statistics=with_statistics,
        compression="snappy",
        # Bigger batches: fewer calls per page into the encoders, same file layout.
        write_batch_size=65_536,
    )


def _plain_for_csv(table: pa.Table) -> pa.Table:
    """Dictionary columns as text: the CSV writer wants plain types."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _csv_quoting(table: pa.Table) -> str:
    """Quote text only when some value needs it, so plain files stay plain."""
    if any(set(name) & set('",\r\n') for name in table.column_names):
        return "needed"
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            special = pc.match_substring_regex(column, r'[",\r\n]')
            if pc.any(special).as_py():
                return "needed"
    return "none"


def _atomic(path: Path, write: Any) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _kind(path: Path, role: str) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise UserInputError(
        f"Unknown {role} format",
        f"{path.name} ends in {suffix or 'no extension'}",
        "use a .csv or .parquet file name",
    )
