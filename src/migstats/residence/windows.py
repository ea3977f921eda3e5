"""Window outcomes: does the ``W``-day window after each crossing meet the threshold?

For crossing ``i`` on day ``d`` the window is ``[d, d + W)``. An arrival *qualifies* when
at least ``T`` of those days are spent in the country, a departure when at least ``T`` are
spent abroad; equivalently, it *fails* once more than ``W - T`` days fall on the wrong
side. With an observation end ``E`` (days up to and including ``E`` are observed) the
outcome is decided as soon as either count is reached inside ``[d, min(d + W, E + 1))``
and unknown otherwise. Nothing after ``E`` is assumed.

How it is computed, with no loop over persons or crossings: in an effective history
(which alternates, see :mod:`migstats.residence.repair`) let ``P_i`` and ``Q_i`` be the
days spent in the country and abroad between the person's first crossing (day ``d_1``)
and crossing ``i``: prefix sums of the spells. In-country time reaches ``P_i + a`` on day
``d_1 + Q_k + P_i + a``, where ``k`` is the last crossing with ``P_k < P_i + a``: one
as-of lookup (a binary search on per-person keys). Abroad time mirrors it with ``P`` and
``Q`` swapped. That day is the qualifying (or failing) date itself, so the same lookups
give ``date_final``: the first day from which no later data can change the outcome.

>>> import numpy as np
>>> from migstats.residence.rule import ResidenceRule
>>> day = np.array([17167, 17177, 17237])  # 2017-01-01 ARR, 2017-01-11 DEP, 2017-03-12 ARR
>>> out = window_outcomes(day, np.array([True, False, True]), np.zeros(3, np.int64),
...                       ResidenceRule(), end=20000)
>>> out.outcome.tolist()  # qualifies, fails, qualifies
[1, 0, 1]
>>> (out.decided_on - 17167).tolist()  # 365 days in after 60 out; 123 in after the DEP
[425, 193, 435]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from migstats.residence.rule import ResidenceRule

__all__ = ["NO_DATE", "WindowOutcomes", "window_outcomes"]

#: Stands for "no date" in day arrays; below every real day so it never wins a maximum.
NO_DATE: Final = -(2**62)

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class WindowOutcomes:
    """Per effective crossing: ``outcome`` 1 qualifies, 0 fails, -1 unknown, and
    ``decided_on``, the day from which it is certain (``NO_DATE`` when unknown)."""

    outcome: NDArray[np.int8]
    decided_on: IntArray


def window_outcomes(
    day: IntArray,
    arrival: BoolArray,
    person: IntArray,
    rule: ResidenceRule,
    end: int,
) -> WindowOutcomes:
    """Classify every crossing's window; histories must alternate within each person."""
    n = len(day)
    if n == 0:
        return WindowOutcomes(np.zeros(0, np.int8), np.zeros(0, np.int64))
    first = np.ones(n, dtype=np.bool_)
    first[1:] = person[1:] != person[:-1]
    starts = np.flatnonzero(first)
    person_index = np.cumsum(first) - 1
    start_of_row = starts[person_index]
    last = np.zeros(n, dtype=np.bool_)
    last[starts[1:] - 1] = True
    last[-1] = True

    # Spell after each crossing, up to the person's next crossing (0 after the last).
    spell = np.zeros(n, dtype=np.int64)
    spell[:-1] = np.where(last[:-1], 0, day[1:] - day[:-1])
    in_country = np.where(arrival, spell, 0)
    running = np.cumsum(in_country) - in_country  # in-country days before each row
    p = running - running[start_of_row]
    q = (day - day[start_of_row]) - p

    w, t = rule.window_days, rule.threshold_days
    # Per-person keys stay below the next person's: targets never exceed span + W + 1.
    stride = int(day.max() - day.min()) + w + 2
    offset = person_index * stride

    def reached_in_country(extra: IntArray) -> tuple[IntArray, BoolArray]:
        target = p + extra
        k = np.searchsorted(p + offset, target + offset, side="left") - 1
        # Ending abroad with fewer in-country days than the target: never reached.
        possible = ~(last[k] & ~arrival[k])
        return day[start_of_row] + q[k] + target, possible

    def reached_abroad(extra: IntArray) -> tuple[IntArray, BoolArray]:
        target = q + extra
        k = np.searchsorted(q + offset, target + offset, side="left") - 1
        possible = ~(last[k] & arrival[k])
        return day[start_of_row] + p[k] + target, possible

    need = np.where(arrival, t, w - t + 1)  # days in the country that decide
    in_day, in_possible = reached_in_country(need)
    need = np.where(arrival, w - t + 1, t)  # days abroad that decide
    out_day, out_possible = reached_abroad(need)

    qualify_day = np.where(arrival, in_day, out_day)
    qualify_possible = np.where(arrival, in_possible, out_possible)
    fail_day = np.where(arrival, out_day, in_day)
    fail_possible = np.where(arrival, out_possible, in_possible)

    horizon = np.minimum(day + w, end + 1)
    qualifies = qualify_possible & (qualify_day <= horizon)
    fails = fail_possible & (fail_day <= horizon)
    outcome = np.where(qualifies, 1, np.where(fails, 0, -1)).astype(np.int8)
    decided_on = np.where(qualifies, qualify_day, np.where(fails, fail_day, NO_DATE))
    return WindowOutcomes(outcome=outcome, decided_on=decided_on.astype(np.int64))
