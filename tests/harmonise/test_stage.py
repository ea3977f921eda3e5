"""The stage function over canonical tables of each kind."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest

from migstats.errors import UserInputError
from migstats.harmonise import KINDS, METHODS, harmonise_table, harmonised_columns
from migstats.sources.canonical import CANONICAL


def test_kinds_are_the_canonical_source_kinds() -> None:
    assert set(KINDS) == set(CANONICAL)


@pytest.mark.parametrize("kind", sorted(CANONICAL))
def test_harmonised_inputs_are_canonical_columns(kind: str) -> None:
    from migstats.harmonise.stage import STEPS

    names = {c.name for c in CANONICAL[kind]}
    assert {s.column for s in STEPS[kind]} <= names


def test_border_crossings() -> None:
    table = pa.table(
        {
            "record_id": ["1", "2", "3"],
            "nationality": ["D", "RKS", "XYZ"],
            "crossing_datetime": ["01/03/2022 10:00", "13/03/2022 23:59", "14/03/2022 00:01"],
            "date_of_birth": ["1980-01-31", "1975-12-01", ""],
            "visa_type": ["TOURIST", "WORK", "CITIZEN"],
        }
    )
    out, report = harmonise_table("border_crossing", table)
    assert out.column_names[: table.num_columns] == table.column_names
    assert out.column("nationality_iso3").to_pylist() == ["DEU", "XKX", None]
    assert out.column("nationality_is_m49").to_pylist() == [True, False, None]
    assert out.column("nationality_method").to_pylist() == ["exact", "exact", "uncoded"]
    assert out.column("purpose").to_pylist() == ["tourism", "work", None]
    assert out.schema.field("crossing_date").type == pa.date32()
    assert out.column("crossing_date").to_pylist()[1] == date(2022, 3, 13)
    assert out.column("date_of_birth_date").to_pylist() == [
        date(1980, 1, 31),
        date(1975, 12, 1),
        None,
    ]
    assert set(out.column_names) - set(table.column_names) <= set(
        harmonised_columns("border_crossing")
    )
    nationality = report.variable("nationality")
    assert nationality.counts["uncoded"] == 1
    assert nationality.top_uncoded == (("XYZ", 1),)
    assert report.variable("crossing_datetime").details["format"] == "%d/%m/%Y %H:%M"
    assert set(json.loads(report.to_json())["variables"][0]["counts"]) == set(METHODS)


def test_census_codes_as_integers_or_strings() -> None:
    table = pa.table(
        {
            "record_id": ["1", "2"],
            "country_of_birth": ["50", "462"],
            "citizenship": ["050", "462"],
            "island": ["K02", "MC01"],
            "occupation": ["9313", None],
            "industry": ["41", None],
            "date_of_birth": ["1990-05-17", None],
        }
    )
    out, report = harmonise_table("census_person", table)
    assert out.column("country_of_birth_iso3").to_pylist() == ["BGD", "MDV"]
    assert out.column("citizenship_m49").to_pylist() == ["050", "462"]
    assert out.column("island_code").to_pylist() == ["K02", "MC01"]
    assert out.column("atoll_code").to_pylist() == ["K", "MC"]
    assert out.column("occupation_isco").to_pylist() == ["9313", None]
    assert out.column("industry_section").to_pylist() == ["F", None]
    assert report.variable("occupation").counts["missing"] == 1


def test_register() -> None:
    table = pa.table(
        {
            "national_id": ["A1"],
            "island": ["Th. Kinbidhoo"],
            "date_of_birth": ["1990-05-17 00:00:00"],
            "date_of_death": [None],
        },
        schema=pa.schema(
            [(n, pa.string()) for n in ("national_id", "island", "date_of_birth", "date_of_death")]
        ),
    )
    out, _ = harmonise_table("register_person", table)
    assert out.column("island_code").to_pylist() == ["Th03"]
    assert out.column("date_of_birth_date").to_pylist() == [date(1990, 5, 17)]


def test_input_is_not_mutated_and_missing_columns_are_skipped() -> None:
    table = pa.table({"permit_id": ["1"], "nationality": ["Nepali"]})
    before = table.to_pylist()
    out, report = harmonise_table("visa_permit", table)
    assert table.to_pylist() == before
    assert table.column_names == ["permit_id", "nationality"]
    assert [v.column for v in report.variables] == ["nationality"]
    assert out.column("nationality_iso3").to_pylist() == ["NPL"]


def test_stated_date_formats_are_used() -> None:
    table = pa.table({"permit_id": ["1"], "valid_from": ["01/02/2022"]})
    out, report = harmonise_table("visa_permit", table, date_formats={"valid_from": "%m/%d/%Y"})
    assert out.column("valid_from_date").to_pylist() == [date(2022, 1, 2)]
    assert not report.variable("valid_from").details["ambiguous"]


def test_unknown_kind_and_already_harmonised_table_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="Unknown source kind"):
        harmonise_table("passport", pa.table({"x": [1]}))
    out, _ = harmonise_table("visa_permit", pa.table({"nationality": ["Nepali"]}))
    with pytest.raises(UserInputError, match="already harmonised"):
        harmonise_table("visa_permit", out)


def test_report_table_and_text() -> None:
    _, report = harmonise_table("visa_permit", pa.table({"nationality": ["Nepali", "XYZ"]}))
    rows = report.to_table().to_pylist()
    assert {r["method"] for r in rows} == set(METHODS)
    assert sum(r["rows"] for r in rows) == 2
    assert "nationality" in report.render()
    assert "'XYZ' (1)" in report.render()
