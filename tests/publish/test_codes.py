"""Code lists: countries to UN M49 (checked against the UNSD file), labels, errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from migstats.publish.codes import (
    build_codelists,
    code_label,
    codelist_id,
    country_m49,
    publish_code,
)
from migstats.publish.tables import PublishError, checked_all
from tests.publish.conftest import all_tables

M49_FILE = Path(__file__).resolve().parents[3] / "shared" / "refdata" / "unsd_m49_overview_2024.csv"


@pytest.fixture(scope="module")
def unsd() -> dict[str, tuple[str, str]]:
    """ISO alpha-3 -> (M49 code, UNSD name) from the official overview file."""
    if not M49_FILE.is_file():
        pytest.skip("../shared/refdata is not available")
    with M49_FILE.open(encoding="utf-8-sig") as handle:
        return {
            row["ISO-alpha3 Code"]: (row["M49 Code"], row["Country or Area"])
            for row in csv.DictReader(handle)
            if row["ISO-alpha3 Code"]
        }


def test_every_m49_area_maps_to_its_unsd_code(unsd: dict[str, tuple[str, str]]) -> None:
    assert len(unsd) == 248
    for iso3, (m49, _) in unsd.items():
        assert publish_code("1.1", "CITIZENSHIP", iso3) == m49


def test_cl_area_holds_the_248_unsd_areas_then_flagged_codes(
    unsd: dict[str, tuple[str, str]],
) -> None:
    area = build_codelists(checked_all(all_tables()), "MDV")["CL_AREA"]
    labels = area.labels()
    numeric = {k: v for k, v in labels.items() if k.isdigit()}
    assert numeric == dict(unsd.values())
    for flagged in ("XKX", "TWN", "XXA", "XXB", "XXC", "XXX", "_O", "_T", "_U"):
        assert flagged in labels
    assert labels["462"] == "Maldives"


def test_flagged_and_special_codes() -> None:
    assert [
        publish_code("t", "COUNTRY_OF_BIRTH", c) for c in ("XKX", "XXA", "OTH", "_T", "_U")
    ] == [
        "XKX",
        "XXA",
        "_O",
        "_T",
        "_U",
    ]
    assert country_m49("MDV") == "462"


def test_unmappable_country_names_table_dimension_and_code() -> None:
    with pytest.raises(PublishError) as error:
        publish_code("1.2", "COUNTRY_OF_BIRTH", "GBD")
    text = str(error.value)
    assert "1.2" in text and "COUNTRY_OF_BIRTH" in text and "'GBD'" in text


def test_codes_sdmx_cannot_carry_are_refused() -> None:
    with pytest.raises(PublishError, match="REASON has code 'work permit'"):
        publish_code("1.2", "REASON", "work permit")


def test_every_dimension_gets_a_code_list_with_every_code() -> None:
    tables = checked_all(all_tables())
    lists = build_codelists(tables, "MDV")
    for table in tables:
        for dimension in table.dimensions:
            if dimension == "TIME_PERIOD":
                continue
            ids = {i.id for i in lists[codelist_id(dimension)].items}
            codes = {
                publish_code(table.table_id, dimension, c)
                for c in table.table.data.column(dimension).to_pylist()
            }
            assert codes <= ids, (table.table_id, dimension, codes - ids)


def test_labels_of_the_classifications() -> None:
    assert code_label("AGE", "Y0T4") == "0-4 years"
    assert code_label("AGE", "Y_GE85") == "85 years and over"
    assert code_label("ATOLL", "MC") == "Malé City"
    assert code_label("ATOLL", "HA") == "Haa Alifu"
    assert code_label("OCCUPATION", "9") == "Elementary occupations"
    assert code_label("INDUSTRY", "I") == "Accommodation and food service activities"
    assert code_label("CITIZENSHIP", "XXA") == "Stateless"
    assert code_label("CITIZENSHIP", "OTH") == "Other countries"
    assert code_label("MIGRATORY_STATUS", "FB_FOR") == "Foreign-born foreign citizens"
    assert code_label(
        "REF_DATE", "census_night", {"reference_dates": {"census_night": "2022-09-20"}}
    ) == ("Census night (2022-09-20)")


def test_age_codes_are_ordered_by_age() -> None:
    ages = [i.id for i in build_codelists(checked_all(all_tables()), "MDV")["CL_AGE"].items]
    assert ages == ["Y0T4", "Y15T24", "Y_GE15", "Y20T24", "Y_GE85", "_T"]  # lower bound, then upper
