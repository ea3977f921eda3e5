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
crossing itself.

>>> import numpy as np
>>> s = residence_statuses(
...     outcome=np.array([1, 0, 1], np.int8), decided_on=np.array([425, 193, 435]),
...     day=np.array([0, 10, 70]), arrival=np.array([True, False, True]),
...     person=np.zeros(3, np.int64), initial=np.zeros(3, np.int8))
>>> s.before.tolist(), s.after.tolist(), s.long_term.tolist(), s.date_final.tolist()
([0, 1, 1], [1, 1, 1], [1, 0, 0], [425, 425, 425])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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
    person: IntArray,
    initial: CodeArray,
) -> ResidenceStatuses:
    """Statuses for effective histories; ``initial`` is the person's initial status,
    repeated on each of their rows."""
    n = len(outcome)
    row = np.arange(n, dtype=np.int64)
    first = np.ones(n, dtype=np.bool_)
    first[1:] = person[1:] != person[:-1]
    start_of_row = np.maximum.accumulate(np.where(first, row, 0))
    side = arrival.astype(np.int8)

    # Last qualifying crossing so far; rows before the person's first row do not count.
    last_set = np.maximum.accumulate(np.where(outcome == 1, row, -1))
    has_set = last_set >= start_of_row
    value = np.where(has_set, side[last_set], initial)
    since = np.where(has_set, last_set, start_of_row - 1)
    unknown_arrival = np.maximum.accumulate(np.where((outcome == -1) & arrival, row, -1))
    unknown_departure = np.maximum.accumulate(np.where((outcome == -1) & ~arrival, row, -1))
    contradicted = np.where(value == 1, unknown_departure, unknown_arrival) > since
    after = np.where(contradicted, -1, value).astype(np.int8)

    before = np.empty(n, dtype=np.int8)
    before[1:] = after[:-1]
    before[first] = initial[first]

    other = 1 - side
    long_term = np.where(
        outcome == 1,
        np.where(before == other, 1, np.where(before == side, 0, -1)),
        np.where(outcome == 0, 0, np.where(before == side, 0, -1)),
    ).astype(np.int8)

    # Finality of `after`: a running max of the deciding days that restarts at each
    # change of status (a qualifying crossing not already on its side).
    change = (outcome == 1) & (before != side)
    failed_change = (outcome == 0) & (before == other)
    contributes = np.where(change | failed_change, decided_on, NO_DATE)
    segment = np.cumsum(change | first)
    base = int(day.min()) - 1 if n else 0
    stride = int(max(decided_on.max(initial=0), day.max(initial=0))) - base + 1 if n else 1
    shifted = np.where(contributes == NO_DATE, 0, contributes - base)
    running = np.maximum.accumulate(segment * stride + shifted) - segment * stride
    after_final = np.where(running == 0, NO_DATE, running + base)

    before_final = np.empty(n, dtype=np.int64)
    before_final[1:] = after_final[:-1]
    before_final[first] = NO_DATE

    decided = (before >= 0) & (after >= 0) & (long_term >= 0)
    row_final = np.maximum(np.maximum(after_final, before_final), day)
    date_final = np.where(decided, row_final, NO_DATE)
    return ResidenceStatuses(
        before=before,
        after=after,
        long_term=long_term,
        after_final=after_final.astype(np.int64),
        date_final=date_final.astype(np.int64),
    )
