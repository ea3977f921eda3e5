"""The release workbook: contents, one sheet per table, notes and metadata.

Sheets:

- ``Contents``: the release, the date it was prepared, and each table with a link to
  its sheet, its unit and its number of cells (and of cells without a value);
- one sheet per table, named by its id: title, unit and definition, then one row per
  cell with each dimension's label, the value, unit, ``OBS_STATUS``, ``CONF_STATUS``
  and bounds; a suppressed cell shows ``[c]`` and a missing one ``[x]`` in the value
  column (the shorthand of the UK Government Statistical Service's guidance);
- ``Notes``: every flag and symbol explained, the special codes, how country codes are
  given, and the disclosure control applied (from each table's ``disclosure``
  metadata);
- ``Metadata``: every table's metadata, one row per entry.

The file is the same bytes on every run: document properties carry the ``prepared``
date and the zip members a fixed timestamp.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from migstats.publish.codes import SPECIAL_CODES, code_label
from migstats.publish.files import fixed_zip, write_bytes
from migstats.publish.tables import (
    CONF_STATUS_CODES,
    CONFIDENTIAL,
    OBS_STATUS_CODES,
    PublishedTable,
)
from migstats.refdata import countries as country_ref

__all__ = ["MISSING", "SUPPRESSED", "sheet_name", "workbook_bytes", "write_workbook"]

#: Shown in the value column of a cell withheld for confidentiality.
SUPPRESSED: Final = "[c]"
#: Shown in the value column of a cell with no value for another reason.
MISSING: Final = "[x]"
_BOLD_SIZE: Final = 14
_INVALID_SHEET: Final = re.compile(r"[\[\]:*?/\\]")


def sheet_name(table_id: str) -> str:
    """The sheet of a table: its id, without characters Excel refuses, at most 31 long.

    >>> sheet_name("1.4N"), sheet_name("a/b")
    ('1.4N', 'a_b')
    """
    return _INVALID_SHEET.sub("_", table_id)[:31]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _disclosure_lines(tables: Sequence[PublishedTable]) -> list[tuple[str, str]]:
    lines = []
    for table in tables:
        record = table.table.metadata.get("disclosure")
        if record is None:
            lines.append((table.table_id, "no disclosure record in the table's metadata"))
        elif isinstance(record, dict):
            for key, value in sorted(record.items()):
                lines.append((table.table_id, f"{key}: {_text(value)}"))
        else:
            lines.append((table.table_id, _text(record)))
    return lines


def workbook_bytes(
    tables: Sequence[PublishedTable], *, release: str, prepared: date, country: str
) -> bytes:
    """The workbook (module docstring) as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    bold, heading = Font(bold=True), Font(bold=True, size=_BOLD_SIZE)
    name = country_ref.by_iso3(country).name
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    contents.append([f"International migration statistics, {name}: release {release}"])
    contents["A1"].font = heading
    contents.append(
        [
            f"Prepared {prepared.isoformat()}. Notes and flags: sheet Notes; "
            "metadata of every table: sheet Metadata."
        ]
    )
    contents.append([])
    contents.append(["Table", "Title", "Unit", "Cells", "Cells without a value"])
    for cell in contents[4]:
        cell.font = bold
    for table in tables:
        contents.append(
            [table.table_id, table.table.title, table.table.unit, table.cells, table.withheld]
        )
        link = contents.cell(row=contents.max_row, column=1)
        link.hyperlink = Hyperlink(
            ref=link.coordinate, location=f"'{sheet_name(table.table_id)}'!A1"
        )
        link.style = "Hyperlink"
    contents.column_dimensions["B"].width = 90

    for table in tables:
        _table_sheet(wb, table, bold, heading)
    _notes_sheet(wb, tables, bold, heading, release=release, prepared=prepared, country=country)
    meta = wb.create_sheet("Metadata")
    meta.append(["Table", "Entry", "Value"])
    for cell in meta[1]:
        cell.font = bold
    for table in tables:
        for key, value in table.table.metadata.items():
            meta.append([table.table_id, key, _text(value)])
    meta.column_dimensions["C"].width = 120

    stamp = datetime(prepared.year, prepared.month, prepared.day)
    wb.properties.creator = "migstats"
    wb.properties.title = f"International migration statistics, release {release}"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    iso = f"{prepared.isoformat()}T00:00:00Z"

    def pin_dates(member: str, content: bytes) -> bytes:
        if member != "docProps/core.xml":
            return content
        return re.sub(
            rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
            rb"\g<1>" + iso.encode() + rb"\g<2>",
            content,
        )

    return fixed_zip(buffer.getvalue(), prepared, pin_dates)


