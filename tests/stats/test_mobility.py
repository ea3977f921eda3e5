"""Temporary mobility (tables 2.1, 2.2): hand-made travel histories and the synthetic
country's truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from migstats.residence import ResidenceRule
from migstats.stats import mobility
from migstats.stats.cube import ObservationTable
from migstats.stats.frame import StatFrame, reference_dates
from migstats.stats.initial import classify_spine

D = dt.date
START, END = D(2019, 1, 1), D(2024, 12, 31)

PEOPLE = [
    ("tourist_ten_days", "F", D(1985, 5, 5), "GBR"),
    ("tourist_two_days", "M", D(1970, 1, 1), "CHN"),
    ("worker_settles", "M", D(1990, 2, 2), "BGD"),
    ("citizen_trip", "F", D(1980, 3, 3), "MDV"),
    ("citizen_emigrates", "M", D(2000, 4, 4), "MDV"),
    ("tourist_at_data_end", "F", D(1995, 6, 6), "DEU"),
]
# person, date, direction, visa type, purpose
CROSSINGS = [
    # A visitor: 10 days in the country, then gone (non-resident arrival, D7T29).
    ("tourist_ten_days", D(2021, 3, 1), "ARR", "TOURIST", "tourism"),
    ("tourist_ten_days", D(2021, 3, 11), "DEP", "TOURIST", "tourism"),
    # A two-day stay (D0T6).
    ("tourist_two_days", D(2021, 6, 1), "ARR", "TOURIST", "tourism"),
    ("tourist_two_days", D(2021, 6, 3), "DEP", "TOURIST", "tourism"),
    # Arrives and stays for good: a long-term immigration, not temporary mobility.
    ("worker_settles", D(2020, 1, 10), "ARR", "WORK", "work"),
    # A resident citizen abroad for 19 days (a temporary departure, D7T29).
    ("citizen_trip", D(2022, 5, 1), "DEP", "CITIZEN", None),
    ("citizen_trip", D(2022, 5, 20), "ARR", "CITIZEN", None),
    # Leaves for good: a long-term emigration, not a temporary departure.
    ("citizen_emigrates", D(2020, 2, 1), "DEP", "CITIZEN", None),
    # Arrives 11 days before the data end: the rule cannot tell yet.
    ("tourist_at_data_end", D(2024, 12, 20), "ARR", "TOURIST", "tourism"),
]


def _hand_frame(folder: Path) -> StatFrame:
    con = duckdb.connect()
    con.execute(
        "create table person as select * from (values "
        + ", ".join(f"('{p}', '{s}', date '{b}', '{c}')" for p, s, b, c in PEOPLE)
        + ") v(person_key, sex, date_of_birth, citizenship)"
    )
    rows: list[Any] = [
        (f"R{i:03d}", p, d, direction, visa, purpose)
        for i, (p, d, direction, visa, purpose) in enumerate(CROSSINGS)
    ]
    con.execute(
        "create table crossing (record_id varchar, person_key varchar, crossing_date date,"
        " direction varchar, visa_type varchar, purpose varchar)"
    )
    con.executemany("insert into crossing values (?, ?, ?, ?, ?, ?)", rows)
    frame = StatFrame(
        con, folder, "MDV", START, END, None, ResidenceRule(), reference_dates(START, END, None)
    )
    events = folder / "residence_event.parquet"
    classify_spine(frame, events)
    frame.use_events(events)
    return frame


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ObservationTable]]:
    frame = _hand_frame(tmp_path_factory.mktemp("mobility-hand"))
    yield {t.table_id: t for t in mobility.build(frame)}
    frame.close()


def test_visitors_are_counted_once_per_arrival_with_their_length_of_stay(
    hand: dict[str, ObservationTable],
) -> None:
    t21 = hand["2.1"]
    assert t21.value(TIME_PERIOD="2021") == 2
    assert t21.value(TIME_PERIOD="2021", LENGTH_OF_STAY="D7T29") == 1
    assert t21.value(TIME_PERIOD="2021", LENGTH_OF_STAY="D0T6") == 1
    assert t21.value(TIME_PERIOD="2021", PURPOSE="tourism") == 2
    assert t21.value(TIME_PERIOD="2021", CITIZENSHIP="GBR", SEX="_T") == 1


def test_a_long_term_immigration_is_not_temporary_mobility(
    hand: dict[str, ObservationTable],
) -> None:
    # The worker's 2020 arrival is the only arrival of 2020.
    assert not hand["2.1"].value(TIME_PERIOD="2020")


def test_residents_trip_is_a_temporary_departure_but_emigration_is_not(
    hand: dict[str, ObservationTable],
) -> None:
    t22 = hand["2.2"]
    assert t22.value(TIME_PERIOD="2022") == 1
    assert t22.value(TIME_PERIOD="2022", CITIZEN="Y", LENGTH_OF_ABSENCE="D7T29") == 1
    assert not t22.value(TIME_PERIOD="2020")


def test_decided_years_are_final_and_the_undecided_arrival_is_provisional(
    hand: dict[str, ObservationTable],
) -> None:
    rows = {
        r["TIME_PERIOD"]: r
        for r in hand["2.1"].data.to_pylist()
        if all(r[d] == "_T" for d in ("PURPOSE", "LENGTH_OF_STAY", "CITIZENSHIP", "SEX", "AGE"))
    }
    assert rows["2021"]["OBS_STATUS"] == "A"
    last = rows["2024"]
    # One undecided arrival: a share of one arrival, flagged, with an interval around it.
    assert last["OBS_STATUS"] == "P"
    assert 0 < last["OBS_VALUE"] < 1
    assert last["LOWER"] <= last["OBS_VALUE"] <= last["UPPER"]


@pytest.mark.parametrize(
    ("days", "code"),
    [(0, "D0T6"), (6, "D0T6"), (7, "D7T29"), (29, "D7T29"), (30, "D30T89"), (89, "D30T89"),
     (90, "D90T364"), (364, "D90T364"), (365, "D_GE365"), (None, "_U")],
)  # fmt: skip
def test_length_of_stay_codes(days: int | None, code: str) -> None:
    sql = "select " + mobility.length_code_sql("d") + " from (select ?::integer as d)"
    assert duckdb.sql(sql, params=[days]).fetchall()[0][0] == code


# -- the synthetic country -------------------------------------------------------------


@pytest.fixture(scope="module")
def tables(frame: StatFrame) -> dict[str, ObservationTable]:
    return {t.table_id: t for t in mobility.build(frame)}


def _truth_by_year(frame: StatFrame, direction: str, after: str) -> dict[str, int]:
    rows = frame.con.sql(
        "select strftime(crossing_date, '%Y'), count(*) from truth_crossing"
        " where in_period and direction = ? and res_status_after = ? group by 1",
        params=[direction, after],
    ).fetchall()
    return {str(y): int(n) for y, n in rows}


def test_non_resident_arrivals_per_year_match_the_truth(
    frame: StatFrame, tables: dict[str, ObservationTable]
) -> None:
    truth = _truth_by_year(frame, "ARR", "non_resident")
    for year in range(START.year, END.year + 1):
        estimate = tables["2.1"].value(TIME_PERIOD=str(year)) or 0.0
        # Missed and unlinked records cost ~1%; the provisional last year must hold too.
        assert abs(estimate / truth[str(year)] - 1) < 0.03, (year, estimate, truth[str(year)])


def test_residents_temporary_departures_per_year_match_the_truth(
    frame: StatFrame, tables: dict[str, ObservationTable]
) -> None:
    truth = _truth_by_year(frame, "DEP", "resident")
    for year in range(START.year, END.year + 1):
        estimate = tables["2.2"].value(TIME_PERIOD=str(year)) or 0.0
        # Smaller counts (~2,000 a year at this scale) and the start-of-data allocation.
        assert abs(estimate / truth[str(year)] - 1) < 0.05, (year, estimate, truth[str(year)])


def test_lengths_of_stay_add_up_to_the_year(tables: dict[str, ObservationTable]) -> None:
    t21 = tables["2.1"]
    for year in ("2019", "2022", "2024"):
        parts = sum(
            t21.value(TIME_PERIOD=year, LENGTH_OF_STAY=code) or 0.0
            for code in (*mobility.LENGTH_CODES, "_U")
        )
        assert parts == pytest.approx(t21.value(TIME_PERIOD=year) or 0.0, rel=1e-9)


def test_tourists_mostly_stay_a_few_days_to_a_month(tables: dict[str, ObservationTable]) -> None:
    # Mean tourist stay ~8 nights, 30 days' visa on arrival (DOMAIN.md section 7).
    t21 = tables["2.1"]
    total = t21.value(TIME_PERIOD="2022", PURPOSE="tourism") or 0.0
    short = sum(
        t21.value(TIME_PERIOD="2022", PURPOSE="tourism", LENGTH_OF_STAY=c) or 0.0
        for c in ("D0T6", "D7T29")
    )
    assert short / total > 0.9


def test_evaluation_reports_every_year(
    frame: StatFrame, tables: dict[str, ObservationTable]
) -> None:
    checks = mobility.evaluate(frame, tables)
    goals = [c for c in checks if c.goal is not None]
    assert len(goals) == 2 * (END.year - START.year + 1)
    assert all(c.meets_goal for c in goals), [(c.what, c.relative_error) for c in goals]
