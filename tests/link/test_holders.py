"""Census foreigners off the spine found among work-permit holders who never crossed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from migstats.link.holders import link_census_holders

NIGHT = dt.date(2022, 9, 20)
START = dt.date(2019, 1, 1)
#: Permits issued before the data and expired before census night.
OLD = {"valid_from": dt.date(2016, 3, 1), "valid_to": dt.date(2018, 2, 28)}


def _write(path: Path, rows: list[dict[str, object]], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema), path)


def _workspace(tmp_path: Path) -> Path:
    census_schema = pa.schema(
        [
            ("record_id", pa.string()),
            ("full_name", pa.string()),
            ("date_of_birth", pa.date32()),
            ("age", pa.int64()),
            ("sex", pa.string()),
            ("citizenship_iso3", pa.string()),
        ]
    )
    d = dt.date
    _write(
        tmp_path / "harmonised" / "census_2022.parquet",
        [
            # Date of birth given: found by the first rule (spelling differs in vowels).
            {"record_id": "C1", "full_name": "Mohammed Rahman", "date_of_birth": d(1990, 5, 1),
             "age": 32, "sex": "M", "citizenship_iso3": "BGD"},
            # Age only (born 1985-11-30: 36 on census night): found by the second rule.
            {"record_id": "C2", "full_name": "Suresh Kumar", "date_of_birth": None,
             "age": 36, "sex": "M", "citizenship_iso3": "IND"},
            # Already linked to the spine: takes no part.
            {"record_id": "C3", "full_name": "Anil Perera", "date_of_birth": d(1980, 1, 1),
             "age": 42, "sex": "M", "citizenship_iso3": "LKA"},
            # Two holders share this key and birth date: one worker who renewed the
            # passport, linked to the holder with the latest permit.
            {"record_id": "C4", "full_name": "Ram Thapa", "date_of_birth": d(1995, 2, 2),
             "age": 27, "sex": "M", "citizenship_iso3": "NPL"},
            # Age only, and two holders of that age born on different days: namesakes.
            {"record_id": "C6", "full_name": "Bikash Rai", "date_of_birth": None,
             "age": 30, "sex": "M", "citizenship_iso3": "NPL"},
            # A citizen: never a permit holder.
            {"record_id": "C5", "full_name": "Ali Ibrahim", "date_of_birth": d(1990, 5, 1),
             "age": 32, "sex": "M", "citizenship_iso3": "MDV"},
        ],
        census_schema,
    )  # fmt: skip
    _write(
        tmp_path / "integrated" / "census_person.parquet",
        [{"record_id": r, "person_key": "P9" if r == "C3" else None}
         for r in ("C1", "C2", "C3", "C4", "C5", "C6")],
        pa.schema([("record_id", pa.string()), ("person_key", pa.string())]),
    )  # fmt: skip
    permit_schema = pa.schema(
        [
            ("permit_id", pa.string()),
            ("worker_name", pa.string()),
            ("document_no", pa.string()),
            ("nationality_iso3", pa.string()),
            ("date_of_birth", pa.date32()),
            ("sex", pa.string()),
            ("valid_from", pa.date32()),
            ("valid_to", pa.date32()),
        ]
    )
    _write(
        tmp_path / "harmonised" / "work_permits.parquet",
        [
            {"permit_id": "W1", "worker_name": "MUHAMAD RAHMAN", "document_no": "h1",
             "nationality_iso3": "BGD", "date_of_birth": d(1990, 5, 1), "sex": "M", **OLD},
            {"permit_id": "W2", "worker_name": "MOHAMMED RAHMAN", "document_no": "h1",
             "nationality_iso3": "BGD", "date_of_birth": d(1990, 5, 1), "sex": "M", **OLD},
            {"permit_id": "W3", "worker_name": "SURESH KUMAR", "document_no": "h2",
             "nationality_iso3": "IND", "date_of_birth": d(1985, 11, 30), "sex": "M", **OLD},
            {"permit_id": "W4", "worker_name": "ANIL PERERA", "document_no": "h3",
             "nationality_iso3": "LKA", "date_of_birth": d(1980, 1, 1), "sex": "M", **OLD},
            {"permit_id": "W5", "worker_name": "RAM THAPA", "document_no": "h4",
             "nationality_iso3": "NPL", "date_of_birth": d(1995, 2, 2), "sex": "M", **OLD},
            {"permit_id": "W6", "worker_name": "RAM THAPA", "document_no": "h5",
             "nationality_iso3": "NPL", "date_of_birth": d(1995, 2, 2), "sex": "M",
             "valid_from": d(2018, 3, 1), "valid_to": d(2020, 2, 28)},
            {"permit_id": "W8", "worker_name": "BIKASH RAI", "document_no": "h7",
             "nationality_iso3": "NPL", "date_of_birth": d(1992, 1, 5), "sex": "M", **OLD},
            {"permit_id": "W9", "worker_name": "BIKASH RAI", "document_no": "h8",
             "nationality_iso3": "NPL", "date_of_birth": d(1991, 12, 1), "sex": "M", **OLD},
            # On the spine already: takes no part even though it matches C1's key.
            {"permit_id": "W7", "worker_name": "MOHAMMED RAHMAN", "document_no": "h6",
             "nationality_iso3": "BGD", "date_of_birth": d(1990, 5, 1), "sex": "M", **OLD},
        ],
        permit_schema,
    )  # fmt: skip
    _write(
        tmp_path / "integrated" / "work_permits_person.parquet",
        [{"permit_id": f"W{i}", "person_key": "P7" if i == 7 else None} for i in range(1, 10)],
        pa.schema([("permit_id", pa.string()), ("person_key", pa.string())]),
    )
    return tmp_path


def test_holders_are_found_by_birth_date_then_age(tmp_path: Path) -> None:
    link = link_census_holders(_workspace(tmp_path), "MDV", NIGHT, START)
    assert link is not None
    rows = pq.read_table(link.output_file).to_pylist()
    pairs = {(r["record_id"], r["permit_id"], r["link_rule"]) for r in rows}
    assert pairs == {
        ("C1", "W1", "name+birth+sex+nationality"),
        ("C1", "W2", "name+birth+sex+nationality"),
        ("C2", "W3", "name+age+sex+nationality"),
        ("C4", "W6", "name+birth+sex+nationality"),
    }
    assert {r["holder"] for r in rows} == {"h1|BGD", "h2|IND", "h5|NPL"}
    # C1, C2, C4 and C6 are foreigners off the spine; holders h1..h5, h7, h8 are too.
    assert (link.census_unlinked, link.holders_unplaced, link.linked) == (4, 7, 3)


def test_a_spine_namesake_takes_the_census_record_away(tmp_path: Path) -> None:
    """C2 matches holder h2 by name and age, but so does a spine person the census link
    missed: the census record is not given to either."""
    workspace = _workspace(tmp_path)
    _write(
        workspace / "harmonised" / "border_crossings.parquet",
        [{"record_id": "B1", "given_names": "SURESH", "surname": "KUMAR",
          "date_of_birth": dt.date(1986, 1, 15), "sex": "M", "nationality_iso3": "IND"}],
        pa.schema([("record_id", pa.string()), ("given_names", pa.string()),
                   ("surname", pa.string()), ("date_of_birth", pa.date32()),
                   ("sex", pa.string()), ("nationality_iso3", pa.string())]),
    )  # fmt: skip
    _write(
        workspace / "integrated" / "crossing.parquet",
        [{"record_id": "B1", "person_key": "P1"}],
        pa.schema([("record_id", pa.string()), ("person_key", pa.string())]),
    )
    link = link_census_holders(workspace, "MDV", NIGHT, START)
    assert link is not None
    linked = {r["record_id"] for r in pq.read_table(link.output_file).to_pylist()}
    assert linked == {"C1", "C4"}


def test_holders_with_a_permit_in_the_data_take_no_part(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    permits = pq.read_table(workspace / "harmonised" / "work_permits.parquet").to_pylist()
    for row in permits:
        if row["permit_id"] == "W3":
            row["valid_from"], row["valid_to"] = dt.date(2019, 6, 1), dt.date(2021, 5, 31)
    pq.write_table(
        pa.Table.from_pylist(permits),
        workspace / "harmonised" / "work_permits.parquet",
    )
    link = link_census_holders(workspace, "MDV", NIGHT, START)
    assert link is not None
    linked = {r["record_id"] for r in pq.read_table(link.output_file).to_pylist()}
    assert linked == {"C1", "C4"}


def test_without_census_links_nothing_is_linked(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    (workspace / "integrated" / "census_person.parquet").unlink()
    assert link_census_holders(workspace, "MDV", NIGHT, START) is None
