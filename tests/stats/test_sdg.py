"""Tables 7.x (SDG indicators by migratory status): hand-derived cases and the truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pytest

from migstats.residence import ResidenceRule
from migstats.stats import sdg
from migstats.stats.cube import ObservationTable
from migstats.stats.frame import StatFrame

NIGHT = dt.date(2022, 9, 20)

# record, sex, age, country of birth, citizenship, activity, attending
PEOPLE = [
    # Native-born citizens aged 15+: 3 employed, 1 unemployed, 1 inactive.
    ("1", "M", 30, "MDV", "MDV", "1", 0),
    ("2", "F", 40, "MDV", "MDV", "2", 0),
    ("3", "M", 20, "MDV", "MDV", "1", 1),  # works and studies: employed, not NEET
    ("4", "F", 22, "MDV", "MDV", "3", 0),  # NEET
    ("5", "F", 50, "MDV", "MDV", "1", 0),
    # Foreign-born foreign citizens: 2 employed, 1 unemployed youth.
    ("6", "M", 35, "BGD", "BGD", "1", 0),
    ("7", "M", 24, "IND", "IND", "2", 0),  # unemployed youth, NEET
    ("8", "F", 28, "LKA", "LKA", "1", 0),
    # Foreign-born citizen, inactive youth attending school: not NEET, not in LF.
    ("9", "F", 18, "IND", "MDV", "3", 1),
    # Born abroad, citizenship unknown: FB but no four-group status.
    ("10", "M", 45, "IND", None, "2", 0),
    # Unknown activity: out of every labour indicator.
    ("11", "M", 33, "MDV", "MDV", None, 0),
    # Too young for the labour force; school ages for 7.3.
    ("12", "F", 14, "MDV", "MDV", "3", 1),
    ("13", "M", 9, "MDV", "MDV", "3", 1),
    ("14", "M", 12, "MDV", "MDV", "3", 0),
    ("15", "F", 16, "MDV", "MDV", "3", 1),
    ("16", "M", 17, "MDV", "MDV", "3", 1),
    ("17", "F", 10, "BGD", "BGD", "3", 1),
    ("18", "M", 11, "BGD", "BGD", "3", 0),
    ("19", "F", 7, "MDV", "MDV", "3", None),  # attendance unknown: out of 7.3
]


def _frame(rows: Sequence[tuple[object, ...]]) -> StatFrame:
    con = duckdb.connect()
    con.execute(
        "create table census_rows (record_id varchar, sex varchar, age integer,"
        " country_of_birth_iso3 varchar, citizenship_iso3 varchar, activity_status varchar,"
        " attending_education integer)"
    )
    con.executemany("insert into census_rows values (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "create view census as select *, null::date as date_of_birth,"
        " 'census_2022' as _source from census_rows"
    )
    return StatFrame(
        con, Path(), "MDV", dt.date(2019, 1, 1), dt.date(2024, 12, 31), NIGHT, ResidenceRule()
    )


@pytest.fixture(scope="module")
def hand() -> Iterator[dict[str, ObservationTable]]:
    frame = _frame(PEOPLE)
    yield {t.table_id: t for t in sdg.build(frame)}
    frame.close()


def _cell(table: ObservationTable, **codes: str) -> tuple[float | None, str]:
    wanted = {d: codes.get(d, "_T") for d in table.dimensions}
    wanted["REF_DATE"] = "census_night"
    for row in table.data.to_pylist():
        if all(row[d] == c for d, c in wanted.items()):
            return row["OBS_VALUE"], row["OBS_STATUS"]
    raise AssertionError(f"no cell {wanted} in {table.table_id}")


def test_unemployment_rate_by_migratory_status(hand: dict[str, ObservationTable]) -> None:
    t = hand["7.1"]
    ge15 = {"AGE": "Y_GE15"}
    # NB_CIT labour force 15+: records 1, 2, 3, 5 (4 inactive, 11 unknown): 1 of 4.
    assert _cell(t, MEASURE="UNEMPLOYMENT_RATE", MIGRATORY_STATUS="NB_CIT", **ge15)[0] == 25.0
    # FB_FOR: records 6, 7, 8: 1 of 3.
    rate, _ = _cell(t, MEASURE="UNEMPLOYMENT_RATE", MIGRATORY_STATUS="FB_FOR", **ge15)
    assert rate == pytest.approx(100 / 3)
    # FB (migrants) also holds record 10, born abroad with no citizenship: 2 of 4.
    assert _cell(t, MEASURE="UNEMPLOYMENT_RATE", MIGRATORY_STATUS="FB", **ge15)[0] == 50.0
    assert _cell(t, MEASURE="LABOUR_FORCE", MIGRATORY_STATUS="FB", **ge15)[0] == 4
    # Everybody: 3 unemployed (2, 7, 10) of 8 in the labour force (1-3, 5-8, 10).
    assert _cell(t, MEASURE="UNEMPLOYED", **ge15)[0] == 3
    assert _cell(t, MEASURE="LABOUR_FORCE", **ge15)[0] == 8
    # Youth 15-24 in the labour force: 3 (employed) and 7 (unemployed).
    assert _cell(t, MEASURE="UNEMPLOYMENT_RATE", AGE="Y15T24")[0] == 50.0
    # Women of all statuses: 2, 5, 8 in the labour force, 1 unemployed.
    rate, _ = _cell(t, MEASURE="UNEMPLOYMENT_RATE", SEX="F", **ge15)
    assert rate == pytest.approx(100 / 3)


def test_unknown_status_only_in_the_total(hand: dict[str, ObservationTable]) -> None:
    t = hand["7.1"]
    ge15 = {"AGE": "Y_GE15", "MEASURE": "LABOUR_FORCE"}
    groups = sum(
        _cell(t, MIGRATORY_STATUS=s, **ge15)[0] or 0 for s in ("NB_CIT", "NB_FOR", "FB_CIT")
    )
    fb_for = _cell(t, MIGRATORY_STATUS="FB_FOR", **ge15)[0] or 0
    unknown = _cell(t, MIGRATORY_STATUS="_U", **ge15)[0] or 0
    assert unknown == 1  # record 10
    assert groups + fb_for + unknown == _cell(t, **ge15)[0]
    assert (_cell(t, MIGRATORY_STATUS="NB", **ge15)[0] or 0) + (
        _cell(t, MIGRATORY_STATUS="FB", **ge15)[0] or 0
    ) == _cell(t, **ge15)[0]


def test_empty_groups_are_published_as_missing_rates(hand: dict[str, ObservationTable]) -> None:
    t = hand["7.1"]
    # Nobody is native-born with a foreign citizenship: zero persons, rate missing.
    assert _cell(t, MEASURE="LABOUR_FORCE", MIGRATORY_STATUS="NB_FOR", AGE="Y_GE15") == (0, "A")
    assert _cell(t, MEASURE="UNEMPLOYMENT_RATE", MIGRATORY_STATUS="NB_FOR", AGE="Y_GE15") == (
        None,
        "M",
    )


def test_small_denominators_are_flagged_not_suppressed(hand: dict[str, ObservationTable]) -> None:
    for table in hand.values():
        rates = [r for r in table.data.to_pylist() if r["OBS_VALUE"] is not None]
        ratios = [r for r in rates if r["MEASURE"].endswith(("_RATE", "GPI"))]
        assert ratios and all(r["OBS_STATUS"] == "U" for r in ratios), table.table_id


def test_rates_on_large_denominators_are_normal() -> None:
    rows = [(str(i), "M", 30, "MDV", "MDV", "2" if i < 5 else "1", 0) for i in range(60)]
    frame = _frame(rows)
    t = {x.table_id: x for x in sdg.build(frame)}["7.1"]
    rate, status = _cell(t, MEASURE="UNEMPLOYMENT_RATE", MIGRATORY_STATUS="NB", AGE="Y_GE15")
    assert rate == pytest.approx(500 / 60)
    assert status == "A"
    frame.close()


def test_neet_rate(hand: dict[str, ObservationTable]) -> None:
    t = hand["7.2"]
    # Youth 15-24 with known activity and attendance: 3, 4, 7, 9, 15, 16.
    # NEET: 4 (inactive, not attending) and 7 (unemployed, not attending).
    assert _cell(t, MEASURE="POPULATION", AGE="Y15T24")[0] == 6
    assert _cell(t, MEASURE="NEET", AGE="Y15T24")[0] == 2
    assert _cell(t, MEASURE="NEET_RATE", AGE="Y15T24")[0] == pytest.approx(100 / 3)
    # Native-born youth: 3, 4, 15, 16: one NEET.
    assert _cell(t, MEASURE="NEET_RATE", MIGRATORY_STATUS="NB", AGE="Y15T24")[0] == 25.0
    # Foreign-born youth: 7 (NEET), 9 (in school).
    assert _cell(t, MEASURE="NEET_RATE", MIGRATORY_STATUS="FB", AGE="Y15T24")[0] == 50.0
    ages = {r["AGE"] for r in t.data.to_pylist()}
    assert ages == {"Y15T24"}


def test_school_attendance_and_gender_parity(hand: dict[str, ObservationTable]) -> None:
    t = hand["7.3"]
    # Ages 6-15: 12 F yes, 13 M yes, 14 M no, 17 F yes, 18 M no (19 unknown: left out).
    assert _cell(t, MEASURE="POPULATION", AGE="Y6T15")[0] == 5
    assert _cell(t, MEASURE="ATTENDANCE_RATE", AGE="Y6T15")[0] == 60.0
    # Ages 16-17: 15 F yes, 16 M yes.
    assert _cell(t, MEASURE="ATTENDANCE_RATE", AGE="Y16T17")[0] == 100.0
    # Girls 6-17: 12, 15, 17 all attend; boys: 13, 16 of 13, 14, 16, 18.
    assert _cell(t, MEASURE="ATTENDANCE_RATE", SEX="F", AGE="Y6T17")[0] == 100.0
    assert _cell(t, MEASURE="ATTENDANCE_RATE", SEX="M", AGE="Y6T17")[0] == 50.0
    assert _cell(t, MEASURE="GPI", AGE="Y6T17") == (2.0, "U")
    # Native-born 6-15: 12 F yes; 13 M yes, 14 M no: GPI 1 / 0.5.
    assert _cell(t, MEASURE="GPI", MIGRATORY_STATUS="NB", AGE="Y6T15")[0] == 2.0
    # Foreign-born 6-15: 17 F yes, 18 M no: the male rate is 0, so no GPI.
    assert _cell(t, MEASURE="GPI", MIGRATORY_STATUS="FB", AGE="Y6T15") == (None, "M")
    assert t.metadata["excluded_attendance_unknown_6_17"] == 1


def test_sdg_codes_in_metadata(hand: dict[str, ObservationTable]) -> None:
    meta = hand["7.1"].metadata["migratory_status"]
    assert meta["sdg_composite_breakdown"] == {"FB": "MS_MIGRANT", "NB": "MS_NOMIGRANT"}
    assert "SL_TLF_UEM" in hand["7.1"].metadata["indicator"]
    assert "SL_TLF_NEET" in hand["7.2"].metadata["indicator"]


def test_no_census_no_tables() -> None:
    con = duckdb.connect()
    frame = StatFrame(
        con, Path(), "MDV", dt.date(2019, 1, 1), dt.date(2024, 12, 31), NIGHT, ResidenceRule()
    )
    assert sdg.build(frame) == []


# --- the synthetic country ---------------------------------------------------------


@pytest.fixture(scope="module")
def country_tables(frame: StatFrame) -> dict[str, ObservationTable]:
    return {t.table_id: t for t in sdg.build(frame)}


def test_every_check_against_the_truth_meets_its_goal(
    frame: StatFrame, country_tables: dict[str, ObservationTable]
) -> None:
    checks = sdg.evaluate(frame, country_tables)
    assert len(checks) >= 10
    failed = [c for c in checks if c.meets_goal is False]
    assert not failed, failed


def test_labour_force_of_migrants_matches_the_truth(
    frame: StatFrame, country_tables: dict[str, ObservationTable]
) -> None:
    # Census records of persons the truth says were born abroad, 15+ in the labour force
    # (activity is the census's own: the truth has none).
    truth = frame.count(
        "select count(*) from census c join truth_record r"
        " on r.source = c._source and r.record_id = c.record_id"
        " join truth_person p using (person_id)"
        " where p.country_of_birth <> 'MDV' and c.age >= 15 and c.activity_status in ('1', '2')"
    )
    estimate = country_tables["7.1"].value(
        REF_DATE="census_night", MEASURE="LABOUR_FORCE", MIGRATORY_STATUS="FB", AGE="Y_GE15"
    )
    assert truth > 0 and estimate is not None
    assert abs(estimate - truth) <= 0.01 * truth


def test_every_census_person_is_in_the_margins(
    frame: StatFrame, country_tables: dict[str, ObservationTable]
) -> None:
    school_age = frame.count(
        "select count(*) from census where age between 6 and 17 and attending_education in (0, 1)"
    )
    t = country_tables["7.3"]
    total = t.value(REF_DATE="census_night", MEASURE="POPULATION", AGE="Y6T17")
    by_birth = sum(
        t.value(REF_DATE="census_night", MEASURE="POPULATION", MIGRATORY_STATUS=s, AGE="Y6T17")
        or 0.0
        for s in ("NB", "FB")
    )
    assert total == school_age
    assert by_birth == school_age  # every census person has a country of birth
