"""Comparison levels put hand-made pairs where a linkage clerk would put them."""

from __future__ import annotations

import duckdb

from migstats.link.comparisons import (
    categorical_comparison,
    occupation_comparison,
    place_comparison,
    travel_period_comparison,
)

_PERIODS = (
    "first_crossing_l date, last_crossing_l date, first_crossing_r date, last_crossing_r date,"
    " first_direction_l text, last_direction_l text, first_direction_r text,"
    " last_direction_r text"
)
#: A resident's document: first used leaving, last used coming home.
_HOME = ("DEP", "ARR", "DEP", "ARR")


def _levels(comparison: dict, rows: list[tuple], columns: str = _PERIODS) -> list[str]:
    """The label of the first level whose condition holds, for each row of pairs.

    ``columns`` declares the pair columns after the row number ``n``.
    """
    levels = comparison["comparison_levels"]
    cases = " ".join(
        f"when {lvl['sql_condition']} then '{lvl['label_for_charts']}'"
        for lvl in levels
        if lvl["sql_condition"] != "else"
    )
    con = duckdb.connect()
    con.execute(f"create table p (n int, {columns})")
    marks = ", ".join("?" * (columns.count(",") + 2))
    con.executemany(f"insert into p values ({marks})", rows)
    out = con.sql(
        f"select case {cases} else '{levels[-1]['label_for_charts']}' end from p order by n"
    )
    return [label for (label,) in out.fetchall()]


def test_travel_periods_overlapping_or_apart() -> None:
    rows = [
        # Both documents used in February 2020: two people.
        (1, "2020-01-01", "2020-03-01", "2020-02-01", "2020-05-01", *_HOME),
        # The second document first used 19 days after the first was last used.
        (2, "2020-01-01", "2020-03-01", "2020-03-20", "2020-04-01", *_HOME),
        # Same in the other order: the comparison is symmetric.
        (3, "2020-03-20", "2020-04-01", "2020-01-01", "2020-03-01", *_HOME),
        # Same day: the old passport out, the new one in. Not "at the same time".
        (4, "2020-01-01", "2020-03-01", "2020-03-01", "2020-04-01", *_HOME),
        (5, "2019-01-01", "2019-06-01", "2019-12-18", "2020-01-01", *_HOME),  # 200 days
        (6, "2019-01-01", "2019-06-01", "2021-08-10", "2021-09-01", *_HOME),  # 800 days
        (7, "2015-01-01", "2015-06-01", "2019-07-14", "2019-08-01", *_HOME),  # 1,504 days
        (8, "2020-01-01", None, "2020-02-01", "2020-05-01", *_HOME),
    ]
    assert _levels(travel_period_comparison(), rows) == [
        "used at the same time",
        "next used within a month",
        "next used within a month",
        "next used within a month",
        "next used within a year",
        "next used within three years",
        "more than three years apart",
        "period unknown",
    ]


def test_travel_periods_of_visitors() -> None:
    rows = [
        # Arrived on one passport, left twelve days later on another: one stay.
        (1, "2020-01-10", "2020-01-10", "2020-01-22", "2020-01-22", "ARR", "ARR", "DEP", "DEP"),
        # The same, the documents the other way round.
        (2, "2020-01-22", "2020-01-22", "2020-01-10", "2020-01-10", "DEP", "DEP", "ARR", "ARR"),
        # A worker: arrived on the old passport, came back from leave on it; left on the
        # new one a year later.
        (3, "2019-02-01", "2021-03-01", "2022-03-05", "2022-06-01", "ARR", "ARR", "DEP", "ARR"),
        # The new document is first used arriving, as the old one was last used: one
        # person would have a departure missed in between.
        (4, "2020-01-10", "2020-01-10", "2020-01-22", "2020-01-30", "ARR", "ARR", "ARR", "DEP"),
        # A whole visit on each document, two years apart: most often two namesakes.
        (5, "2019-01-01", "2019-01-10", "2021-03-01", "2021-03-09", "ARR", "DEP", "ARR", "DEP"),
    ]
    assert _levels(travel_period_comparison(), rows) == [
        "handed over inside the country",
        "handed over inside the country",
        "handed over inside the country",
        "two arrivals or two departures in a row",
        "whole visits on each document",
    ]


def test_rare_codes_weigh_more_only_when_asked() -> None:
    plain = categorical_comparison("visa_type")["comparison_levels"][1]
    weighted = categorical_comparison("visa_type", term_frequencies=True)["comparison_levels"][1]
    assert "tf_adjustment_column" not in plain
    assert weighted["tf_adjustment_column"] == "visa_type"


def test_places_island_then_atoll() -> None:
    columns = "island_code_l text, atoll_code_l text, island_code_r text, atoll_code_r text"
    rows = [
        (1, "K09", "K", "K09", "K"),  # Kurumba (a resort) and Kurumba
        (2, "K09", "K", "K02", "K"),  # Kurumba and Maafushi, both in Kaafu
        (3, "K09", "K", "ADh04", "ADh"),  # Kurumba and Vilamendhoo (Alif Dhaal)
        (4, None, None, "MC01", "MC"),  # no work permit on one side
    ]
    assert _levels(place_comparison(), rows, columns) == [
        "same island",
        "same atoll",
        "another atoll",
        "island unknown",
    ]
    # Agreeing on a small island weighs more than agreeing on Malé.
    assert place_comparison()["comparison_levels"][1]["tf_adjustment_column"] == "island_code"


def test_occupations_unit_group_then_sub_major_group() -> None:
    rows = [
        (1, "9313", "9313"),  # building construction labourers, both
        (2, "9313", "9312"),  # civil engineering labourers: the same sub-major group 93
        (3, "9313", "5131"),  # a waiter
        (4, "9313", None),  # no occupation in the census (not employed)
    ]
    assert _levels(
        occupation_comparison(), rows, "occupation_isco_l text, occupation_isco_r text"
    ) == ["same unit group", "same sub-major group", "different occupation", "occupation unknown"]
