"""Tables 5.x (overstayers): hand-derived travel histories and the synthetic truth."""

from __future__ import annotations

import datetime as dt
import doctest
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from migstats.residence import ResidenceRule
from migstats.stats import overstay
from migstats.stats.cube import ObservationTable
from migstats.stats.frame import StatFrame, reference_dates
from tests.stats.frames import add_crossings_and_visas

START, END = dt.date(2019, 1, 1), dt.date(2020, 12, 31)
D = dt.date

# person_key, sex, date of birth, citizenship
PEOPLE = [
    ("tourist_overstays", "F", D(1980, 5, 1), "DEU"),
    ("tourist_within_30_days", "M", D(1990, 1, 1), "DEU"),
    ("tourist_extension_lapsed", "F", D(1970, 1, 1), "ITA"),
    ("tourist_extension_valid", "M", D(1975, 1, 1), "ITA"),
    ("worker_renewed", "M", D(1990, 3, 3), "BGD"),
    ("worker_lapsed", "M", D(1991, 4, 4), "BGD"),
    ("worker_left", "M", D(1992, 5, 5), "BGD"),
    ("worker_before_data", "M", D(1985, 6, 6), "NPL"),
    ("worker_new_passport", "M", D(1993, 7, 7), "IND"),
    ("tourist_came_back", "F", D(1988, 8, 8), "CHN"),
    ("dual_citizen", "F", D(1960, 9, 9), "GBR"),
    ("citizen", "M", D(1970, 10, 10), "MDV"),
]
# person_key, date, direction, visa type
CROSSINGS = [
    ("tourist_overstays", D(2020, 6, 1), "ARR", "TOURIST"),  # authorised to 2020-07-01
    ("tourist_within_30_days", D(2020, 12, 10), "ARR", "TOURIST"),  # to 2021-01-09
    ("tourist_extension_lapsed", D(2020, 6, 1), "ARR", "TOURIST"),
    ("tourist_extension_valid", D(2020, 11, 1), "ARR", "TOURIST"),
    ("worker_renewed", D(2019, 3, 1), "ARR", "WORK"),
    ("worker_lapsed", D(2019, 3, 1), "ARR", "WORK"),
    ("worker_left", D(2019, 3, 1), "ARR", "WORK"),
    ("worker_left", D(2020, 3, 15), "DEP", "WORK"),
    ("worker_before_data", D(2020, 10, 1), "DEP", "WORK"),  # arrived before the data
    ("worker_new_passport", D(2019, 3, 1), "ARR", "WORK"),
    # Departure missed: imputed midway, on 2019-10-31; back on 2020-05-01 for 10 days.
    ("tourist_came_back", D(2019, 5, 1), "ARR", "TOURIST"),
    ("tourist_came_back", D(2020, 5, 1), "ARR", "TOURIST"),
    ("tourist_came_back", D(2020, 5, 11), "DEP", "TOURIST"),
    ("dual_citizen", D(2019, 2, 1), "ARR", "CITIZEN"),
    ("citizen", D(2019, 2, 1), "ARR", "TOURIST"),
]
# person_key, purpose, valid from, valid to
VISAS = [
    ("tourist_extension_lapsed", "tourism", D(2020, 7, 2), D(2020, 8, 30)),
    ("tourist_extension_valid", "tourism", D(2020, 12, 2), D(2021, 1, 30)),
]
# person_key (None: not on the spine), passport, employer, birth, sex, valid from, valid to
WORK_PERMITS = [
    ("worker_renewed", "A1", "E1", D(1990, 3, 3), "M", D(2019, 3, 1), D(2020, 2, 28)),
    ("worker_renewed", "A1", "E1", D(1990, 3, 3), "M", D(2020, 2, 29), D(2021, 2, 27)),
    ("worker_lapsed", "A2", "E1", D(1991, 4, 4), "M", D(2019, 3, 1), D(2020, 2, 28)),
    ("worker_left", "A3", "E2", D(1992, 5, 5), "M", D(2019, 3, 1), D(2020, 2, 28)),
    ("worker_new_passport", "A4", "E3", D(1993, 7, 7), "M", D(2019, 3, 1), D(2020, 2, 28)),
    # The renewal, filed under a passport never used at the border.
    (None, "B4", "E3", D(1993, 7, 7), "M", D(2020, 2, 29), D(2021, 2, 27)),
]


