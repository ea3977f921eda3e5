"""Visitors whose stay began before the data (stats.prior_stays): a hand-made country."""

from __future__ import annotations

import datetime as dt
import doctest
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from migstats.residence import ResidenceRule
from migstats.stats import overstay, prior_stays
from migstats.stats.cube import ObservationTable
from migstats.stats.frame import StatFrame, reference_dates
from tests.stats.frames import add_crossings_and_visas

START, END = dt.date(2019, 1, 1), dt.date(2023, 12, 31)
D = dt.date
Z95 = 1.959963984540054


def _visits(prefix: str, n: int, arrival: dt.date) -> list[tuple[Any, ...]]:
    """``n`` tourists' ten-day visits (arrival and departure both recorded)."""
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        rows += [
            (f"{prefix}{i}", arrival, "ARR", "TOURIST"),
            (f"{prefix}{i}", arrival + dt.timedelta(days=10), "DEP", "TOURIST"),
        ]
    return rows


def _first_departures(prefix: str, n: int, day: dt.date) -> list[tuple[Any, ...]]:
    """``n`` tourists whose first record is a departure on ``day``."""
    return [(f"{prefix}{i}", day, "DEP", "TOURIST") for i in range(n)]


# Years counted from the data start: 1 = 2020, 2 = 2021, 3 and 4 the baseline (from
# 2021-12-31, three years of 365 days after the start).
# Baseline: 99 visits + 1 first departure = 100 departures: r = 1 / 100.
# Year 1: 93 visits, 6 first departures (one of an Italian, in no cell of 5.1) and one
# more with a visa on record (counted in the departures, not in the first departures):
# E = 6 - 100 r = 5, each weighs 5/6. The Italian's weight goes to the five others (each
# then stands for 6/5 stays): they weigh 1 each.
# Year 2: 99 visits + 1 first departure: E = 1 - 1 = 0, weighs 0.
CROSSINGS = [
    *_visits("base", 99, D(2022, 6, 1)),
    *_first_departures("base_first", 1, D(2022, 8, 1)),
    *_visits("y1_", 93, D(2020, 6, 1)),
    ("ita_first", D(2020, 9, 1), "DEP", "TOURIST"),
    *_first_departures("y1_first", 5, D(2020, 9, 1)),
    *_visits("y2_", 99, D(2021, 6, 1)),
    *_first_departures("y2_first", 1, D(2021, 9, 1)),
    # A first departure with a tourist-visa extension on record: its authorisation is
    # known (lapsed on 2019-01-30), so it is an observed overstayer, not estimated.
    ("y1_extended", D(2020, 9, 1), "DEP", "TOURIST"),
    # An observed overstayer: arrived in 2019, never left.
    ("stayer", D(2019, 6, 1), "ARR", "TOURIST"),
]
VISAS = [("y1_extended", "tourism", D(2018, 12, 1), D(2019, 1, 30))]


def _frame() -> StatFrame:
    con = duckdb.connect()
    keys = sorted({c[0] for c in CROSSINGS})
    con.execute(
        "create table person as select unnest(?) as person_key, 'F' as sex,"
        " date '1980-01-01' as date_of_birth,"
        " case when person_key like 'ita%' then 'ITA' else 'DEU' end as citizenship",
        [keys],
    )
    add_crossings_and_visas(con, CROSSINGS, VISAS)
    con.execute(
        "create view event as select person_key, crossing_date, direction,"
        " null::varchar as repair, 0::bigint as seq from crossing_rows"
    )
    return StatFrame(
        con, Path(), "MDV", START, END, None, ResidenceRule(), reference_dates(START, END, None)
    )


@pytest.fixture(scope="module")
def tables() -> Iterator[dict[str, ObservationTable]]:
    frame = _frame()
    yield {t.table_id: t for t in overstay.build(frame)}
    frame.close()


def _total(table: ObservationTable, reference: str, **codes: str) -> dict[str, Any]:
    for row in table.data.to_pylist():
        if row["REF_DATE"] == reference and all(
            row[d] == codes.get(d, "_T") for d in table.dimensions if d != "REF_DATE"
        ):
            return dict(row)
    raise AssertionError(f"no cell {reference} {codes}")


def test_excess_first_departures_are_added_to_the_estimate(
    tables: dict[str, ObservationTable],
) -> None:
    # The two observed (the stayer, the lapsed extension), plus the 2020 excess of 5;
    # the 2021 first departure weighs 0 and the baseline's is not present.
    assert _total(tables["5.1"], "year_end_2019")["OBS_VALUE"] == 2
    est = _total(tables["5.2"], "year_end_2019")
    assert est["OBS_VALUE"] == pytest.approx(2 + 5.0)
    # Variance: years 1 and 2 each wholly in the cell (share 1): f_1 + f_2 = 6 + 1, and
    # (D_1 + D_2)^2 var(r) = 200^2 * 1 / 100^2 = 4; sd = sqrt(11).
    half = Z95 * math.sqrt(11)
    assert est["LOWER"] == pytest.approx(2 + max(5 - half, 0.0))
    assert est["UPPER"] == pytest.approx(2 + 5 + half)
    cell = _total(tables["5.2"], "year_end_2019", AUTHORISATION="VISA_ON_ARRIVAL")
    assert cell["OBS_VALUE"] == pytest.approx(1 + 5.0)
    # No cell of estimated persons alone: 5.2 has exactly 5.1's cells.
    codes = {
        t: {tuple(r[d] for d in tables[t].dimensions) for r in tables[t].data.to_pylist()}
        for t in ("5.1", "5.2")
    }
    assert codes["5.1"] == codes["5.2"]


def test_a_year_without_excess_adds_nothing_but_its_uncertainty(
    tables: dict[str, ObservationTable],
) -> None:
    est = _total(tables["5.2"], "year_end_2020")
    assert est["OBS_VALUE"] == pytest.approx(1.0)
    # Only year 2 is still to come: f_2 = 1 and (D_2)^2 var(r) = 100^2 / 100^2 = 1.
    assert est["UPPER"] == pytest.approx(1 + Z95 * math.sqrt(2))
    meta = tables["5.2"].metadata["visitors_stays_before_the_data"]
    tourist = meta["by_visa_type"]["TOURIST"]
    assert tourist["unlinked_rate"] == pytest.approx(0.01)
    assert tourist["years"]["1"] == {"first_departures": 6, "departures": 100, "excess": 5.0}


def test_without_a_baseline_nothing_is_estimated() -> None:
    frame = _frame()
    short = StatFrame(
        frame.con,
        Path(),
        "MDV",
        START,
        D(2022, 6, 30),
        None,
        ResidenceRule(),
        reference_dates(START, D(2022, 6, 30), None),
    )
    overstay.build_overstayers(short)
    model = prior_stays.build_prior_stays(short)
    assert model.bins == [] and model.notes
    assert short.count("select count(*) from overstay_prior") == 0
    frame.close()


def test_docstring_examples() -> None:
    assert doctest.testmod(prior_stays).failed == 0
