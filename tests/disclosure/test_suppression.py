"""Threshold rule: primary and secondary suppression, and the attack on the margins.

Every protected table is attacked with the independent solver of ``attack.py``: for each
suppressed cell, the lowest and highest value consistent with the published cells, the
equations, whole non-negative counts and the A/D flags. None may be pinned; primary cells
must keep the protection width (0.3 x 10 = 3).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migstats.disclosure import ThresholdRule, protect, protect_all
from migstats.disclosure.rules import DisclosureSection
from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable, table_from
from tests.disclosure.attack import feasible_intervals
from tests.disclosure.tables import grid, overstayers

RULE = ThresholdRule(method="threshold", n=10)


def cell(table: ObservationTable, **codes: str) -> dict[str, object]:
    for row in table.data.to_pylist():
        if all(row[d] == c for d, c in codes.items()):
            return dict(row)
    raise KeyError(codes)


def assert_safe(table: ObservationTable, *, n: int = 10, primary_width: float = 3.0) -> None:
    """No published count under n; no suppressed cell pinned; primaries wide enough."""
    for row in table.data.to_pylist():
        value, flag = row["OBS_VALUE"], row["CONF_STATUS"]
        if flag == "F":
            assert value is None or value == 0 or value >= n, row
        else:
            assert value is None, row
    intervals = feasible_intervals(table, n=n)
    flags = {
        tuple(r[d] for d in table.dimensions if d in r): r["CONF_STATUS"]
        for r in table.data.to_pylist()
    }
    narrow = 0
    for key, interval in intervals.items():
        assert interval.width >= 1, (key, interval)
        narrow += flags[key] == "A" and interval.width < primary_width
    # primary cells below the full width are those the flags alone bound, and counted
    assert narrow <= table.metadata["disclosure"]["checks"]["primary_cells_below_full_width"]
    # a weaker attacker, who ignores the flags, learns even less
    for key, interval in feasible_intervals(table, n=n, use_flags=False).items():
        assert interval.width >= intervals[key].width


def test_hand_worked_two_by_two() -> None:
    """F-a = 4 is small. Its row and column need a second suppressed cell each, the
    cheapest with room (F-b 25, M-a 30), then M's row needs one (M-b 41): a rectangle.
    By hand, F-a = x gives F-b = 29 - x, M-a = 34 - x, M-b = 37 + x with x in 1..9
    (the A flag): every margin stays published and x ranges over 1..9."""
    table = grid("t", {"F": [4, 25], "M": [30, 41]}, ["a", "b"])
    out = protect(table, RULE)
    flags = {(r["SEX"], r["AGE"]): r["CONF_STATUS"] for r in out.data.to_pylist()}
    assert flags == {
        ("F", "a"): "A",
        ("F", "b"): "D",
        ("M", "a"): "D",
        ("M", "b"): "D",
        ("F", "_T"): "F",
        ("M", "_T"): "F",
        ("_T", "a"): "F",
        ("_T", "b"): "F",
        ("_T", "_T"): "F",
    }
    intervals = feasible_intervals(out, n=10)
    assert {k: (i.low, i.high) for k, i in intervals.items()} == {
        ("F", "a"): (1, 9),
        ("F", "b"): (20, 28),
        ("M", "a"): (25, 33),
        ("M", "b"): (38, 46),
    }
    assert_safe(out)


def test_hand_worked_two_by_three_with_a_small_margin() -> None:
    """Row F holds 2 and 3: both primary, and so is its margin 5. Column a and b then
    need partners from row M; with everything else published, each small cell keeps
    its range (the A flags say 1..9, the margins say no more)."""
    table = grid("t", {"F": [2, 3, 40], "M": [50, 60, 70]}, ["a", "b", "c"])
    out = protect(table, RULE)
    assert cell(out, SEX="F", AGE="a")["CONF_STATUS"] == "A"
    assert cell(out, SEX="F", AGE="b")["CONF_STATUS"] == "A"
    assert cell(out, SEX="F", AGE="c")["CONF_STATUS"] in ("D", "F")
    assert cell(out, SEX="_T", AGE="_T")["OBS_VALUE"] == 225
    assert_safe(out)


def test_threshold_boundary_and_zeros() -> None:
    """9 is under the threshold, 10 is not; zeros are safe unless the rule says not."""
    table = grid("t", {"F": [9, 10, 0], "M": [30, 40, 50]}, ["a", "b", "c"])
    out = protect(table, RULE)
    assert cell(out, SEX="F", AGE="a")["CONF_STATUS"] == "A"
    assert cell(out, SEX="F", AGE="b")["CONF_STATUS"] != "A"
    assert cell(out, SEX="F", AGE="c") == {
        "SEX": "F",
        "AGE": "c",
        "OBS_VALUE": 0.0,
        "OBS_STATUS": "A",
        "CONF_STATUS": "F",
    }
    strict = protect(table, ThresholdRule(method="threshold", zeros_safe=False))
    assert cell(strict, SEX="F", AGE="c")["CONF_STATUS"] == "A"


def test_nothing_small_nothing_suppressed() -> None:
    table = grid("t", {"F": [10, 20], "M": [30, 40]}, ["a", "b"])
    out = protect(table, RULE)
    assert set(out.data.column("CONF_STATUS").to_pylist()) == {"F"}
    assert out.data.column("OBS_VALUE").to_pylist() == table.data.column("OBS_VALUE").to_pylist()


def test_a_margin_equal_to_its_only_child() -> None:
    """A country with one person: its total equals its one cell, both small."""
    table = grid("t", {"AUT": [1, 0], "BGD": [40, 35], "IND": [22, 18]}, ["F", "M"])
    out = protect(table, RULE)
    assert cell(out, SEX="AUT", AGE="_T")["CONF_STATUS"] == "A"
    assert_safe(out)


def test_overstayer_table_of_the_real_shape() -> None:
    """The breakdowns of table 5.1 (two reference dates, star-shaped margins)."""
    table = overstayers(300, seed=5)
    out = protect(table, RULE)
    assert "CELL_KEY" not in out.data.column_names
    record = out.metadata["disclosure"]
    assert record["method"] == "threshold" and record["cells"]["primary"] > 0
    assert_safe(out)


def test_estimates_take_the_pattern_of_the_counts() -> None:
    """5.2 estimates 5.1's counts: it suppresses at least the cells 5.1 suppresses."""
    counts = overstayers(250, seed=8)
    values = np.asarray(counts.data.column("OBS_VALUE").to_pylist()) * 0.97
    data = counts.data.drop_columns(["CELL_KEY"]).set_column(
        counts.data.column_names.index("OBS_VALUE"), "OBS_VALUE", pa.array(np.round(values, 6))
    )
    estimate = table_from("5.2", "Estimate", data, list(counts.dimensions), status="E")
    section = DisclosureSection()
    count_out, estimate_out = protect_all([counts, estimate], section)
    hidden_in_counts = {
        tuple(r[d] for d in counts.dimensions)
        for r in count_out.data.to_pylist()
        if r["CONF_STATUS"] != "F"
    }
    for row in estimate_out.data.to_pylist():
        if tuple(row[d] for d in counts.dimensions) in hidden_in_counts:
            assert row["OBS_VALUE"] is None and row["CONF_STATUS"] in ("A", "D")
    assert estimate_out.metadata["disclosure"]["pattern_from"] == "5.1"