def _frame(
    people: list[tuple[Any, ...]],
    crossings: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]] | None = None,
) -> StatFrame:
    con = duckdb.connect()
    con.execute(
        "create table person_rows (person_key varchar, sex varchar, date_of_birth date,"
        " citizenship varchar)"
    )
    con.executemany("insert into person_rows values (?, ?, ?, ?)", people)
    con.execute("create view person as select * from person_rows")
    add_crossings_and_visas(con, crossings, VISAS)
    con.execute(
        "create table permit_rows (person_key varchar, document_no varchar, employer_id varchar,"
        " date_of_birth date, sex varchar, valid_from date, valid_to date)"
    )
    con.executemany("insert into permit_rows values (?, ?, ?, ?, ?, ?, ?)", WORK_PERMITS)
    con.execute("create view work_permit as select *, 'IND' as nationality_iso3 from permit_rows")
    con.execute(
        "create table event_rows (person_key varchar, crossing_date date, direction varchar,"
        " repair varchar, seq bigint)"
    )
    if events:
        con.executemany("insert into event_rows values (?, ?, ?, ?, ?)", events)
    con.execute("create view event as select * from event_rows")
    return StatFrame(
        con, Path(), "MDV", START, END, None, ResidenceRule(), reference_dates(START, END, None)
    )


def _overstayers(frame: StatFrame, reference: str) -> dict[str, str]:
    rows = frame.con.sql(
        f"select person_key, authorisation from overstayer where reference = '{reference}'"
    ).fetchall()
    return {str(k): str(a) for k, a in rows}


@pytest.fixture(scope="module")
def hand() -> Iterator[StatFrame]:
    frame = _frame(PEOPLE, CROSSINGS)
    overstay.build_overstayers(frame)
    yield frame
    frame.close()


def test_who_overstays_at_the_end_of_2020(hand: StatFrame) -> None:
    assert _overstayers(hand, "year_end_2020") == {
        # 30 days on arrival ran out on 2020-07-01.
        "tourist_overstays": "VISA_ON_ARRIVAL",
        # The extension on record ran to 2020-08-30.
        "tourist_extension_lapsed": "PERMIT",
        # One permit year, ended 2020-02-28, never renewed, never left.
        "worker_lapsed": "PERMIT",
    }


def test_who_overstays_at_the_end_of_2019(hand: StatFrame) -> None:
    # Every permit was still valid; the tourist who came back had left (imputed midway,
    # 2019-10-31). The worker who came before the data (and left on 2020-10-01) has no
    # permit on record: at most the visa on arrival, counted from the first day of the
    # data (to 2019-01-30).
    assert _overstayers(hand, "year_end_2019") == {"worker_before_data": "NOT_ON_RECORD"}


def test_a_day_of_grace_more_spares_the_stay_that_just_ended() -> None:
    crossings = [("tourist_overstays", D(2020, 11, 30), "ARR", "TOURIST")]
    frame = _frame(PEOPLE[:1], crossings)
    overstay.build_overstayers(frame)  # authorised to 2020-12-30: one day over
    assert _overstayers(frame, "year_end_2020") == {"tourist_overstays": "VISA_ON_ARRIVAL"}
    overstay.build_overstayers(frame, grace_days=1)
    assert _overstayers(frame, "year_end_2020") == {}
    frame.close()


def test_reference_dates_before_the_data_are_left_out(hand: StatFrame) -> None:
    refs = {r for (r,) in hand.con.sql("select distinct reference from overstayer").fetchall()}
    assert "year_end_2018" not in refs


