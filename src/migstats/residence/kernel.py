"""The residence rule compiled: one pass over each person's history, persons on threads.

The same rule as the vectorised modules (:mod:`~migstats.residence.repair`,
:mod:`~migstats.residence.windows`, :mod:`~migstats.residence.status`) state it, with the
same prefix sums, as-of lookups and forward fills, but fused into one machine-code pass
per person (Numba) instead of some forty whole-array NumPy passes. The vectorised
modules stay the readable specification; the tests hold the two to identical output on
every case and on random histories (``tests/residence/test_kernel.py``).

Why compiled: the NumPy formulation touches every row about forty times and spends most
of its time moving memory; fused, each row is read once and its results written once,
straight into input order, with no batches to cut, copy and put back.

Conventions shared with the vectorised modules: statuses are 1 resident, 0 non-resident,
-1 unknown; days count from 1970-01-01; :data:`NO_DATE` means "no date"; result codes are
packed as :func:`migstats.residence.histories.pack_codes` packs them.

>>> import numpy as np
>>> day = np.array([17167, 17177, 17237], np.int32)  # ARR 2017-01-01, DEP, ARR 2017-03-12
>>> arrival = np.array([True, False, True])
>>> out = classify_rows(np.zeros(3, np.int64), day, arrival, np.full(3, 0, np.int8),
...                     start=17167, end=20000, window=487, threshold=365)
>>> out.long_term.tolist(), (out.date_final - 17167).tolist()
([1, 0, 0], [425, 425, 425])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numba
import numpy as np
from numpy.typing import NDArray

from migstats.residence.initial_status import FIRST_CROSSING, GIVEN, UNKNOWN_SOURCE
from migstats.residence.numba_target import load_target
from migstats.residence.packing import DAY_SHIFT, ROW_MASK, ROW_SHIFT, Grouped, group
from migstats.residence.repair import (
    DUPLICATE,
    MISSING_ARR_IMPUTED,
    MISSING_DEP_IMPUTED,
    OUTSIDE_PERIOD,
)
from migstats.residence.windows import NO_DATE

__all__ = [
    "NO_DATE",
    "NO_DATE32",
    "RowResults",
    "classify_grouped",
    "classify_rows",
]

#: "No date" in the int32 ``date_final`` results.
NO_DATE32: Final = np.iinfo(np.int32).min

# The vectorised modules' codes, as compile-time constants of the compiled rule.
_DUPLICATE: Final = DUPLICATE
_MISSING_DEP: Final = MISSING_DEP_IMPUTED
_MISSING_ARR: Final = MISSING_ARR_IMPUTED
_OUTSIDE: Final = OUTSIDE_PERIOD
_GIVEN: Final = GIVEN
_FIRST_CROSSING: Final = FIRST_CROSSING
_UNKNOWN_SOURCE: Final = UNKNOWN_SOURCE

#: Rows above which a person's crossings are ordered by a merge sort, not an insertion
#: sort (which is quickest for the short, nearly sorted histories of almost everyone).
_INSERTION_MAX: Final = 64


@dataclass(frozen=True)
class RowResults:
    """Results per input row (index = input row).

    ``codes`` and ``date_final`` (int32, :data:`NO_DATE32` for none) for every row;
    ``long_term`` unpacked for convenience. For a row flagged ``missing_*_imputed``,
    ``imputed`` is true and the ``imputed_*`` arrays hold the crossing imputed just
    before it (its packed codes, final date and day; its direction is the opposite of
    the row's own).
    """

    codes: NDArray[np.int16]
    date_final: NDArray[np.int32]
    imputed: NDArray[np.bool_]
    imputed_codes: NDArray[np.int16]
    imputed_final: NDArray[np.int32]
    imputed_day: NDArray[np.int32]

    @property
    def long_term(self) -> NDArray[np.int8]:
        return ((self.codes >> 4) & 3).astype(np.int8) - 1


@numba.njit(cache=True, nogil=True)
def _pack(before: int, after: int, long_term: int, repair: int, source: int, first: int) -> int:
    return (
        (before + 1)
        | ((after + 1) << 2)
        | ((long_term + 1) << 4)
        | (repair << 6)
        | (source << 9)
        | (first << 11)
    )


@numba.njit(cache=True, nogil=True)
def _order_person(packed: NDArray[np.int64], lo: int, hi: int) -> None:
    """Sort a person's packed rows: by date, then row (the order of the bits)."""
    in_order = True
    for j in range(lo + 1, hi):
        if packed[j] < packed[j - 1]:
            in_order = False
            break
    if in_order:
        return
    if hi - lo > _INSERTION_MAX:
        packed[lo:hi].sort()
        return
    for j in range(lo + 1, hi):
        value = packed[j]
        k = j - 1
        while k >= lo and packed[k] > value:
            packed[k + 1] = packed[k]
            k -= 1
        packed[k + 1] = value


@numba.njit(cache=True, nogil=True)
def _last_below(values: NDArray[np.int64], lo: int, hi: int, target: int) -> int:
    """Largest k in [lo, hi) with values[k] < target (values ascending, values[lo] < target)."""
    # Most windows end within a few crossings: look nearby before bisecting.
    k = lo
    while k + 1 < hi and k < lo + 4:
        if values[k + 1] >= target:
            return k
        k += 1
    low, high = k, hi - 1
    while low < high:
        mid = (low + high + 1) >> 1
        if values[mid] < target:
            low = mid
        else:
            high = mid - 1
    return low


# Inlined into the chunk loop: a call per person passed some twenty arrays (a tenth of
# the run time).
@numba.njit(cache=True, nogil=True, inline="always")
def _person(
    packed: NDArray[np.int64],
    lo: int,
    hi: int,
    base: int,
    start: int,
    end: int,
    window: int,
    threshold: int,
    codes: NDArray[np.int16],
    date_final: NDArray[np.int32],
    imputed: NDArray[np.bool_],
    imputed_codes: NDArray[np.int16],
    imputed_final: NDArray[np.int32],
    imputed_day: NDArray[np.int32],
    e_day: NDArray[np.int64],
    e_arrival: NDArray[np.bool_],
    e_row: NDArray[np.int64],
    p: NDArray[np.int64],
    q: NDArray[np.int64],
    e_after: NDArray[np.int8],
    e_before: NDArray[np.int8],
    e_long: NDArray[np.int8],
    e_after_final: NDArray[np.int64],
    e_final: NDArray[np.int64],
    position: NDArray[np.int64],
    repair: NDArray[np.int8],
) -> None:
    """Classify the person whose rows are ``packed[lo:hi]`` (in date order)."""
    # 1. Repairs: the effective history (kept records and imputed crossings).
    m = 0
    have_previous = False
    previous_day = 0
    previous_arrival = False
    given_status = -1
    for j in range(lo, hi):
        value = packed[j]
        row = (value >> ROW_SHIFT) & ROW_MASK
        given_status = max(given_status, (value & 3) - 1)
        d = (value >> DAY_SHIFT) + base
        a = (value >> 2) & 1 == 1
        if d < start or d > end:
            repair[j - lo] = _OUTSIDE
            position[j - lo] = -1
            continue
        if have_previous and d == previous_day and a == previous_arrival:
            repair[j - lo] = _DUPLICATE
            position[j - lo] = m - 1  # the last effective crossing is the kept record
            continue
        fix = 0
        if have_previous and a == previous_arrival:
            e_day[m] = previous_day + (d - previous_day) // 2
            e_arrival[m] = not a
            e_row[m] = -(row + 1)  # imputed before this row
            m += 1
            fix = _MISSING_DEP if a else _MISSING_ARR
        repair[j - lo] = fix
        e_day[m] = d
        e_arrival[m] = a
        e_row[m] = row
        position[j - lo] = m
        m += 1
        have_previous = True
        previous_day = d
        previous_arrival = a

    # 2. Initial status.
    first_day = e_day[0] if m > 0 else start
    if given_status >= 0:
        initial = given_status
        source = _GIVEN
    elif first_day - start >= threshold:
        initial = 0 if e_arrival[0] else 1
        source = _FIRST_CROSSING
    else:
        initial = -1
        source = _UNKNOWN_SOURCE

    # 3. Windows: prefix sums of days in the country (p) and abroad (q).
    if m > 0:
        p[0] = 0
        for i in range(1, m):
            spell = e_day[i] - e_day[i - 1]
            p[i] = p[i - 1] + (spell if e_arrival[i - 1] else 0)
        for i in range(m):
            q[i] = e_day[i] - first_day - p[i]
    status = initial
    after_final = NO_DATE
    for i in range(m):
        a = e_arrival[i]
        need_in = threshold if a else window - threshold + 1
        need_out = window + 1 - need_in
        k = _last_below(p, i, m, p[i] + need_in)
        in_day = first_day + q[k] + p[i] + need_in
        in_possible = not (k == m - 1 and not e_arrival[k])
        k = _last_below(q, i, m, q[i] + need_out)
        out_day = first_day + p[k] + q[i] + need_out
        out_possible = not (k == m - 1 and e_arrival[k])
        horizon = min(e_day[i] + window, end + 1)
        in_decides = in_possible and in_day <= horizon
        out_decides = out_possible and out_day <= horizon
        qualifies = in_decides if a else out_decides
        fails = out_decides if a else in_decides
        decided_on = in_day if in_decides else (out_day if out_decides else NO_DATE)

        # 4. Status before and after, long-term flag, finality (three-valued logic).
        side = 1 if a else 0
        before = status
        if qualifies:
            after = side
            long_term = 1 if before == 1 - side else (0 if before == side else -1)
            if before != side:  # a change of status restarts finality
                after_final = decided_on
        elif fails:
            after = before
            long_term = 0
            if before == 1 - side and decided_on > after_final:
                after_final = decided_on
        else:
            after = before if before == side else -1
            long_term = 0 if before == side else -1
        before_final = e_after_final[i - 1] if i > 0 else NO_DATE
        e_before[i] = before
        e_after[i] = after
        e_long[i] = long_term
        e_after_final[i] = after_final
        if before >= 0 and after >= 0 and long_term >= 0:
            e_final[i] = max(max(after_final, before_final), e_day[i])
        else:
            e_final[i] = NO_DATE
        status = after

    # 5. Results per input row, in input order; imputed crossings beside their row.
    for j in range(lo, hi):
        row = (packed[j] >> ROW_SHIFT) & ROW_MASK
        fix = repair[j - lo]
        first = 1 if j == lo else 0
        if fix == _OUTSIDE:
            codes[row] = _pack(-1, -1, -1, fix, source, first)
            date_final[row] = NO_DATE32
            continue
        i = position[j - lo]
        if fix == _DUPLICATE:  # a copy changes nothing: the kept record's status after
            kept_after = e_after[i]
            codes[row] = _pack(kept_after, kept_after, 0, fix, source, first)
            if kept_after >= 0:
                date_final[row] = max(e_after_final[i], (packed[j] >> DAY_SHIFT) + base)
            else:
                date_final[row] = NO_DATE32
            continue
        codes[row] = _pack(e_before[i], e_after[i], e_long[i], fix, source, first)
        date_final[row] = e_final[i] if e_final[i] != NO_DATE else NO_DATE32
        if fix != 0:
            imputed[row] = True
            imputed_codes[row] = _pack(e_before[i - 1], e_after[i - 1], e_long[i - 1], 0, source, 0)
            imputed_final[row] = e_final[i - 1] if e_final[i - 1] != NO_DATE else NO_DATE32
            imputed_day[row] = e_day[i - 1]


@numba.njit(cache=True, nogil=True)
def _classify_chunk(
    c: int,
    chunks: int,
    longest: int,
    packed: NDArray[np.int64],
    starts: NDArray[np.int64],
    base: int,
    start: int,
    end: int,
    window: int,
    threshold: int,
    sort_within: bool,
    codes: NDArray[np.int16],
    date_final: NDArray[np.int32],
    imputed: NDArray[np.bool_],
    imputed_codes: NDArray[np.int16],
    imputed_final: NDArray[np.int32],
    imputed_day: NDArray[np.int32],
) -> None:
    """The persons of chunk ``c`` of ``chunks``, one after another."""
    persons = len(starts) - 1
    size = 2 * longest  # at most one imputed crossing per record
    # Scratch space for one person at a time, allocated once per chunk.
    e_day = np.empty(size, np.int64)
    e_arrival = np.empty(size, np.bool_)
    e_row = np.empty(size, np.int64)
    p = np.empty(size, np.int64)
    q = np.empty(size, np.int64)
    e_after = np.empty(size, np.int8)
    e_before = np.empty(size, np.int8)
    e_long = np.empty(size, np.int8)
    e_after_final = np.empty(size, np.int64)
    e_final = np.empty(size, np.int64)
    position = np.empty(longest, np.int64)
    repair = np.empty(longest, np.int8)
    for g in range(c * persons // chunks, (c + 1) * persons // chunks):
        lo, hi = starts[g], starts[g + 1]
        if hi == lo:
            continue
        if sort_within:
            _order_person(packed, lo, hi)
        _person(
            packed, lo, hi, base, start, end, window, threshold,
            codes, date_final, imputed, imputed_codes, imputed_final, imputed_day,
            e_day, e_arrival, e_row, p, q, e_after, e_before, e_long, e_after_final,
            e_final, position, repair,
        )  # fmt: skip


@numba.njit(cache=True, parallel=True)
def _classify_persons(
    chunks: int,
    longest: int,
    packed: NDArray[np.int64],
    starts: NDArray[np.int64],
    base: int,
    start: int,
    end: int,
    window: int,
    threshold: int,
    sort_within: bool,
    codes: NDArray[np.int16],
    date_final: NDArray[np.int32],
    imputed: NDArray[np.bool_],
    imputed_codes: NDArray[np.int16],
    imputed_final: NDArray[np.int32],
    imputed_day: NDArray[np.int32],
) -> None:
    """Chunks of persons side by side on Numba's thread pool."""
    for c in numba.prange(chunks):
        _classify_chunk(
            c, chunks, longest, packed, starts, base, start, end, window, threshold,
            sort_within, codes, date_final, imputed, imputed_codes, imputed_final,
            imputed_day,
        )  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _classify_persons_serial(
    chunks: int,
    longest: int,
    packed: NDArray[np.int64],
    starts: NDArray[np.int64],
    base: int,
    start: int,
    end: int,
    window: int,
    threshold: int,
    sort_within: bool,
    codes: NDArray[np.int16],
    date_final: NDArray[np.int32],
    imputed: NDArray[np.bool_],
    imputed_codes: NDArray[np.int16],
    imputed_final: NDArray[np.int32],
    imputed_day: NDArray[np.int32],
) -> None:
    """The same on the calling thread: safe to call from several Python threads at once
    (Numba's pool is not re-entrant), for engines that run batches on threads."""
    for c in range(chunks):
        _classify_chunk(
            c, chunks, longest, packed, starts, base, start, end, window, threshold,
            sort_within, codes, date_final, imputed, imputed_codes, imputed_final,
            imputed_day,
        )  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _longest(starts: NDArray[np.int64]) -> int:
    """The most rows of any one person (``np.diff(starts).max()`` without its copy)."""
    most = 1
    for g in range(len(starts) - 1):
        most = max(most, starts[g + 1] - starts[g])
    return most


def classify_grouped(
    grouped: Grouped,
    *,
    start: int,
    end: int,
    window: int,
    threshold: int,
    sorted_by_day: bool = False,
    threads: int | None = None,
) -> RowResults:
    """Classify every row of ``grouped``; results are indexed by input row.

    Unless ``sorted_by_day``, each person's rows are first put in date order (ties keep
    row order; ``grouped.packed`` is sorted in place). ``threads`` 1 runs on the calling
    thread only (for callers that run batches on threads of their own).
    """
    load_target()
    n = len(grouped.packed)
    # Every row is written once; the imputed arrays only where `imputed` (zeroed pages
    # cost nothing until touched, and first touches are a good part of the run time).
    codes = np.empty(n, np.int16)
    date_final = np.empty(n, np.int32)
    imputed = np.zeros(n, np.bool_)
    imputed_codes = np.zeros(n, np.int16)
    imputed_final = np.zeros(n, np.int32)
    imputed_day = np.zeros(n, np.int32)
    persons = len(grouped.starts) - 1
    # Enough chunks to balance uneven histories, few enough to amortise the scratch.
    chunks = 1 if threads == 1 else max(1, min(persons, 64 * numba.get_num_threads()))
    if persons > 0:
        runner = _classify_persons if chunks > 1 else _classify_persons_serial
        longest = _longest(grouped.starts)
        runner(
            chunks, longest, grouped.packed, grouped.starts, grouped.base, start, end,
            window, threshold, not sorted_by_day, codes, date_final, imputed,
            imputed_codes, imputed_final, imputed_day,
        )  # fmt: skip
    return RowResults(codes, date_final, imputed, imputed_codes, imputed_final, imputed_day)


def classify_rows(
    person: NDArray[np.int64],
    day: NDArray[np.int32],
    arrival: NDArray[np.bool_],
    given: NDArray[np.int8],
    *,
    start: int,
    end: int,
    window: int,
    threshold: int,
) -> RowResults:
    """Classify rows of any order, ``person`` being non-negative integer codes."""
    return classify_grouped(
        group(person, day, arrival, given),
        start=start, end=end, window=window, threshold=threshold,
    )  # fmt: skip
