"""Repair faulty travel histories by documented rules, before the rule runs.

Works on one batch of complete histories sorted by person, crossing date and input row
(the engine delivers them so). Three kinds of fault are repaired, every affected record
is flagged with a code from :data:`migstats.residence.rule.REPAIR_CODES`, and no record
is dropped from the output:

1. ``outside_period``: dated before the observation start or after its end. Left out of
   the computation, so a mistyped year cannot change anybody's other crossings.
2. ``duplicate``: same date and direction as the person's crossing just before it (after
   step 1). One record is kept (the first in input order); the copies follow it.
3. ``missing_dep_imputed`` / ``missing_arr_imputed``: two arrivals (or two departures) in
   a row, so a crossing in between was not recorded. The missing crossing is imputed at
   the midpoint date, rounded down, and takes part in the rule like any other; the record
   after it is flagged.

After these repairs every person's *effective history* (kept records plus imputed
crossings) alternates between arrivals and departures, which the prefix sums in
:mod:`migstats.residence.windows` rely on.

A missed crossing only shows when the record after it arrives, and its imputed date lies
before that record. So, for a faulty history only, data arriving after a cut-off can
revise a value that was decided at the cut-off; ``date_final`` is a promise about
histories that needed no repair (flagged rows say which did not).

>>> import numpy as np
>>> batch = SortedCrossings(
...     person=np.array([0, 0, 0, 0]),
...     day=np.array([10, 10, 20, 40]),
...     arrival=np.array([True, True, True, False]),
... )
>>> history = repair_histories(batch, start=0, end=100)
>>> history.day.tolist(), history.arrival.tolist()
([10, 15, 20, 40], [True, False, True, False])
>>> [REPAIR_NAMES[c] for c in history.repair]
[None, 'duplicate', 'missing_dep_imputed', None]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "REPAIR_NAMES",
    "RepairedHistories",
    "SortedCrossings",
    "repair_histories",
]

# Repair codes as stored in the int8 arrays; index 0 means "not repaired".
NOT_REPAIRED: Final = 0
DUPLICATE: Final = 1
MISSING_DEP_IMPUTED: Final = 2
MISSING_ARR_IMPUTED: Final = 3
OUTSIDE_PERIOD: Final = 4
REPAIR_NAMES: Final = (
    None,
    "duplicate",
    "missing_dep_imputed",
    "missing_arr_imputed",
    "outside_period",
)

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class SortedCrossings:
    """One batch of complete histories, sorted by person, date and input row.

    ``person`` is any integer label that changes exactly where the person changes
    (the engine passes the position of each person in the batch); ``day`` counts days
    since 1970-01-01; ``arrival`` is true for ``ARR``.
    """

    person: IntArray
    day: IntArray
    arrival: BoolArray


@dataclass(frozen=True, slots=True)
class RepairedHistories:
    """The effective histories and how each input record maps onto them.

    Effective arrays (``day``, ``arrival``, ``person``, ``imputed``) hold the kept
    records and the imputed crossings in history order. ``position`` gives, for every
    input record, the effective crossing whose classification it reports (its own, or
    the kept record it duplicates); ``-1`` for records outside the period.
    """

    day: IntArray
    arrival: BoolArray
    person: IntArray
    imputed: BoolArray
    position: IntArray
    repair: NDArray[np.int8]
    #: for each imputed crossing, the input record that follows it (and is flagged)
    imputed_before: IntArray


def repair_histories(batch: SortedCrossings, start: int, end: int) -> RepairedHistories:
    """Apply the repair rules to a sorted batch; see the module docstring."""
    n = len(batch.day)
    repair = np.zeros(n, dtype=np.int8)

    in_period = (batch.day >= start) & (batch.day <= end)
    if _nothing_to_repair(batch, in_period):
        return RepairedHistories(
            day=batch.day,
            arrival=batch.arrival,
            person=batch.person,
            imputed=np.zeros(n, dtype=np.bool_),
            position=np.arange(n, dtype=np.int64),
            repair=repair,
            imputed_before=np.zeros(0, dtype=np.int64),
        )
    repair[~in_period] = OUTSIDE_PERIOD
    rows = np.flatnonzero(in_period)
    person, day, arrival = batch.person[rows], batch.day[rows], batch.arrival[rows]

    same_person = np.zeros(len(rows), dtype=np.bool_)
    same_person[1:] = person[1:] == person[:-1]
    duplicate = np.zeros(len(rows), dtype=np.bool_)
    duplicate[1:] = same_person[1:] & (day[1:] == day[:-1]) & (arrival[1:] == arrival[:-1])
    repair[rows[duplicate]] = DUPLICATE

    # A copy shares the date and direction of its predecessor, so comparing each kept
    # record with its predecessor in `rows` finds the missing crossings too.
    missing = np.zeros(len(rows), dtype=np.bool_)
    missing[1:] = same_person[1:] & (arrival[1:] == arrival[:-1]) & ~duplicate[1:]
    midpoint = np.zeros(len(rows), dtype=np.int64)
    midpoint[1:] = day[:-1] + (day[1:] - day[:-1]) // 2
    repair[rows[missing & arrival]] = MISSING_DEP_IMPUTED
    repair[rows[missing & ~arrival]] = MISSING_ARR_IMPUTED

    kept = ~duplicate
    # Each kept record moves down by the number of crossings imputed up to it.
    shift = np.cumsum(missing)
    kept_position = np.arange(int(kept.sum()), dtype=np.int64) + shift[kept]
    imputed_position = kept_position[missing[kept]] - 1
    size = int(kept.sum() + missing.sum())

    eff_day = np.empty(size, dtype=np.int64)
    eff_arrival = np.empty(size, dtype=np.bool_)
    eff_person = np.empty(size, dtype=np.int64)
    eff_imputed = np.zeros(size, dtype=np.bool_)
    eff_day[kept_position] = day[kept]
    eff_arrival[kept_position] = arrival[kept]
    eff_person[kept_position] = person[kept]
    eff_day[imputed_position] = midpoint[missing]
    eff_arrival[imputed_position] = ~arrival[missing]
    eff_person[imputed_position] = person[missing]
    eff_imputed[imputed_position] = True

    # A copy reports the kept record it follows: the last kept one at or before it.
    last_kept = np.cumsum(kept) - 1
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = kept_position[last_kept]

    return RepairedHistories(
        day=eff_day,
        arrival=eff_arrival,
        person=eff_person,
        imputed=eff_imputed,
        position=position,
        repair=repair,
        imputed_before=rows[missing],
    )


def _nothing_to_repair(batch: SortedCrossings, in_period: BoolArray) -> bool:
    """The common case, checked cheaply: all in the period and alternating."""
    if not in_period.all():
        return False
    # Within a person, consecutive crossings in the same direction (copies included).
    repeated = batch.arrival[1:] == batch.arrival[:-1]
    repeated &= batch.person[1:] == batch.person[:-1]
    return not repeated.any()
