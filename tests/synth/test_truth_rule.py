"""The truth's reference rule against DOMAIN.md section 3's public cases, each mirrored,
and against a literal day-by-day reading of the rule on simulated histories."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from migstats.synth.draw import day
from migstats.synth.truth import residence_truth

W, T = 487, 365

# (history, expected long-term flags), all starting non-resident (DOMAIN.md section 3).
PUBLIC_CASES = [
    ([("ARR", "2017-01-01")], [True]),
    ([("ARR", "2017-01-01"), ("DEP", "2017-01-11")], [False, False]),
    ([("ARR", "2017-01-01"), ("DEP", "2017-09-08")], [False, False]),
    ([("ARR", "2017-01-01"), ("DEP", "2017-01-01")], [False, False]),
    ([("ARR", "2017-01-01"), ("DEP", "2017-01-11"), ("ARR", "2017-03-12")], [True, False, False]),
    ([("ARR", "2017-01-01"), ("DEP", "2018-01-06")], [True, True]),
    (
        [("ARR", "2017-01-01"), ("DEP", "2018-01-06"), ("ARR", "2018-01-16")],
        [True, False, False],
    ),
    (
        [
            ("ARR", "2017-01-01"),
            ("DEP", "2017-12-17"),
            ("ARR", "2018-01-06"),
            ("DEP", "2018-01-26"),
            ("ARR", "2018-01-27"),
        ],
        [True, False, False, False, False],
    ),
]


def _run(history: list[tuple[str, str]], mirrored: bool) -> tuple[list[int], list[int], list[bool]]:
    days = np.array([day(date.fromisoformat(d)) for _, d in history], np.int32)
    arr = np.array([(k == "ARR") != mirrored for k, _ in history], np.int8)
    before, after, lt = residence_truth(
        np.zeros(len(history), np.int64), days, arr, np.full(len(history), mirrored), W, T
    )
    return before.tolist(), after.tolist(), lt.tolist()


@pytest.mark.parametrize("mirrored", [False, True], ids=["as-given", "mirrored"])
@pytest.mark.parametrize(("history", "expected"), PUBLIC_CASES)
def test_public_cases(history: list[tuple[str, str]], expected: list[bool], mirrored: bool) -> None:
    before, after, lt = _run(history, mirrored)
    assert lt == expected
    # Status after one crossing is the status before the next.
    assert before[1:] == after[:-1]


def test_exact_threshold_boundary() -> None:
    # In the country exactly T days (ARR day 0, DEP day T) qualifies; T - 1 does not.
    for stay, expected in ((T, True), (T - 1, False)):
        _, _, lt = residence_truth(
            np.zeros(2, np.int64),
            np.array([0, stay], np.int32),
            np.array([1, 0], np.int8),
            np.zeros(2, bool),
            W,
            T,
        )
        assert lt[0] == expected


def _literal_rule(days: list[int], arr: list[bool], resident0: bool) -> list[bool]:
    """The rule read literally: count days on the new side, one day at a time."""
    horizon = days[-1] + W + 1
    inside = np.zeros(horizon, bool)
    for k, (d, a) in enumerate(zip(days, arr, strict=True)):
        end = days[k + 1] if k + 1 < len(days) else horizon
        inside[d:end] = a
    status, flags = resident0, []
    for d, a in zip(days, arr, strict=True):
        migrating = a != status
        side = inside[d : d + W] if a else ~inside[d : d + W]
        long_term = migrating and int(side.sum()) >= T
        if long_term:
            status = not status
        flags.append(long_term)
    return flags


def test_truth_matches_literal_rule_on_simulated_histories(small_country: Path) -> None:
    table = pq.read_table(f"{small_country}/truth/crossing.parquet")
    pid = np.asarray(table["person_id"])
    exact = np.asarray(table["status_exact"])
    rng = np.random.default_rng(0)
    # Prefer people with many crossings: workers and citizens with trips abroad.
    ids, counts = np.unique(pid, return_counts=True)
    sample = rng.choice(ids[counts >= 3], size=300, replace=False)
    d = np.asarray(table["crossing_date"].cast("int32"))
    arr = np.asarray(table["direction"]) == "ARR"
    init = np.asarray(table["initial_status"]) == "resident"
    lt = np.asarray(table["is_long_term_migration"])
    for p in sample:
        rows = np.flatnonzero(pid == p)
        rows = rows[exact[rows]]
        if not len(rows):
            continue
        # Days after the exact rows are still needed for the literal count.
        full = np.flatnonzero(pid == p)
        flags = _literal_rule(d[full].tolist(), arr[full].tolist(), bool(init[full[0]]))
        assert lt[rows].tolist() == flags[: len(rows)], f"person {p}"
