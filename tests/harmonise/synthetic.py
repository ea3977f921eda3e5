"""Read a generated synthetic country's extracts as canonical string tables, with truth.

A minimal stand-in for the project's readers (which map columns through the project
file): here the mapping of each extract's native columns to the canonical ones is
written out, and malformed rows are skipped.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

MAPPING: dict[str, tuple[str, dict[str, str]]] = {
    "border_crossing": (
        "immigration/border_crossings.csv",
        {
            "MOVEMENT_ID": "record_id",
            "MOVEMENT_DATETIME": "crossing_datetime",
            "DIRECTION": "direction",
            "NATIONALITY": "nationality",
            "DATE_OF_BIRTH": "date_of_birth",
            "VISA_TYPE": "visa_type",
        },
    ),
    "visa_permit": (
        "immigration/visas_permits.csv",
        {
            "PERMIT_NO": "permit_id",
            "PERMIT_TYPE": "permit_type",
            "NATIONALITY": "nationality",
            "DATE_OF_BIRTH": "date_of_birth",
            "VALID_FROM": "valid_from",
            "VALID_TO": "valid_to",
        },
    ),
    "work_permit": (
        "xpat/work_permits.csv",
        {
            "WP_NUMBER": "permit_id",
            "NATIONALITY": "nationality",
            "DOB": "date_of_birth",
            "OCCUPATION": "occupation",
            "INDUSTRY": "industry",
            "WORK_ISLAND": "work_island",
            "VALID_FROM": "valid_from",
            "VALID_TO": "valid_to",
        },
    ),
    "census_person": (
        "mbs/census_2022.parquet",
        {
            "census_person_id": "record_id",
            "date_of_birth": "date_of_birth",
            "country_of_birth": "country_of_birth",
            "citizenship": "citizenship",
            "island_code": "island",
            "occupation_isco": "occupation",
            "industry_isic": "industry",
        },
    ),
    "register_person": (
        "nrd/national_register.xlsx",
        {
            "NATIONAL_ID": "national_id",
            "DATE_OF_BIRTH": "date_of_birth",
            "ISLAND_OF_REGISTRATION": "island",
            "DATE_OF_DEATH": "date_of_death",
        },
    ),
}
"""Per canonical kind: the extract file and its native -> canonical column names."""

RECORD_ID = {
    "border_crossing": "record_id",
    "visa_permit": "permit_id",
    "work_permit": "permit_id",
    "census_person": "record_id",
    "register_person": "national_id",
}


def _read_csv(path: Path, columns: list[str], delimiter: str) -> pa.Table:
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, invalid_row_handler=lambda _row: "skip"
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()),
            include_columns=columns,
            strings_can_be_null=True,
        ),
    )


def _read_xlsx(path: Path, columns: list[str]) -> pa.Table:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = list(next(rows))
    keep = [header.index(c) for c in columns]
    data: list[list[str | None]] = [[] for _ in columns]
    for row in rows:
        for out, i in zip(data, keep, strict=True):
            out.append(None if row[i] is None else str(row[i]))
    book.close()
    return pa.table(
        dict(zip(columns, data, strict=True)), schema=pa.schema([(c, pa.string()) for c in columns])
    )


def read_canonical(root: Path, kind: str) -> pa.Table:
    """The extract of ``kind`` under ``root/extracts`` with canonical string columns."""
    name, mapping = MAPPING[kind]
    path = root / "extracts" / name
    native = list(mapping)
    if path.suffix == ".csv":
        table = _read_csv(path, native, ";" if "visas" in name else ",")
    elif path.suffix == ".parquet":
        table = pq.read_table(path, columns=native)
        table = pa.table({c: table.column(c).cast(pa.string()) for c in native})
    else:
        table = _read_xlsx(path, native)
    return table.select(native).rename_columns([mapping[c] for c in native])


def truth_people(root: Path) -> pa.Table:
    """``truth/record.parquet`` joined to ``truth/person.parquet``: per source record."""
    record = pq.read_table(root / "truth" / "record.parquet")
    person = pq.read_table(
        root / "truth" / "person.parquet",
        columns=["person_id", "citizenship", "occupation_isco", "industry_isic", "island_code"],
    )
    record = record.set_column(
        record.schema.get_field_index("source"), "source", record.column("source").cast(pa.string())
    )
    return record.select(["source", "record_id", "person_id"]).join(person, "person_id")


SOURCE = {
    "border_crossing": "border_crossings",
    "visa_permit": "visas_permits",
    "work_permit": "work_permits",
    "census_person": "census_2022",
    "register_person": "national_register",
}
"""Truth ``source`` name of each kind."""
