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
>>> from migstats.residence.persons import person_rows
>>> from migstats.residence.rule import ResidenceRule
>>> day = np.array([17167, 17177, 17237])  # 2017-01-01 ARR, 2017-01-11 DEP, 2017-03-12 ARR
>>> rows = person_rows(np.zeros(3, np.int64))
>>> out = window_outcomes(day, np.array([True, False, True]), rows, ResidenceRule(), 20000)
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

from migstats.residence.persons import PersonRows
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
    rows: PersonRows,
    rule: ResidenceRule,
    end: int,
) -> WindowOutcomes:
    """Classify every crossing's window; histories must alternate within each person."""
    n = len(day)
    if n == 0:
        return WindowOutcomes(np.zeros(0, np.int8), np.zeros(0, np.int64))
    w, t = rule.window_days, rule.threshold_days

    # Spell after each crossing, up to the person's next crossing (0 after the last).
    spell = np.zeros(n, dtype=np.int64)
    np.subtract(day[1:], day[:-1], out=spell[:-1])
    spell[rows.last] = 0
    spell *= arrival  # in-country spells only
    p = np.cumsum(spell)
    p -= spell  # in-country days before each row, over the whole batch ...
    p -= p[rows.start]  # ... and since the person's first crossing
    first_day = day[rows.start]
    q = day - first_day
    q -= p

    # Per-person keys stay below the next person's: targets never exceed span + W + 1.
    stride = int(day.max() - day.min()) + w + 2
    offset = rows.number * stride
    # Where a person's last spell is on one side, the other side's count stops growing.
    ends_abroad = rows.last & ~arrival
    ends_in_country = rows.last & arrival

    # Days needed in the country to decide: T for an arrival, W - T + 1 for a departure;
    # abroad the other way round.
    need_in = np.where(arrival, t, w - t + 1)
    need_out = (w + 1) - need_in

    # In-country time reaches p + need_in on first_day + q[k] + p + need_in, where k is
    # the last crossing with p[k] < p + need_in.
    keys = p + offset
    k = np.searchsorted(keys, keys + need_in, side="left")
    k -= 1
    in_day = q[k]
    in_day += first_day
    in_day += p
    in_day += need_in
    in_possible = ~ends_abroad[k]

    keys = q + offset
    k = np.searchsorted(keys, keys + need_out, side="left")
    k -= 1
    out_day = p[k]
    out_day += first_day
    out_day += q
    out_day += need_out
    out_possible = ~ends_in_country[k]

    horizon = np.minimum(day + w, end + 1)
    in_decides = in_possible & (in_day <= horizon)
    out_decides = out_possible & (out_day <= horizon)
    # An arrival qualifies on in-country days and fails on days abroad; a departure the
    # other way round. Both cannot happen inside one window.
    qualifies = np.where(arrival, in_decides, out_decides)
    fails = np.where(arrival, out_decides, in_decides)
    outcome = qualifies.astype(np.int8)
    outcome -= ~(qualifies | fails)
    decided_on = np.where(in_decides, in_day, np.where(out_decides, out_day, NO_DATE))
    return WindowOutcomes(outcome=outcome, decided_on=decided_on)