def test_an_estimate_may_exceed_the_small_count_it_estimates() -> None:
    """5.2 adds stayers the census missed, so a cell 5.1 suppresses as small (say 8)
    can be estimated above the threshold (12.4): still protected, no error."""
    counts = overstayers(250, seed=8)
    values = np.asarray(counts.data.column("OBS_VALUE").to_pylist(), dtype=float)
    small = (values > 0) & (values < 10)
    assert small.any()
    # Every estimate is 55% higher than its count (a census coverage of about 0.65);
    # scaling every cell keeps the margins adding up.
    estimates = values * 1.55
    data = counts.data.drop_columns(["CELL_KEY"]).set_column(
        counts.data.column_names.index("OBS_VALUE"), "OBS_VALUE", pa.array(np.round(estimates, 6))
    )
    assert (estimates[small] >= 10).any()
    estimate = table_from("5.2", "Estimate", data, list(counts.dimensions), status="E")
    _, estimate_out = protect_all([counts, estimate], DisclosureSection())
    hidden = estimate_out.data.filter(pc.is_null(estimate_out.data.column("OBS_VALUE")))
    assert hidden.num_rows >= int(small.sum())


def test_protect_all_orders_pattern_sources_first() -> None:
    counts = overstayers(150, seed=3)
    estimate = ObservationTable("5.2", "e", counts.dimensions, counts.data, metadata={})
    out = protect_all([estimate, counts], DisclosureSection())
    assert [t.table_id for t in out] == ["5.2", "5.1"]


def test_wrong_structure_is_refused() -> None:
    """Overlapping codes under _T (a census total next to its parts) break additivity:
    the rule must say how codes add up instead of suppressing on false equations."""
    rows = [
        {"SOURCES": "C", "OBS_VALUE": 5.0},
        {"SOURCES": "B", "OBS_VALUE": 20.0},
        {"SOURCES": "CENSUS", "OBS_VALUE": 5.0},
        {"SOURCES": "_T", "OBS_VALUE": 25.0},
    ]
    table = table_from("R.1", "t", pa.Table.from_pylist(rows), ["SOURCES"])
    with pytest.raises(UserInputError, match=r"R\.1.*SOURCES.*hierarchies"):
        protect(table, RULE)
    fixed = ThresholdRule(
        method="threshold", hierarchies={"SOURCES": {"_T": ("C", "B"), "CENSUS": ("C",)}}
    )
    out = protect(table, fixed)
    hierarchies = {"SOURCES": {"_T": ["C", "B"], "CENSUS": ["C"]}}
    intervals = feasible_intervals(out, n=10, hierarchies=hierarchies)
    assert all(i.width >= 1 for i in intervals.values())
    assert cell(out, SOURCES="CENSUS")["OBS_VALUE"] is None


@st.composite
def count_tables(draw: st.DrawFn) -> ObservationTable:
    rows = draw(st.integers(2, 4))
    cols = draw(st.integers(2, 4))
    small = st.integers(0, 12)
    large = st.integers(10, 60)
    values = [[draw(st.one_of(small, large)) for _ in range(cols)] for _ in range(rows)]
    return grid(
        "h",
        {f"r{i}": v for i, v in enumerate(values)},
        [f"c{j}" for j in range(cols)],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables())
def test_random_tables_resist_the_attack(table: ObservationTable) -> None:
    assert_safe(protect(table, RULE))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(40, 150), st.integers(0, 10_000))
def test_random_overstayer_tables_resist_the_attack(size: int, seed: int) -> None:
    assert_safe(protect(overstayers(size, seed), RULE))
