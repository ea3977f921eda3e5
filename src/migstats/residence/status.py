"""Residence status before and after each crossing, in three-valued logic.

Codes: 1 resident, 0 non-resident, -1 unknown. Working along each person's effective
history from the initial status:

- a crossing whose window *qualifies* sets the status to its side (resident after an
  arrival, non-resident after a departure), whatever the status before;
- a crossing whose window *fails* leaves the status as it was;
- a crossing with an *unknown* window leaves the status alone if it already is on the
  crossing's side (an arrival by a resident changes nothing) and makes it unknown
  otherwise.

So the status after crossing ``i`` is the side of the last qualifying crossing at or
before ``i`` (or the initial status), unless an unknown crossing towards the other side
came after it: two running maxima and a forward fill, no loop. A crossing is a long-term
migration when it qualifies and the status before it was the other side; it is certainly
not one when it fails or when the status before was already its side.

``date_final`` of a row is the first day from which none of its three values (status
before, status after, long-term flag) can change with later data, and is set when all
three are decided. A qualifying change of status is final when its own window is decided;
a failed attempt to change it keeps the status final only once both that failure and the
status before are; a crossing on the side the person is already on adds nothing. This is
a running maximum that restarts at every change of status. It is never earlier than the
crossing itself, and it is the earliest such day whenever ``T > W / 2`` (both UN options):
then a crossing on the side the person is already on can never be decided before the
status it confirms, so ignoring it loses nothing.

>>> import numpy as np
>>> from migstats.residence.persons import person_rows
>>> s = residence_statuses(
...     outcome=np.array([1, 0, 1], np.int8), decided_on=np.array([425, 193, 435]),
...     day=np.array([0, 10, 70]), arrival=np.array([True, False, True]),
...     rows=person_rows(np.zeros(3, np.int64)), initial=np.zeros(3, np.int8))
>>> s.before.tolist(), s.after.tolist(), s.long_term.tolist(), s.date_final.tolist()
([0, 1, 1], [1, 1, 1], [1, 0, 0], [425, 425, 425])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from migstats.residence.persons import PersonRows
from migstats.residence.windows import NO_DATE

__all__ = ["ResidenceStatuses", "residence_statuses"]

IntArray = NDArray[np.int64]
CodeArray = NDArray[np.int8]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ResidenceStatuses:
    """Per effective crossing: status codes, long-term flag (1, 0, -1) and finality days.

    ``after_final`` is the day from which ``after`` can no longer change (``NO_DATE``
    when it is unknown or was never in doubt); ``date_final`` is the row's final day.
    """

    before: CodeArray
    after: CodeArray
    long_term: CodeArray
    after_final: IntArray
    date_final: IntArray


def residence_statuses(
    outcome: CodeArray,
    decided_on: IntArray,
    day: IntArray,
    arrival: BoolArray,
    rows: PersonRows,
    initial: CodeArray,
) -> ResidenceStatuses:
    """Statuses for effective histories; ``initial`` is the person's initial status,
    repeated on each of their rows."""
    n = len(outcome)
    if n == 0:
        empty = np.zeros(0, dtype=np.int8)
        none = np.zeros(0, dtype=np.int64)
        return ResidenceStatuses(empty, empty, empty, none, none)
    row = np.arange(n, dtype=np.int64)
    side = arrival.view(np.int8)
    known = outcome >= 0

    # Last qualifying crossing so far; rows before the person's first row do not count.
    last_set = np.maximum.accumulate(np.where(outcome == 1, row, -1))
    has_set = last_set >= rows.start
    value = np.where(has_set, side[last_set], initial)
    since = np.where(has_set, last_set, rows.start - 1)
    unknown_arrival = np.maximum.accumulate(np.where(~known & arrival, row, -1))
    unknown_departure = np.maximum.accumulate(np.where(~known & ~arrival, row, -1))
    contradicted = np.where(value == 1, unknown_departure, unknown_arrival) > since
    after = np.where(contradicted, np.int8(-1), value).astype(np.int8, copy=False)

    before = np.empty(n, dtype=np.int8)
    before[1:] = after[:-1]
    before[rows.first] = initial[rows.first]

    # Not in the migrating direction (already on the crossing's side): never long-term.
    on_side = before == side
    other_side = before == 1 - side
    qualifies = outcome == 1
    long_term = np.where(qualifies, other_side.view(np.int8), np.int8(0))
    # Unknown: an unknown window, or a qualifying one after an unknown status.
    long_term[~on_side & (outcome != 0) & ~(qualifies & other_side)] = -1

    # Finality of `after`: a running max of the deciding days that restarts at each
    # change of status (a qualifying crossing not already on its side).
    change = qualifies & ~on_side
    failed_change = (outcome == 0) & other_side
    segment = np.cumsum(change | rows.first)
    base = int(day.min()) - 1
    stride = int(max(int(decided_on.max()), int(day.max()))) - base + 1
    running = segment * stride
    contributes = change | failed_change
    running[contributes] += decided_on[contributes] - base
    np.maximum.accumulate(running, out=running)
    running -= segment * stride
    after_final = np.where(running == 0, NO_DATE, running + base)

    before_final = np.empty(n, dtype=np.int64)
    before_final[1:] = after_final[:-1]
    before_final[rows.first] = NO_DATE

    decided = (before >= 0) & (after >= 0) & (long_term >= 0)
    row_final = np.maximum(np.maximum(after_final, before_final), day)
    date_final = np.where(decided, row_final, NO_DATE)
    return ResidenceStatuses(
        before=before,
        after=after,
        long_term=long_term,
        after_final=after_final,
        date_final=date_final,
    )