def _missed_rate_events(n_followed: int, n_missed: int) -> list[tuple[Any, ...]]:
    """Visits followed by a later arrival: ``n_missed`` of them with the departure
    imputed by the rule, the others with it recorded (the rate is their ratio)."""
    rows: list[tuple[Any, ...]] = []
    for i in range(n_followed):
        key = f"rate{i}"
        if i < n_missed:
            rows += [
                (key, D(2019, 3, 1), "ARR", None, 0),
                (key, D(2019, 9, 1), "ARR", "missing_dep_imputed", 1),
            ]
        else:
            rows += [
                (key, D(2019, 3, 1), "ARR", None, 0),
                (key, D(2019, 3, 9), "DEP", None, 1),
                (key, D(2019, 9, 1), "ARR", None, 2),
            ]
    return rows


@pytest.fixture(scope="module")
def corrected() -> Iterator[dict[str, ObservationTable]]:
    # p = 1/100. 99 German tourists left (their departure is their last record) after
    # their 30 days; two German tourists' last record is an arrival. N = 99 / 0.99 = 100
    # final departures, of which p N = 1 expected missing: the two weigh 1/2 each.
    people = [("de_open_1", "F", D(1980, 1, 1), "DEU"), ("de_open_2", "M", D(1981, 1, 1), "DEU")]
    crossings = [
        ("de_open_1", D(2019, 4, 1), "ARR", "TOURIST"),
        ("de_open_2", D(2019, 5, 1), "ARR", "TOURIST"),
    ]
    for i in range(99):
        people.append((f"de_left_{i}", "M", D(1970, 1, 1), "DEU"))
        crossings += [
            (f"de_left_{i}", D(2019, 2, 1), "ARR", "TOURIST"),
            (f"de_left_{i}", D(2019, 3, 20), "DEP", "TOURIST"),  # 17 days over, then left
        ]
    # A worker overstaying who later left: no correction (the departure was seen).
    people.append(("bd_worker", "M", D(1990, 1, 1), "BGD"))
    crossings += [
        ("bd_worker", D(2019, 1, 5), "ARR", "WORK"),
        ("bd_worker", D(2020, 6, 1), "DEP", "WORK"),
    ]
    events = _missed_rate_events(100, 1)
    people += [(f"rate{i}", "M", D(1970, 1, 1), "FRA") for i in range(100)]
    frame = _frame(people, crossings, events)
    tables = {t.table_id: t for t in overstay.build(frame)}
    yield tables
    frame.close()


def _cell(table: ObservationTable, **codes: str) -> dict[str, Any]:
    wanted = {d: codes.get(d, "_T") for d in table.dimensions}
    wanted["REF_DATE"] = codes.get("REF_DATE", "year_end_2019")
    for row in table.data.to_pylist():
        if all(row[d] == c for d, c in wanted.items()):
            return dict(row)
    raise AssertionError(f"no cell {wanted} in {table.table_id}")


def test_indicator_counts_every_observed_overstayer(
    corrected: dict[str, ObservationTable],
) -> None:
    t = corrected["5.1"]
    # The two German tourists (arrivals + 30 days before 2019-12-31) and the worker
    # (arrived with a work visa, no permit on record: 30 days, gone only in 2020).
    assert _cell(t)["OBS_VALUE"] == 3
    assert _cell(t, CITIZENSHIP="DEU")["OBS_VALUE"] == 2
    assert _cell(t, VISA_TYPE="WORK", AUTHORISATION="NOT_ON_RECORD")["OBS_VALUE"] == 1
    assert _cell(t)["OBS_STATUS"] == "A"


def test_estimate_takes_off_the_expected_missed_departures(
    corrected: dict[str, ObservationTable],
) -> None:
    t = corrected["5.2"]
    de = _cell(t, CITIZENSHIP="DEU")
    assert de["OBS_VALUE"] == pytest.approx(1.0)
    # sd^2 = (N se)^2 + m (1 - p) with se = sqrt(0.01 * 0.99 / 100), N = 100, m = 1:
    # 0.99 + 0.99, so +-1.96 * 1.407 = 2.76, kept within [2 - 2, 2].
    assert (de["LOWER"], de["UPPER"]) == (pytest.approx(0.0), pytest.approx(2.0))
    # The worker's departure was seen: nothing to correct.
    bd = _cell(t, CITIZENSHIP="BGD")
    assert (bd["OBS_VALUE"], bd["LOWER"], bd["UPPER"]) == (1.0, 1.0, 1.0)
    assert _cell(t)["OBS_VALUE"] == pytest.approx(2.0)
    assert _cell(t)["OBS_STATUS"] == "E"