def _table_sheet(wb: Any, table: PublishedTable, bold: Any, heading: Any) -> None:
    sheet = wb.create_sheet(sheet_name(table.table_id))
    metadata = table.table.metadata
    sheet.append([f"Table {table.table_id}. {table.table.title}"])
    sheet["A1"].font = heading
    sheet.append([f"Unit: {table.table.unit}"])
    definition = metadata.get("definition")
    sheet.append([f"Definition: {definition}" if isinstance(definition, str) else ""])
    sheet.append(["Flags and symbols are explained on the Notes sheet."])
    bounds = [c for c in ("LOWER", "UPPER") if c in table.columns]
    header = [d.replace("_", " ").capitalize() for d in table.dimensions]
    header += ["Value", "Unit", "Observation status", "Confidentiality status"]
    header += [f"{b.capitalize()} bound" for b in bounds]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
    labels: dict[tuple[str, str], str] = {}
    for row in table.rows():
        out: list[Any] = []
        for dimension in table.dimensions:
            key = (dimension, str(row[dimension]))
            if key not in labels:
                labels[key] = code_label(dimension, key[1], metadata)
            out.append(labels[key])
        value = row["OBS_VALUE"]
        if value is None:
            value = SUPPRESSED if row["CONF_STATUS"] in CONFIDENTIAL else MISSING
        out += [value, table.unit_of(row), row["OBS_STATUS"], row["CONF_STATUS"]]
        out += [row[b] for b in bounds]
        sheet.append(out)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for index in range(1, len(table.dimensions) + 1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=index).column_letter].width = 24


def _notes_sheet(
    wb: Any,
    tables: Sequence[PublishedTable],
    bold: Any,
    heading: Any,
    *,
    release: str,
    prepared: date,
    country: str,
) -> None:
    notes = wb.create_sheet("Notes")
    notes.append(["Notes"])
    notes["A1"].font = heading

    def section(title: str, rows: Sequence[tuple[str, str]]) -> None:
        notes.append([])
        notes.append([title])
        notes.cell(row=notes.max_row, column=1).font = bold
        for row in rows:
            notes.append(list(row))

    section(
        "Symbols in the value column",
        [
            (
                SUPPRESSED,
                "confidential: withheld to protect individuals (see CONF_STATUS and "
                "Disclosure control below)",
            ),
            (MISSING, "no value: not available or cannot exist (see OBS_STATUS)"),
        ],
    )
    section(
        "Observation status (OBS_STATUS, SDMX CL_OBS_STATUS)",
        list(OBS_STATUS_CODES.items()),
    )
    section(
        "Confidentiality status (CONF_STATUS, SDMX CL_CONF_STATUS)",
        list(CONF_STATUS_CODES.items()),
    )
    section("Special codes", [(k, v) for k, v in SPECIAL_CODES.items()])
    section(
        "Countries",
        [
            (
                "codes",
                "Countries are shown by name; the CSV files carry ISO 3166-1 alpha-3 codes "
                "and the SDMX files UN M49 numeric codes. Kosovo (XKX), Taiwan (TWN), "
                "stateless persons (XXA), refugees (XXB, XXC) and unspecified "
                "nationality (XXX) have no M49 code and keep these flagged codes; OTH "
                f"(SDMX _O) is all other countries. Code list version {country_ref.VERSION}.",
            )
        ],
    )
    section("Disclosure control", _disclosure_lines(tables))
    section(
        "Release",
        [
            ("release", release),
            ("prepared", prepared.isoformat()),
            ("country", f"{country_ref.by_iso3(country).name} ({country})"),
        ],
    )
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 110


def write_workbook(
    tables: Sequence[PublishedTable], path: Path, *, release: str, prepared: date, country: str
) -> Path:
    """Write the workbook to ``path`` (atomically)."""
    return write_bytes(
        path, workbook_bytes(tables, release=release, prepared=prepared, country=country)
    )
