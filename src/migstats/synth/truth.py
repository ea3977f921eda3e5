"""The truth: each person's true residence status, computed on complete histories.

This is the reference implementation of the outcomes-based rule (DOMAIN.md section 3)
that the synthetic country's truth uses. It is deliberately independent of the
production engine in :mod:`migstats.residence` (plain NumPy, complete histories, no
observation end) so that comparing the two tests both.

>>> import numpy as np
>>> d = np.array([0, 10], np.int32)          # ARR day 0, DEP day 10
>>> before, after, lt = residence_truth(np.array([1, 1]), d, np.array([1, 0], np.int8),
...     np.array([False, False]), 487, 365)
>>> before.tolist(), after.tolist(), lt.tolist()
([0, 0], [0, 0], [False, False])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def residence_truth(
    person: npt.NDArray[np.int64],
    day: npt.NDArray[np.int32],
    is_arrival: npt.NDArray[np.int8],
    initial_resident: npt.NDArray[np.bool_],
    window: int,
    threshold: int,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """Status before and after (1 resident, 0 not) and the long-term flag of each crossing.

    ``person``/``day`` must be sorted by person then day, with each person's history
    complete (no crossing missing after the last one given). ``initial_resident`` is the
    person's status before their first crossing, repeated on each of their rows.
    """
    n = len(person)
    if n == 0:
        empty = np.empty(0, np.int8)
        return empty, empty, np.empty(0, bool)
    first = np.concatenate(([True], person[1:] != person[:-1]))
    last = np.concatenate((person[1:] != person[:-1], [True]))
    d = day.astype(np.int64)
    arr = is_arrival.astype(bool)
    # In-country days of the spell that each crossing opens (0 after a departure).
    nxt = np.concatenate((d[1:], [0]))
    spell = np.where(arr & ~last, nxt - d, 0)
    total = np.cumsum(spell)
    starts = np.flatnonzero(first)
    base = np.repeat(np.concatenate(([0], total))[starts], np.diff(np.append(starts, n)))
    cum_before = total - spell - base  # in-country days from the first crossing to d
    # In-country days up to d + W: the last crossing before that day, then its open spell.
    key = person.astype(np.int64) * (1 << 32) + d
    j = np.searchsorted(key, person.astype(np.int64) * (1 << 32) + d + window, side="left") - 1
    tail = np.where(arr[j], d + window - d[j], 0)
    in_window = cum_before[j] + tail - cum_before
    qualifies = np.where(arr, in_window >= threshold, window - in_window >= threshold)
    set_to = np.where(qualifies, arr.astype(np.int8), np.int8(-1))
    # Forward fill the set values per person, starting from the initial status.
    initial = initial_resident.astype(np.int8)
    run_id = np.cumsum(first) - 1
    # The last index (anywhere) that set a value; it counts only if it is this person's.
    filled = np.maximum.accumulate(np.where(set_to >= 0, np.arange(n), -1))
    use_set = filled >= starts[run_id]
    after = np.where(use_set, set_to[np.maximum(filled, 0)], initial).astype(np.int8)
    before = np.concatenate(([0], after[:-1])).astype(np.int8)
    before = np.where(first, initial, before).astype(np.int8)
    return before, after, before != after


def status_on(
    person_ids: npt.NDArray[np.int64],
    c_person: npt.NDArray[np.int64],
    c_day: npt.NDArray[np.int32],
    c_value: npt.NDArray[np.int8],
    initial: npt.NDArray[np.int8],
    ref_day: int,
) -> npt.NDArray[np.int8]:
    """Per person: the value after their last crossing on or before ``ref_day``, else
    ``initial`` (crossings sorted by person then day; ``person_ids`` are 0..n-1)."""
    key = c_person.astype(np.int64) * (1 << 32) + c_day
    j = np.searchsorted(key, person_ids.astype(np.int64) * (1 << 32) + ref_day, side="right") - 1
    valid = (j >= 0) & (c_person[np.maximum(j, 0)] == person_ids)
    return np.where(valid, c_value[np.maximum(j, 0)], initial).astype(np.int8)