def test_estimate_cells_add_up_to_their_margins(corrected: dict[str, ObservationTable]) -> None:
    t = corrected["5.2"]
    total = _cell(t)["OBS_VALUE"]
    for dim in ("CITIZENSHIP", "VISA_TYPE", "SEX", "AGE"):
        cells = [
            r["OBS_VALUE"]
            for r in t.data.to_pylist()
            if r["REF_DATE"] == "year_end_2019"
            and r[dim] != "_T"
            and all(r[d] == "_T" for d in t.dimensions if d not in ("REF_DATE", dim))
        ]
        assert sum(cells) == pytest.approx(total), dim


def test_docstring_examples() -> None:
    assert doctest.testmod(overstay).failed == 0


@pytest.fixture(scope="module")
def country(frame: StatFrame) -> dict[str, ObservationTable]:
    return {t.table_id: t for t in overstay.build(frame)}


def test_estimate_is_close_to_the_truth_at_the_end_of_the_data(
    frame: StatFrame, country: dict[str, ObservationTable]
) -> None:
    checks = {c.what: c for c in overstay.evaluate(frame, country)}
    end = checks["overstayers estimated, year_end_2024"]
    # Overstayers never seen at the border (arrived before the data, never left, permit
    # not linked) enter by the census's dual-system estimate; the country is small.
    assert abs(end.relative_error) < 0.1, end
    # Without the correction the missed departures of visitors swamp the count.
    observed = checks["overstayers observed, year_end_2024"]
    assert observed.estimate > 1.3 * end.truth, observed


def test_estimate_is_below_the_indicator_and_inside_its_interval(
    frame: StatFrame, country: dict[str, ObservationTable]
) -> None:
    """Missed departures only take off; the census's unseen stayers and the visitors'
    genuine stays before the data are the only additions."""
    unseen = country["5.2"].metadata["undocumented_stayers"]
    c = unseen["coverage"] if unseen else 1.0
    for reference in overstay.observed_references(frame):
        ind = _cell(country["5.1"], REF_DATE=reference)
        est = _cell(country["5.2"], REF_DATE=reference)
        found = frame.count(
            "select count(*) from overstayer"
            f" where reference = '{reference}' and person_key like 'WP:%'"
        )
        prior = float(
            frame.con.sql(
                "select coalesce(sum(weight), 0) from overstay_prior"
                f" where reference = '{reference}'"
            ).fetchall()[0][0]
        )
        ceiling = ind["OBS_VALUE"] + found * (1 - c) / c + prior
        assert est["LOWER"] <= est["OBS_VALUE"] <= est["UPPER"]
        assert est["OBS_VALUE"] <= ceiling + 1e-6


def test_overstaying_workers_are_found(
    frame: StatFrame, country: dict[str, ObservationTable]
) -> None:
    del country  # built for its ``overstayer`` table in the frame
    # Of the truth's overstayers on census night who were ever seen at the border, most
    # are in the indicator (the link from records to the truth is the border record).
    found = frame.count(
        """
        with key_person as (
            select c.person_key, any_value(r.person_id) as person_id
            from crossing c join truth_record r
              on r.source = 'border_crossings' and r.record_id = c.record_id
            group by 1
        )
        select count(distinct s.person_id) from truth_status s
        join key_person k on k.person_id = s.person_id
        join overstayer o on o.person_key = k.person_key and o.reference = s.reference
        where s.reference = 'census_night' and s.overstayer
        """
    )
    seen = frame.count(
        """
        select count(distinct s.person_id) from truth_status s
        join truth_crossing c on c.person_id = s.person_id and c.recorded and c.in_period
        where s.reference = 'census_night' and s.overstayer
        """
    )
    assert seen and found / seen > 0.9, (found, seen)
