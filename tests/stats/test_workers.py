"""Migrant workers (3.1) and active work permits against their holders (3.2): a hand-made
workforce and the synthetic country's truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from migstats.residence import ResidenceRule
from migstats.stats import workers
from migstats.stats.cube import ObservationTable
from migstats.stats.frame import StatFrame, reference_dates
from migstats.stats.initial import classify_spine
from migstats.stats.population import build_population_status

D = dt.date
START, END = D(2019, 1, 1), D(2024, 12, 31)

PEOPLE = [
    ("stays", "M", D(1990, 1, 1), "BGD"),
    ("left_for_good", "M", D(1991, 1, 1), "IND"),
    ("on_home_leave", "M", D(1992, 1, 1), "NPL"),
    ("permit_lapsed", "F", D(1993, 1, 1), "LKA"),
]
CROSSINGS = [
    ("stays", D(2019, 3, 1), "ARR"),
    ("left_for_good", D(2019, 3, 1), "ARR"),
    ("left_for_good", D(2021, 6, 1), "DEP"),  # never back: a long-term emigration
    ("on_home_leave", D(2019, 3, 1), "ARR"),
    ("on_home_leave", D(2022, 12, 10), "DEP"),  # back after 36 days: a trip
    ("on_home_leave", D(2023, 1, 15), "ARR"),
    ("permit_lapsed", D(2019, 3, 1), "ARR"),
]
# permit, holder (None: not on the spine), passport, status, valid from, valid to, ISCO,
# ISIC section
PERMITS = [
    ("P1", "stays", "A1", "ACTIVE", D(2019, 3, 1), D(2025, 2, 28), "9313", "F"),
    # Left active in Xpat although the worker left in 2021.
    ("P2", "left_for_good", "A2", "RENEWED", D(2019, 3, 1), D(2024, 12, 31), "5120", "I"),
    ("P3", "on_home_leave", "A3", "ACTIVE", D(2019, 3, 1), D(2024, 6, 30), "7115", "F"),
    # A holder who never crossed in the data (arrived before it, never left).
    ("P4", None, "A4", "ACTIVE", D(2018, 1, 1), D(2025, 6, 30), "9112", "N"),
    # Valid on the date but expired in today's extract: a worker, not an active permit.
    ("P5", "permit_lapsed", "A5", "EXPIRED", D(2019, 3, 1), D(2023, 2, 28), "9313", "F"),
]


def _hand_frame(folder: Path) -> StatFrame:
    con = duckdb.connect()
    con.execute(
        "create table person as select * from (values "
        + ", ".join(f"('{p}', '{s}', date '{b}', '{c}')" for p, s, b, c in PEOPLE)
        + ") v(person_key, sex, date_of_birth, citizenship)"
    )
    rows: list[Any] = [
        (f"R{i:03d}", p, d, direction, "WORK", "work")
        for i, (p, d, direction) in enumerate(CROSSINGS)
    ]
    con.execute(
        "create table crossing (record_id varchar, person_key varchar, crossing_date date,"
        " direction varchar, visa_type varchar, purpose varchar)"
    )
    con.executemany("insert into crossing values (?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "create table permit_rows (permit_id varchar, person_key varchar, document_no varchar,"
        " status varchar, valid_from date, valid_to date, occupation_isco varchar,"
        " industry_section varchar, industry_isic varchar, work_atoll_code varchar,"
        " nationality_iso3 varchar, sex varchar, date_of_birth date)"
    )
    con.executemany(
        "insert into permit_rows values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'K', 'BGD', 'M',"
        " date '1990-01-01')",
        [(*p, p[-1]) for p in PERMITS],
    )
    con.execute("create view work_permit as select * from permit_rows")
    frame = StatFrame(
        con, folder, "MDV", START, END, None, ResidenceRule(), reference_dates(START, END, None)
    )
    events = folder / "residence_event.parquet"
    classify_spine(frame, events)
    frame.use_events(events)
    build_population_status(frame)
    return frame


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ObservationTable]]:
    frame = _hand_frame(tmp_path_factory.mktemp("workers-hand"))
    yield {t.table_id: t for t in workers.build(frame)}
    frame.close()


def test_active_permits_are_split_by_where_their_holders_are(
    hand: dict[str, ObservationTable],
) -> None:
    t32 = hand["3.2"]

    def at(measure: str) -> float:
        return t32.value(REF_DATE="year_end_2022", MEASURE=measure) or 0.0

    assert at("PERMITS_ACTIVE") == 4  # P1-P4; P5 is expired in the extract
    assert at("HOLDERS") == 4
    assert at("HOLDERS_PRESENT") == 1  # stays
    assert at("HOLDERS_ABROAD") == 1  # on home leave on 31 December 2022
    assert at("HOLDERS_DEPARTED_LONG_TERM") == 1  # left in 2021, permit still renewed
    assert at("HOLDERS_NOT_ON_SPINE") == 1


def test_migrant_workers_are_permit_holders_resident_or_present(
    hand: dict[str, ObservationTable],
) -> None:
    t31 = hand["3.1"]
    # stays, on_home_leave (resident, abroad), permit_lapsed (valid then), P4's holder;
    # not the worker who left for good.
    assert t31.value(REF_DATE="year_end_2022") == 4
    assert t31.value(REF_DATE="year_end_2022", PRESENCE="ABROAD") == 1
    assert t31.value(REF_DATE="year_end_2022", OCCUPATION="7", PRESENCE="ABROAD") == 1
    assert t31.value(REF_DATE="year_end_2022", RESIDENCE="RES") == 4
    # In 2020 the worker who later left was still here.
    assert t31.value(REF_DATE="year_end_2020", OCCUPATION="5") == 1
    assert not t31.value(REF_DATE="year_end_2022", OCCUPATION="5")


def test_isco_major_group() -> None:
    sql = "select " + workers.isco_major_sql("c") + " from (values ('2211'), ('x'), (null)) v(c)"
    assert [r[0] for r in duckdb.sql(sql).fetchall()] == ["2", None, None]


# -- the synthetic country -------------------------------------------------------------


@pytest.fixture(scope="module")
def tables(frame: StatFrame) -> dict[str, ObservationTable]:
    return {t.table_id: t for t in workers.build(frame)}


def _documented_workers_present(frame: StatFrame, reference: str) -> int:
    return frame.count(
        "select count(*) from truth_person p join truth_status s using (person_id)"
        f" where p.\"group\" = 'worker' and s.reference = '{reference}' and s.present"
        " and not s.overstayer"
    )


def test_workers_present_on_census_night_match_the_truth(
    frame: StatFrame, tables: dict[str, ObservationTable]
) -> None:
    estimate = tables["3.1"].value(REF_DATE="census_night", PRESENCE="PRESENT") or 0.0
    truth = _documented_workers_present(frame, "census_night")
    assert abs(estimate / truth - 1) < 0.05, (estimate, truth)


def test_occupations_of_workers_present_match_the_truth(
    frame: StatFrame, tables: dict[str, ObservationTable]
) -> None:
    t31 = tables["3.1"]
    total = t31.value(REF_DATE="census_night", PRESENCE="PRESENT") or 0.0
    truth = dict(
        frame.con.sql(
            "select left(p.occupation_isco, 1), count(*) / sum(count(*)) over ()"
            ' from truth_person p join truth_status s using (person_id) where p."group" ='
            " 'worker' and s.reference = 'census_night' and s.present and not s.overstayer"
            " group by 1"
        ).fetchall()
    )
    distance = 0.5 * sum(
        abs((t31.value(REF_DATE="census_night", PRESENCE="PRESENT", OCCUPATION=g) or 0) / total - s)
        for g, s in truth.items()
    )
    assert distance < 0.05, distance


def test_holders_add_up_and_never_exceed_permits(tables: dict[str, ObservationTable]) -> None:
    t32 = tables["3.2"]
    for reference in ("census_night", "year_end_2019", "year_end_2023", "year_end_2024"):
        holders = t32.value(REF_DATE=reference, MEASURE="HOLDERS") or 0.0
        parts = sum(
            t32.value(REF_DATE=reference, MEASURE=m) or 0.0 for m in workers.HOLDER_MEASURES
        )
        assert parts == pytest.approx(holders), reference
        assert (t32.value(REF_DATE=reference, MEASURE="PERMITS_ACTIVE") or 0.0) >= holders


def test_holders_of_active_permits_present_at_end_2023_match_the_truth(
    frame: StatFrame, tables: dict[str, ObservationTable]
) -> None:
    t32 = tables["3.2"]
    estimate = sum(
        t32.value(REF_DATE="year_end_2023", MEASURE=m) or 0.0
        for m in ("HOLDERS_PRESENT", "HOLDERS_NOT_ON_SPINE")
    )
    truth = frame.count(
        "with holder as (select distinct t.person_id from work_permit w join truth_record t"
        " on t.source = 'work_permits' and t.record_id = w.permit_id"
        " where w.status in ('ACTIVE', 'RENEWED')"
        " and date '2023-12-31' between w.valid_from and w.valid_to)"
        " select count(*) from holder h join truth_status s using (person_id)"
        " where s.reference = 'year_end_2023' and s.present"
    )
    assert abs(estimate / truth - 1) < 0.05, (estimate, truth)


def test_evaluation_goals_are_met(frame: StatFrame, tables: dict[str, ObservationTable]) -> None:
    checks = workers.evaluate(frame, tables)
    goals = [c for c in checks if c.goal is not None and c.truth > 100]
    assert goals
    assert all(c.meets_goal for c in goals), [(c.what, c.relative_error) for c in goals]
