"""The compiled rule against its specification, the vectorised NumPy rule.

Both take the same canonical batches; every result column must agree exactly, on random
histories with copies, missed records, same-day crossings, records outside the period,
given and derived initial statuses, rows in any order and histories long enough for the
merge sort that orders long histories.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migstats.residence import ResidenceRule
from migstats.residence.histories import (
    RESULT_SCHEMA,
    classify_histories,
    classify_histories_vectorised,
    unpack_codes,
)
from migstats.residence.kernel import NO_DATE32, classify_rows
from migstats.residence.packing import group

RULES = st.sampled_from(
    [ResidenceRule(), ResidenceRule.option_a(), ResidenceRule(window_days=30, threshold_days=20)]
)


@st.composite
def batches(draw: st.DrawFn, longest: int = 12) -> tuple[pa.Table, int, int]:
    """A canonical batch in input order, and an observation start and end."""
    persons, days, arrivals, given = [], [], [], []
    for p in range(draw(st.integers(1, 5))):
        status = draw(st.sampled_from([-1, -1, 0, 1]))
        day = 17_000 + draw(st.integers(0, 300))
        going_in = draw(st.booleans())
        for _ in range(draw(st.integers(1, longest))):
            day += draw(st.one_of(st.integers(0, 3), st.integers(0, 60), st.integers(0, 600)))
            if draw(st.integers(0, 7)):  # now and then a missed record or a copy
                going_in = not going_in
            persons.append(p)
            days.append(day)
            arrivals.append(going_in)
            given.append(status)
    order = draw(st.permutations(range(len(days))))
    start = min(days) - draw(st.integers(-50, 500))
    end = max(days) + draw(st.integers(-400, 700))
    batch = pa.table(
        {
            "row_nr": pa.array(range(len(days)), pa.int64()),
            "person": pa.array([persons[i] for i in order], pa.int64()),
            "day": pa.array([days[i] for i in order], pa.int32()),
            "arrival": pa.array([arrivals[i] for i in order]),
            "initial": pa.array([given[i] for i in order], pa.int8()),
        }
    )
    return batch, start, max(start, end)


def sorted_batch(batch: pa.Table) -> pa.Table:
    """Sorted by person, date and input row, as engines hand batches over."""
    return batch.sort_by([("person", "ascending"), ("day", "ascending"), ("row_nr", "ascending")])


def by_row(result: pa.Table) -> list[tuple[object, ...]]:
    return sorted(
        zip(*(result.column(c).to_pylist() for c in RESULT_SCHEMA.names), strict=True),
        key=lambda r: (r[0], not r[3]),  # by row, an imputed crossing before its record
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=batches(), rule=RULES)
def test_compiled_batches_match_the_specification(
    data: tuple[pa.Table, int, int], rule: ResidenceRule
) -> None:
    batch, start, end = data
    batch = sorted_batch(batch)
    compiled = classify_histories(batch, rule, start, end)
    specified = classify_histories_vectorised(batch, rule, start, end)
    assert by_row(compiled) == by_row(specified)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=batches(longest=150), rule=RULES)
def test_rows_in_any_order_match_the_specification(
    data: tuple[pa.Table, int, int], rule: ResidenceRule
) -> None:
    """Unsorted rows (long histories take the merge-sort path) give the sorted results."""
    batch, start, end = data
    out = classify_rows(
        batch.column("person").to_numpy(),
        batch.column("day").to_numpy(),
        batch.column("arrival").to_numpy(zero_copy_only=False),
        batch.column("initial").to_numpy(),
        start=start,
        end=end,
        window=rule.window_days,
        threshold=rule.threshold_days,
    )
    specified = classify_histories_vectorised(sorted_batch(batch), rule, start, end)
    recorded = specified.filter(pa.compute.invert(specified.column("imputed")))
    rows = recorded.column("row_nr").to_numpy()
    assert np.array_equal(out.codes[rows], recorded.column("codes").to_numpy())
    assert np.array_equal(out.date_final[rows], recorded.column("date_final").to_numpy())
    imputed = specified.filter(specified.column("imputed"))
    before = imputed.column("row_nr").to_numpy()
    assert sorted(np.flatnonzero(out.imputed).tolist()) == sorted(before.tolist())
    assert np.array_equal(out.imputed_codes[before], imputed.column("codes").to_numpy())
    assert np.array_equal(out.imputed_final[before], imputed.column("date_final").to_numpy())
    assert np.array_equal(out.imputed_day[before], imputed.column("day").to_numpy())


def test_a_hand_worked_history() -> None:
    """DOMAIN.md's first case, mirrored by a second person starting resident: ARR on
    2017-01-01, DEP ten days later, ARR again on 2017-03-12. The first arrival spends 365
    days in by 2018-03-02 (60 days out between), so it qualifies on day 425; the
    departure's 123 days abroad never come; the second arrival is already resident."""
    day = np.array([17167, 17177, 17237, 17167, 17177, 17237], np.int32)
    arrival = np.array([True, False, True, False, True, False])
    out = classify_rows(
        np.array([0, 0, 0, 1, 1, 1]),
        day,
        arrival,
        np.array([0, 0, 0, 1, 1, 1], np.int8),
        start=17000,
        end=20000,
        window=487,
        threshold=365,
    )
    fields = unpack_codes(out.codes)
    assert fields["before"].tolist() == [0, 1, 1, 1, 0, 0]
    assert fields["after"].tolist() == [1, 1, 1, 0, 0, 0]
    assert fields["long_term"].tolist() == [1, 0, 0, 1, 0, 0]
    assert (out.date_final - 17167).tolist() == [425] * 6
    assert not out.imputed.any()
    assert NO_DATE32 not in out.date_final


def test_grouping_keeps_input_order_within_a_person() -> None:
    day = np.array([17000, 17005, 16990, 17001, 17003], np.int32)
    arrival = np.array([True, False, True, False, True])
    given = np.array([-1, 0, -1, -1, 0], np.int8)
    grouped = group(np.array([3, 1, 3, 3, 1]), day, arrival, given)
    packed, base = grouped.packed, grouped.base
    rows = (packed >> 3) & 0x7FFFFFFF
    assert rows.tolist() == [1, 4, 0, 2, 3]
    assert grouped.starts.tolist() == [0, 0, 2, 2, 5]
    assert ((packed >> 34) + base).tolist() == day[rows].tolist()
    assert ((packed >> 2) & 1).astype(bool).tolist() == arrival[rows].tolist()
    assert ((packed & 3) - 1).tolist() == given[rows].tolist()
