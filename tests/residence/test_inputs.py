"""Input checks: every user mistake is one clear error naming column, row and value."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pytest

from migstats.errors import UserInputError
from migstats.residence import ResidenceRule, classify


def crossings(**overrides: list[object]) -> pa.Table:
    columns: dict[str, list[object]] = {
        "person_id": [1, 1, 2],
        "crossing_date": ["2017-01-01", "2017-01-11", "2017-02-01"],
        "direction": ["ARR", "DEP", "ARR"],
    }
    columns.update(overrides)
    return pa.table(columns)


def error(table: pa.Table, **kwargs: object) -> UserInputError:
    with pytest.raises(UserInputError) as info:
        classify(table, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_missing_column_is_named_with_a_suggestion() -> None:
    table = crossings().rename_columns(["person_id", "Crossing_Date", "direction"])
    err = error(table)
    assert err.title == "Missing column"
    assert "crossing_date" in err.cause
    assert "Crossing_Date" in err.fix


def test_all_missing_columns_listed_at_once() -> None:
    err = error(pa.table({"id": [1]}))
    assert "person_id, crossing_date, direction" in err.cause


def test_unparseable_date_names_row_and_value() -> None:
    err = error(crossings(crossing_date=["2017-01-01", "01/03/2017", "2017-02-30"]))
    assert err.title == "Unparseable crossing_date"
    assert "data row 2" in err.cause and "'01/03/2017'" in err.cause
    assert "2 rows in all" in err.cause


def test_empty_date_named() -> None:
    err = error(crossings(crossing_date=["2017-01-01", None, "2017-02-01"]))
    assert "data row 2 has an empty value" in err.cause


def test_bad_direction_names_row_and_value() -> None:
    err = error(crossings(direction=["ARR", "OUT", "ARR"]))
    assert err.title == "Invalid direction"
    assert "data row 2 has 'OUT'" in str(err)
    assert "ARR" in err.fix and "DEP" in err.fix


def test_direction_case_and_spaces_forgiven() -> None:
    out = classify(crossings(direction=[" arr", "Dep ", "ARR"]))
    assert out.num_rows == 3


def test_empty_input() -> None:
    table = crossings().slice(0, 0)
    err = error(table)
    assert err.title == "Empty input"


def test_missing_person_id() -> None:
    err = error(crossings(person_id=[1, None, 2]))
    assert "data row 2" in err.cause


def test_bad_initial_status() -> None:
    err = error(crossings(initial_status=["resident", "yes", None]))
    assert err.title == "Invalid initial_status" and "'yes'" in err.cause


def test_conflicting_initial_status_per_person() -> None:
    err = error(crossings(initial_status=["resident", "non_resident", None]))
    assert err.title == "Conflicting initial_status"
    assert "person 1" in err.cause


def test_initial_status_may_be_given_on_some_rows_only() -> None:
    out = classify(crossings(initial_status=["", "resident", None]))
    assert out.column("initial_status_source").to_pylist() == ["given", "given", "unknown"]


def test_observation_period_checked() -> None:
    err = error(crossings(), observation_start="2018-01-01", observation_end="2017-01-01")
    assert err.title == "Empty observation period"
    err = error(crossings(), observation_end="31/12/2017")
    assert err.title == "Invalid observation_end"


def test_not_a_table() -> None:
    with pytest.raises(UserInputError, match="must be a table"):
        classify([{"person_id": 1}])  # type: ignore[arg-type]


def test_invalid_rule_settings() -> None:
    with pytest.raises(UserInputError, match="threshold_days"):
        ResidenceRule(window_days=100, threshold_days=101)
    with pytest.raises(UserInputError, match="positive"):
        ResidenceRule(window_days=0, threshold_days=0)
    with pytest.raises(UserInputError, match="whole number"):
        ResidenceRule(window_days=487.0, threshold_days=365)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "dates",
    [
        pa.array([date(2017, 1, 1), date(2017, 1, 11), date(2017, 2, 1)], pa.date32()),
        pa.array([date(2017, 1, 1), date(2017, 1, 11), date(2017, 2, 1)], pa.date64()),
        pa.array(
            [datetime(2017, 1, 1, 9), datetime(2017, 1, 11, 23), datetime(2017, 2, 1)],
            pa.timestamp("s"),
        ),
        pa.array(["2017-01-01", " 2017-01-11", "2017-02-01"]).dictionary_encode(),
    ],
    ids=["date32", "date64", "timestamp", "dictionary text"],
)
def test_date_types_accepted(dates: pa.Array) -> None:
    out = classify(crossings(crossing_date=dates))
    assert out.column("crossing_date").equals(pa.chunked_array([dates]))
    assert out.column("res_status_after").to_pylist()[2] == "unknown"


@pytest.mark.parametrize(
    "ids",
    [["a", "a", "b"], [10**15, 10**15, -(10**15)], [1.5, 1.5, 2.5]],
    ids=["text", "wide integers", "floats"],
)
def test_person_id_of_any_type(ids: list[object]) -> None:
    table = crossings(person_id=ids, initial_status=["non_resident"] * 3)
    out = classify(table, observation_end="2030-01-01")
    assert out.column("res_status_after").to_pylist() == [
        "non_resident",
        "non_resident",
        "resident",
    ]


def test_existing_output_columns_replaced() -> None:
    first = classify(crossings(initial_status=["non_resident"] * 3))
    again = classify(first.drop_columns(["initial_status_source"]))
    assert again.column_names == first.column_names
    assert again.column("res_status_after").equals(first.column("res_status_after"))
