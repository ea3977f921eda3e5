"""Date columns: one format per column, ambiguity reported, failures listed by row."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pytest

from migstats.harmonise import parse_dates

# The formats the agencies state in their data dictionaries (DOMAIN.md section 1 and the
# extracts' Table Schemas): border DD/MM/YYYY HH:MM and YYYY-MM-DD, Immigration DD-MM-YYYY,
# Xpat 1-Mar-22 and 21-Mar-1960, census ISO dates, register Excel date cells.
EXPECTED = [
    ("border_crossing", "crossing_datetime", "%d/%m/%Y %H:%M"),
    ("border_crossing", "date_of_birth", "%Y-%m-%d"),
    ("visa_permit", "date_of_birth", "%d-%m-%Y"),
    ("visa_permit", "valid_from", "%d-%m-%Y"),
    ("visa_permit", "valid_to", "%d-%m-%Y"),
    ("work_permit", "date_of_birth", "%d-%b-%Y"),
    ("work_permit", "valid_from", "%d-%b-%y"),
    ("work_permit", "valid_to", "%d-%b-%y"),
    ("census_person", "date_of_birth", "%Y-%m-%d"),
    ("register_person", "date_of_birth", "%Y-%m-%d %H:%M:%S"),
]


@pytest.mark.parametrize(("kind", "column", "expected"), EXPECTED)
def test_detects_each_extracts_format(
    extracts_seed7: dict[str, pa.Table], kind: str, column: str, expected: str
) -> None:
    values = extracts_seed7[kind].column(column)
    parsed = parse_dates(values, column=column)
    assert parsed.format == expected
    assert not parsed.ambiguous
    # Rows that do not parse are the day/month swaps the synthetic country injects into
    # dates of birth (0.4% of records), never more.
    assert parsed.failed <= 0.01 * parsed.rows
    assert parsed.parsed + parsed.failed + parsed.missing == parsed.rows


def test_unpadded_day_and_two_digit_year() -> None:
    parsed = parse_dates(["1-Mar-22", "15-Dec-21"])
    assert parsed.format == "%d-%b-%y"
    assert parsed.dates.to_pylist()[0] == date(2022, 3, 1)


def test_four_digit_years_are_not_read_as_two_digit() -> None:
    parsed = parse_dates(["21-Mar-1960", "1-Jan-2001"])
    assert parsed.format == "%d-%b-%Y"
    assert parsed.dates.to_pylist() == [date(1960, 3, 21), date(2001, 1, 1)]


def test_day_month_order_decided_by_the_values_that_allow_only_one_reading() -> None:
    parsed = parse_dates(["03/01/2022", "04/02/2022", "12/25/2022"])
    assert parsed.format == "%m/%d/%Y"
    assert not parsed.ambiguous
    assert parsed.dates.to_pylist()[0] == date(2022, 3, 1)


def test_all_ambiguous_column_is_reported_and_falls_back_to_the_default() -> None:
    values = ["01/02/2022", "03/04/2022", "12/11/2021"]
    day_first = parse_dates(values)
    assert day_first.ambiguous
    assert set(day_first.tied) == {"%d/%m/%Y", "%m/%d/%Y"}
    assert day_first.format == "%d/%m/%Y"
    assert day_first.dates.to_pylist()[0] == date(2022, 2, 1)
    month_first = parse_dates(values, day_first=False)
    assert month_first.ambiguous
    assert month_first.format == "%m/%d/%Y"
    assert month_first.dates.to_pylist()[0] == date(2022, 1, 2)


def test_bad_strings_are_reported_with_their_row_and_kept_as_null() -> None:
    values = ["2022-03-01", "not a date", None, "", "2022-02-30", "2022-03-02"]
    parsed = parse_dates(values)
    assert parsed.format == "%Y-%m-%d"
    assert parsed.failures.to_pylist() == [
        {"row": 1, "value": "not a date"},
        {"row": 4, "value": "2022-02-30"},
    ]
    assert (parsed.rows, parsed.missing, parsed.failed, parsed.parsed) == (6, 2, 2, 2)
    assert len(parsed.dates) == 6
    assert parsed.dates.to_pylist()[1] is None


def test_datetimes_keep_their_time() -> None:
    parsed = parse_dates(["01/03/2022 13:05", "31/12/2021 00:00"])
    assert parsed.timestamps is not None
    assert parsed.timestamps.to_pylist()[0] == datetime(2022, 3, 1, 13, 5)


def test_excel_serial_numbers() -> None:
    parsed = parse_dates(["44621", "44621.5", "25569"])
    assert parsed.format == "excel"
    assert parsed.dates.to_pylist() == [date(2022, 3, 1), date(2022, 3, 1), date(1970, 1, 1)]


def test_stated_format_skips_detection() -> None:
    parsed = parse_dates(["01/02/2022"], format="%m/%d/%Y")
    assert parsed.dates.to_pylist() == [date(2022, 1, 2)]


def test_temporal_columns_pass_through() -> None:
    parsed = parse_dates(pa.array([date(2020, 1, 1), None], pa.date32()))
    assert parsed.format == "native"
    assert parsed.dates.to_pylist() == [date(2020, 1, 1), None]


def test_large_columns_use_the_exact_count_after_the_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from migstats.harmonise import dates

    monkeypatch.setattr(dates, "SAMPLE", 10)
    values = [f"{d:02d}/01/2022" for d in range(1, 13)] * 5 + ["25/01/2022"]
    parsed = parse_dates(values)
    assert parsed.format == "%d/%m/%Y"
    assert not parsed.ambiguous
    assert parsed.parsed_by_format["%d/%m/%Y"] == 61
