"""Read a generated synthetic country's extracts as canonical string tables, with truth.

The extracts are read as the pipeline reads them, through the synthetic project file's
column mapping (:func:`migstats.synth.project.read_extract`); malformed rows are left out.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from migstats.harmonise import KINDS
from migstats.synth.project import read_extract, source_of

RECORD_ID = {
    "border_crossing": "record_id",
    "visa_permit": "permit_id",
    "work_permit": "permit_id",
    "census_person": "record_id",
    "register_person": "national_id",
}


def read_canonical(root: Path, kind: str) -> pa.Table:
    """The extract of ``kind`` under ``root/extracts`` with canonical string columns."""
    return read_extract(root / "extracts", kind)


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


SOURCE = {kind: source_of(kind)["name"] for kind in KINDS}
"""Truth ``source`` name of each kind."""
