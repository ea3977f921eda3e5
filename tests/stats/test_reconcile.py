"""Tables R.x (census, border data and permits on census night): by hand and the truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from migstats.residence import ResidenceRule
from migstats.stats import reconcile
from migstats.stats.cube import ObservationTable
from migstats.stats.frame import StatFrame

NIGHT = dt.date(2022, 9, 20)
JAN, DEC = dt.date(2022, 1, 1), dt.date(2022, 12, 31)

# Spine persons: key, sex, citizenship.
SPINE = [
    ("P1", "M", "BGD"),  # resident, enumerated, permit: CBP
    ("P2", "F", "IND"),  # resident, enumerated: CB
    ("P3", "M", "BGD"),  # a visitor present (not resident), enumerated, permit: CP
    ("P4", "M", "NPL"),  # resident with a permit, not enumerated: BP
    ("P5", "F", "CHN"),  # resident by border data only: B
    ("P6", "F", "MDV"),  # a citizen: in no foreign count
    ("P7", "M", "LKA"),  # resident on another date only
]
# population_status rows: reference, key, resident, is_citizen.
STATUS = [
    ("census_night", "P1", True, False),
    ("census_night", "P2", True, False),
    ("census_night", "P3", False, False),
    ("census_night", "P4", True, False),
    ("census_night", "P5", True, False),
    ("census_night", "P6", True, True),
    ("year_end_2022", "P7", True, False),
]
# Census: record, person_key, sex, citizenship.
CENSUS = [
    ("1", "P1", "M", "BGD"),
    ("2", "P2", "F", "IND"),
    ("3", "P3", "M", "BGD"),
    ("4", None, "F", "PHL"),  # not linked: C only
    ("5", None, "M", "MDV"),  # a citizen
]
# Work permits: id, person_key, passport, nationality, sex, valid from, valid to.
PERMITS = [
    ("W1", "P1", "A1", "BGD", "M", JAN, DEC),
    ("W3", "P3", "A3", "BGD", "M", JAN, DEC),
    ("W4", "P4", "A4", "NPL", "M", JAN, DEC),
    # A holder never placed on the spine with two permits, one valid: one person, P only.
    ("W8", None, "X8", "BGD", "M", dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
    ("W9", None, "X8", "BGD", "M", JAN, DEC),
    # Expired before census night: not counted.
    ("W10", "P5", "A5", "CHN", "F", dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
]


def _frame() -> StatFrame:
    con = duckdb.connect()
    con.execute("create table spine (person_key varchar, sex varchar, citizenship varchar)")
    con.executemany("insert into spine values (?, ?, ?)", SPINE)
    con.execute("create view person as select * from spine")
    con.execute(
        "create table population_status (reference varchar, person_key varchar,"
        " resident boolean, is_citizen boolean)"
    )
    con.executemany("insert into population_status values (?, ?, ?, ?)", STATUS)
    con.execute(
        "create or replace table population_status as select s.*, p.sex, p.citizenship"
        " from population_status s join spine p using (person_key)"
    )
    con.execute(
        "create table census_rows (record_id varchar, person_key varchar, sex varchar,"
        " citizenship_iso3 varchar)"
    )
    con.executemany("insert into census_rows values (?, ?, ?, ?)", CENSUS)
    con.execute("create view census as select *, 'census_2022' as _source from census_rows")
    con.execute(
        "create table permit_rows (permit_id varchar, person_key varchar, document_no varchar,"
        " nationality_iso3 varchar, sex varchar, valid_from date, valid_to date)"
    )
    con.executemany("insert into permit_rows values (?, ?, ?, ?, ?, ?, ?)", PERMITS)
    con.execute("create view work_permit as select * from permit_rows")
    return StatFrame(
        con, Path(), "MDV", dt.date(2019, 1, 1), dt.date(2024, 12, 31), NIGHT, ResidenceRule()
    )


@pytest.fixture(scope="module")
def hand() -> Iterator[dict[str, ObservationTable]]:
    frame = _frame()
    yield {t.table_id: t for t in reconcile.build(frame)}
    frame.close()


def _value(table: ObservationTable, **codes: str) -> float | None:
    return table.value(REF_DATE="census_night", **codes)


def test_each_person_counted_once_in_their_combination(
    hand: dict[str, ObservationTable],
) -> None:
    r1 = hand["R.1"]
    expected = {"CBP": 1, "CB": 1, "CP": 1, "BP": 1, "C": 1, "B": 1, "P": 1, "_T": 7}
    assert {s: _value(r1, SOURCES=s) for s in expected} == expected


def test_source_totals(hand: dict[str, ObservationTable]) -> None:
    r1 = hand["R.1"]
    # Census foreigners: P1, P2, P3, record 4. Border residents: P1, P2, P4, P5.
    # Permits valid on census night: P1, P3, P4, holder X8.
    assert _value(r1, SOURCES="CENSUS") == 4
    assert _value(r1, SOURCES="BORDER") == 4
    assert _value(r1, SOURCES="PERMIT") == 4


def test_breakdowns_by_sex_and_citizenship(hand: dict[str, ObservationTable]) -> None:
    r1 = hand["R.1"]
    # Men: P1, P3, P4, X8; women: P2, P5, record 4.
    assert _value(r1, SOURCES="_T", SEX="M") == 4
    assert _value(r1, SOURCES="_T", SEX="F") == 3
    # Bangladeshis: P1 (CBP), P3 (CP), X8 (P).
    assert _value(r1, SOURCES="_T", CITIZENSHIP="BGD") == 3
    assert _value(r1, SOURCES="CP", SEX="M", CITIZENSHIP="BGD") == 1
    assert _value(r1, SOURCES="C", CITIZENSHIP="PHL") == 1
    # Fewer than ten citizenships: none is folded into OTH; empty cells are zeros.
    assert _value(r1, SOURCES="_T", CITIZENSHIP="OTH") is None
    assert _value(r1, SOURCES="CBP", CITIZENSHIP="PHL") == 0


def test_coverage_rates_and_headline(hand: dict[str, ObservationTable]) -> None:
    r2 = hand["R.2"]
    assert _value(r2, MEASURE="CENSUS_TO_BORDER") == 100.0  # 4 / 4
    assert _value(r2, MEASURE="BORDER_ENUMERATED") == 50.0  # P1, P2 of 4
    assert _value(r2, MEASURE="CENSUS_LINKED") == 50.0  # P1, P2 of 4
    assert _value(r2, MEASURE="PERMIT_RESIDENT") == 50.0  # P1, P4 of 4
    statuses = {r["OBS_STATUS"] for r in r2.data.to_pylist() if r["OBS_VALUE"] is not None}
    assert statuses == {"U"}  # every denominator is tiny
    assert "census enumerated 100.0% of the foreigners" in hand["R.1"].metadata["headline"]
    assert hand["R.1"].metadata["census_foreigners_not_linked"] == 1


def test_small_citizenships_fold_into_other() -> None:
    frame = _frame()
    # Ten more citizenships among unlinked census foreigners, each larger than PHL's 1.
    extra = [
        (f"E{c}{i}", None, "M", c)
        for c in ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "JJJ", "KKK")
        for i in range(5)
    ]
    frame.con.executemany("insert into census_rows values (?, ?, ?, ?)", extra)
    r1 = {t.table_id: t for t in reconcile.build(frame)}["R.1"]
    # Top ten: the ten new ones (5 each); BGD (3), IND, NPL, CHN, PHL (1 or 2) are OTH.
    assert _value(r1, SOURCES="_T", CITIZENSHIP="AAA") == 5
    assert _value(r1, SOURCES="_T", CITIZENSHIP="BGD") is None
    assert _value(r1, SOURCES="_T", CITIZENSHIP="OTH") == 7
    frame.close()


# --- the synthetic country ---------------------------------------------------------


@pytest.fixture(scope="module")
def country_tables(frame: StatFrame) -> dict[str, ObservationTable]:
    return {t.table_id: t for t in reconcile.build(frame)}


def test_every_check_against_the_truth_meets_its_goal(
    frame: StatFrame, country_tables: dict[str, ObservationTable]
) -> None:
    checks = reconcile.evaluate(frame, country_tables)
    whats = {c.what for c in checks}
    assert "census coverage of foreign residents (C / B)" in whats
    failed = [c for c in checks if c.meets_goal is False]
    assert not failed, failed


def test_census_coverage_is_close_to_the_truth(
    frame: StatFrame, country_tables: dict[str, ObservationTable]
) -> None:
    # The truth: foreign residents on census night, and how many of them have a census
    # record (computed here, not by the module).
    rows = frame.con.sql(
        "select count(*), count(e.person_id) from truth_status s"
        " join truth_person p using (person_id)"
        " left join (select distinct person_id from truth_record where source = 'census_2022')"
        " e using (person_id)"
        " where s.reference = 'census_night' and s.resident and p.citizenship <> 'MDV'"
    ).fetchall()
    residents, enumerated = rows[0]
    truth = 100 * enumerated / residents
    estimate = _value(country_tables["R.2"], MEASURE="CENSUS_TO_BORDER")
    assert estimate is not None
    # Border data counts some visitors whose departure was missed as residents, so the
    # ratio is biased down; within 10% of the truth's coverage.
    assert abs(estimate - truth) / truth < 0.10, (estimate, truth)
    # The linked share is a lower bound: links that were missed count as not enumerated.
    linked = _value(country_tables["R.2"], MEASURE="BORDER_ENUMERATED")
    assert linked is not None and linked <= estimate + 1e-9


def test_counts_add_up(frame: StatFrame, country_tables: dict[str, ObservationTable]) -> None:
    r1 = country_tables["R.1"]
    combos = {s: _value(r1, SOURCES=s) or 0.0 for s in reconcile.COMBINATIONS}
    assert sum(combos.values()) == _value(r1, SOURCES="_T")
    assert _value(r1, SOURCES="CENSUS") == sum(v for s, v in combos.items() if "C" in s)
    assert _value(r1, SOURCES="BORDER") == sum(v for s, v in combos.items() if "B" in s)
    assert _value(r1, SOURCES="PERMIT") == sum(v for s, v in combos.items() if "P" in s)
    census_foreigners = frame.count("select count(*) from census where citizenship_iso3 <> 'MDV'")
    assert _value(r1, SOURCES="CENSUS") == census_foreigners
    border_residents = frame.count(
        "select count(distinct s.person_key) from population_status s join person p"
        " using (person_key) where s.reference = 'census_night' and s.resident"
        " and p.citizenship <> 'MDV'"
    )
    assert _value(r1, SOURCES="BORDER") == border_residents
