"""An attacker, written apart from the package: what can be derived about suppressed cells.

Given a published (protected) table, it rebuilds the additive equations from the codes
alone (a cell with ``_T`` in a dimension is the sum of the cells that differ from it only
there; or the given hierarchies), then for each suppressed cell solves two integer
programs (lowest and highest value) with :func:`scipy.optimize.milp`: published cells
fixed, every count a non-negative whole number, cells flagged A in ``1..n-1``, cells
flagged D either 0 or at least ``n``. It shares no code with ``migstats.disclosure``
beyond reading the table, so the tests do not grade the package with its own method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from migstats.stats.cube import ObservationTable

TOTAL = "_T"
BOUND = 100_000  # above any count in the test tables (see feasible_intervals)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def equations(
    table: ObservationTable, hierarchies: Mapping[str, Mapping[str, Sequence[str]]] = {}
) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """(parent key, child keys) for every additive relation present in the table."""
    dims = [d for d in table.dimensions if d in table.data.column_names]
    rows = table.data.select(dims).to_pylist()
    keys = {tuple(r[d] for d in dims) for r in rows}
    found = []
    for i, d in enumerate(dims):
        codes = {k[i] for k in keys}
        relations = hierarchies.get(d) or (
            {TOTAL: [c for c in codes if c != TOTAL]} if TOTAL in codes else {}
        )
        for parent_code, children in relations.items():
            for key in keys:
                if key[i] != parent_code:
                    continue
                kids = [(*key[:i], c, *key[i + 1 :]) for c in children]
                kids = [k for k in kids if k in keys]
                if kids:
                    found.append((key, kids))
    return found


def feasible_intervals(
    table: ObservationTable,
    *,
    n: int,
    hierarchies: Mapping[str, Mapping[str, Sequence[str]]] = {},
    use_flags: bool = True,
) -> dict[tuple[str, ...], Interval]:
    """The exact range of every suppressed cell (null value, CONF_STATUS A or D)."""
    dims = [d for d in table.dimensions if d in table.data.column_names]
    rows = table.data.to_pylist()
    value = {tuple(r[d] for d in dims): r["OBS_VALUE"] for r in rows}
    flag = {tuple(r[d] for d in dims): r.get("CONF_STATUS", "F") for r in rows}
    unknown = sorted(k for k, v in value.items() if v is None and flag[k] in ("A", "D"))
    index = {k: i for i, k in enumerate(unknown)}
    u = len(unknown)
    gaps = [k for k in unknown if use_flags and flag[k] == "D"]
    g = len(gaps)
    # The attacker has no upper bound when a whole margin is suppressed (the published
    # cells may sum to 0): the bound only has to exceed every count in the test tables,
    # and stay small enough for the solver's integrality tolerance (z <= 1e-6 keeps y < 1).
    big = sum(v for v in value.values() if v is not None) + BOUND
    a_rows, lows, highs = [], [], []
    for parent, kids in equations(table, hierarchies):
        members = [(parent, -1.0)] + [(k, 1.0) for k in kids]
        if any(value[k] is None and k not in index for k, _ in members):
            continue  # a missing value (not suppressed): no equation
        coef = np.zeros(u + g)
        known = 0.0
        for k, c in members:
            if k in index:
                coef[index[k]] += c
            else:
                known += c * float(value[k])
        if coef.any():
            a_rows.append(coef)
            lows.append(-known)
            highs.append(-known)
    lower = np.zeros(u + g)
    upper = np.concatenate([np.full(u, big), np.ones(g)])
    for k in unknown:
        if use_flags and flag[k] == "A":
            lower[index[k]], upper[index[k]] = 1, n - 1
    for j, k in enumerate(gaps):  # y <= big * z, y >= n * z
        for sign_big in (True, False):
            gap_row = np.zeros(u + g)
            gap_row[index[k]] = 1.0
            gap_row[u + j] = -big if sign_big else -n
            a_rows.append(gap_row)
            lows.append(-np.inf if sign_big else 0.0)
            highs.append(0.0 if sign_big else np.inf)
    constraints = (
        [LinearConstraint(np.array(a_rows), np.array(lows), np.array(highs))] if a_rows else []
    )
    result = {}
    for k in unknown:
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(u + g)
            objective[index[k]] = sign
            res = milp(
                objective,
                integrality=np.ones(u + g),
                bounds=Bounds(lower, upper),
                constraints=constraints,
            )
            assert res.status == 0, f"attack infeasible for {k}: {res.message}"
            ends.append(sign * res.fun)
        result[k] = Interval(round(ends[0]), round(ends[1]))
    return result
