"""One CSV file per table: codes with their labels, value, unit and flags.

Columns: for each dimension its code (as in the table: countries in ISO alpha-3) and
``<DIMENSION>_LABEL``; then ``OBS_VALUE`` (empty when suppressed or missing),
``UNIT``, ``OBS_STATUS``, ``CONF_STATUS`` and, where the table has them, ``LOWER`` and
``UPPER``. UTF-8, comma-separated, ``\\n`` line ends, numbers without trailing zeros.

>>> number(12.0), number(0.1234567), number(None)
('12', '0.123457', '')
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from migstats.publish.codes import code_label
from migstats.publish.files import write_text
from migstats.publish.tables import PublishedTable

__all__ = ["csv_columns", "number", "table_csv", "write_csv"]


def number(value: Any) -> str:
    """A value as CSV text: at most 6 decimals, no trailing zeros, ``""`` for null."""
    if value is None:
        return ""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def csv_columns(table: PublishedTable) -> list[str]:
    """The header of a table's CSV file."""
    columns: list[str] = []
    for dimension in table.dimensions:
        columns += [dimension, f"{dimension}_LABEL"]
    columns += ["OBS_VALUE", "UNIT", "OBS_STATUS", "CONF_STATUS"]
    columns += [c for c in ("LOWER", "UPPER") if c in table.columns]
    return columns


def table_csv(table: PublishedTable) -> str:
    """The CSV text of a table (module docstring)."""
    metadata = table.table.metadata
    labels: dict[tuple[str, str], str] = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_columns(table))
    bounds = [c for c in ("LOWER", "UPPER") if c in table.columns]
    for row in table.rows():
        out: list[str] = []
        for dimension in table.dimensions:
            code = str(row[dimension])
            key = (dimension, code)
            if key not in labels:
                labels[key] = code_label(dimension, code, metadata)
            out += [code, labels[key]]
        out += [number(row["OBS_VALUE"]), table.unit_of(row), row["OBS_STATUS"], row["CONF_STATUS"]]
        out += [number(row[b]) for b in bounds]
        writer.writerow(out)
    return buffer.getvalue()


def write_csv(table: PublishedTable, folder: Path) -> Path:
    """Write ``<folder>/<table id>.csv``."""
    return write_text(folder / f"{table.table_id}.csv", table_csv(table))
