"""Comparison levels put hand-made pairs where a linkage clerk would put them."""

from __future__ import annotations

import duckdb

from migstats.link.comparisons import categorical_comparison, travel_period_comparison


def _levels(comparison: dict, rows: list[tuple]) -> list[str]:
    """The label of the first level whose condition holds, for each row of pairs."""
    levels = comparison["comparison_levels"]
    cases = " ".join(
        f"when {lvl['sql_condition']} then '{lvl['label_for_charts']}'"
        for lvl in levels
        if lvl["sql_condition"] != "else"
    )
    con = duckdb.connect()
    con.execute(
        "create table p (n int, first_crossing_l date, last_crossing_l date,"
        " first_crossing_r date, last_crossing_r date)"
    )
    con.executemany("insert into p values (?, ?, ?, ?, ?)", rows)
    out = con.sql(
        f"select case {cases} else '{levels[-1]['label_for_charts']}' end from p order by n"
    )
    return [label for (label,) in out.fetchall()]


def test_travel_periods_overlapping_or_apart() -> None:
    rows = [
        # Both documents used in February 2020: two people.
        (1, "2020-01-01", "2020-03-01", "2020-02-01", "2020-05-01"),
        # The second document first used 19 days after the first was last used.
        (2, "2020-01-01", "2020-03-01", "2020-03-20", "2020-04-01"),
        # Same in the other order: the comparison is symmetric.
        (3, "2020-03-20", "2020-04-01", "2020-01-01", "2020-03-01"),
        # Same day: the old passport out, the new one in. Not "at the same time".
        (4, "2020-01-01", "2020-03-01", "2020-03-01", "2020-04-01"),
        (5, "2019-01-01", "2019-06-01", "2019-12-18", "2020-01-01"),  # 200 days
        (6, "2019-01-01", "2019-06-01", "2021-08-10", "2021-09-01"),  # 800 days
        (7, "2015-01-01", "2015-06-01", "2019-07-14", "2019-08-01"),  # 1,504 days
        (8, "2020-01-01", None, "2020-02-01", "2020-05-01"),
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


def test_rare_codes_weigh_more_only_when_asked() -> None:
    plain = categorical_comparison("visa_type")["comparison_levels"][1]
    weighted = categorical_comparison("visa_type", term_frequencies=True)["comparison_levels"][1]
    assert "tf_adjustment_column" not in plain
    assert weighted["tf_adjustment_column"] == "visa_type"
