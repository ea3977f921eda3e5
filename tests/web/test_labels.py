"""Readable labels and reading order of codes."""

from __future__ import annotations

from migstats.web.labels import code_label, dimension_label, metadata_code_labels, ordered_codes


def test_codes_read_as_people_expect() -> None:
    assert code_label("AGE", "Y0T4") == "0-4"
    assert code_label("AGE", "Y_GE15") == "15+"
    assert code_label("SEX", "M") == "Male"
    assert code_label("CITIZENSHIP", "LKA") == "Sri Lanka"
    assert code_label("COUNTRY_OF_BIRTH", "XXA") == "Stateless"
    assert code_label("CITIZENSHIP", "OTH") == "Other"
    assert code_label("ATOLL", "MC") == "Malé City"
    assert code_label("OCCUPATION", "9") == "Elementary occupations"
    assert code_label("INDUSTRY", "I") == "Accommodation and food service activities"
    assert code_label("REF_DATE", "year_end_2023") == "End of 2023"
    assert code_label("REF_DATE", "census_night") == "Census night"
    assert code_label("MEASURE", "LABOUR_FORCE") == "Labour force"
    assert code_label("ANYTHING", "2019") == "2019"
    assert dimension_label("LENGTH_OF_STAY") == "Length of stay"
    assert dimension_label("NEW_DIMENSION") == "New dimension"


def test_reading_order() -> None:
    ages = ["Y_GE85", "Y80T84", "_T", "Y5T9", "Y0T4", "_U"]
    assert ordered_codes("AGE", ages) == ["_T", "Y0T4", "Y5T9", "Y80T84", "Y_GE85", "_U"]
    atolls = ["S", "_T", "K", "HA", "MC"]
    assert ordered_codes("ATOLL", atolls) == ["_T", "MC", "HA", "K", "S"]  # north to south
    assert ordered_codes("CITIZENSHIP", ["OTH", "IND", "BGD", "_U"]) == ["BGD", "IND", "OTH", "_U"]
    assert ordered_codes("TIME_PERIOD", ["2024", "2019-10", "2019-2"]) == [
        "2019-2",
        "2019-10",
        "2024",
    ]


def test_labels_from_a_tables_metadata() -> None:
    metadata = {
        "duration_codes": {"Y0": "under 1 year", "Y1T4": "1-4 years"},
        "unit_by_measure": {"RATE": "percent", "COUNT": "persons"},  # units, not labels
        "measures": {"RATE": "unemployment rate", "COUNT": "unemployed persons"},
        "reference_dates": {"census_night": "2022-09-20"},
    }
    assert metadata_code_labels(metadata, "DURATION", ["Y0", "Y1T4", "_T"]) == {
        "Y0": "under 1 year",
        "Y1T4": "1-4 years",
    }
    assert metadata_code_labels(metadata, "MEASURE", ["RATE", "COUNT"])["RATE"] == (
        "unemployment rate"
    )
    assert metadata_code_labels(metadata, "REF_DATE", ["census_night"]) == {
        "census_night": "Census night (2022-09-20)"
    }
    assert metadata_code_labels(metadata, "SEX", ["F", "M"]) == {}
