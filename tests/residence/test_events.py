"""Long-term immigration and emigration events for the flow tables."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from migstats.residence import long_term_migrations
from migstats.residence.events import EVENT_COLUMNS


def test_events_with_returning_citizens_and_imputed_crossings() -> None:
    crossings = pa.table(
        {
            "person_id": ["M1", "M1", "B2", "B2", "B2"],
            "crossing_date": ["2015-01-01", "2016-06-01", "2017-01-01", "2019-01-01", "2017-02-01"],
            "direction": ["DEP", "ARR", "ARR", "ARR", "DEP"],
            "citizenship": ["MDV", "MDV", "BGD", "BGD", None],
            "initial_status": ["resident", None, "non_resident", None, None],
        }
    )
    events = long_term_migrations(crossings, observation_end="2030-01-01", home_country="MDV")
    assert events.column_names == list(EVENT_COLUMNS)
    got = events.select(
        ["person_id", "crossing_date", "migration", "is_citizen", "is_returning_citizen", "imputed"]
    ).to_pylist()
    # M1 (a citizen) left for 517 days: emigrated (final 2016-01-01), then returned for
    # good. B2 stayed 31 days (not long-term; its departure is listed last in the file)
    # and came back two years later for good: an immigration.
    assert got == [
        {"person_id": "M1", "crossing_date": date(2015, 1, 1), "migration": "emigration",
         "is_citizen": True, "is_returning_citizen": False, "imputed": False},
        {"person_id": "M1", "crossing_date": date(2016, 6, 1), "migration": "immigration",
         "is_citizen": True, "is_returning_citizen": True, "imputed": False},
        {"person_id": "B2", "crossing_date": date(2019, 1, 1), "migration": "immigration",
         "is_citizen": False, "is_returning_citizen": False, "imputed": False},
    ]  # fmt: skip
    assert events.column("input_index").to_pylist() == [0, 1, 3]
    assert events.column("date_final").to_pylist() == [
        date(2016, 1, 1), date(2017, 6, 1), date(2020, 1, 1),
    ]  # fmt: skip


def test_imputed_emigration_balances_the_flows() -> None:
    crossings = pa.table(
        {
            "person_id": [1, 1],
            "crossing_date": [date(2017, 1, 1), date(2019, 1, 1)],
            "direction": ["ARR", "ARR"],
            "initial_status": ["non_resident", None],
        }
    )
    events = long_term_migrations(crossings, observation_end="2030-01-01")
    # The departure imputed on 2018-01-01 was 365 days abroad: an emigration.
    got = events.select(["crossing_date", "migration", "imputed", "input_index"]).to_pylist()
    assert got == [
        {"crossing_date": date(2017, 1, 1), "migration": "immigration", "imputed": False,
         "input_index": 0},
        {"crossing_date": date(2018, 1, 1), "migration": "emigration", "imputed": True,
         "input_index": None},
        {"crossing_date": date(2019, 1, 1), "migration": "immigration", "imputed": False,
         "input_index": 1},
    ]  # fmt: skip
    assert events.column("is_citizen").null_count == 2 + 1


def test_no_events_when_nothing_is_decided() -> None:
    crossings = pa.table({"person_id": [1], "crossing_date": ["2017-01-01"], "direction": ["ARR"]})
    events = long_term_migrations(crossings)
    assert events.num_rows == 0
    assert events.column_names == list(EVENT_COLUMNS)
