"""Threshold rule: primary and secondary suppression, with a proof that holds.

1. **Primary**: every cell with ``0 < value < n`` is suppressed, ``CONF_STATUS`` A;
   zeros too when the rule says zeros are not safe.
2. **Secondary** (``CONF_STATUS`` D): each suppressed cell not yet inside a wide enough
   cube of suppressed cells (:mod:`.moves`) gets the cheapest such cube (the hypercube
   method); then, vectorised, while some equation (a margin and its children) has
   exactly one suppressed cell, which the margin would give away, the cheapest other
   cell of that equation is suppressed too. Cheapest: the smallest value that still
   leaves room (at least ``n`` plus the protection width); zeros last.
3. **Proof**: :func:`migstats.disclosure.ranges.feasible_ranges` finds, for every
   suppressed cell, what an attacker can derive from the published cells, the equations
   and the flags (hypercube moves as cheap certificates, linear and mixed-integer
   programs for the rest). A cell whose range is narrower than required gets a cube,
   else the cheapest published cell sharing an equation with it (or, when its
   equations are all suppressed, the nearest published cell linked to it); steps 2-3
   repeat until every range is wide enough.

Required width: ``protection`` x ``n`` (at least 1) for primary cells, 1 for secondary
cells (never a single value; half a person in tables of estimates). Where even
suppressing every linked cell cannot give a primary cell its full width (the flags
alone bound it: seven small cells under a total of 9 leave each at most 3), the cell
must still never be pinned, and the record counts such cells.

>>> import pyarrow as pa
>>> from migstats.disclosure.rules import ThresholdRule
>>> from migstats.disclosure.structure import Cells, additive_equations
>>> data = pa.table({"SEX": ["F", "M", "_T"], "AGE": ["_T"] * 3,
...                  "OBS_VALUE": [3.0, 40.0, 43.0]})
>>> cells = Cells.of("t", ("SEX", "AGE"), data)
>>> rule = ThresholdRule(method="threshold", n=10)
>>> result = suppress(cells, rule, additive_equations(cells, {}))
>>> result.status.tolist()
['A', 'D', 'F']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from migstats.disclosure.moves import Moves
from migstats.disclosure.ranges import FloatArray, Knowledge, Ranges, feasible_ranges
from migstats.disclosure.rules import ThresholdRule
from migstats.disclosure.structure import BoolArray, Cells, Equations, IntArray
from migstats.errors import UserInputError

__all__ = [
    "FREE",
    "PRIMARY",
    "SECONDARY",
    "Suppression",
    "attacker_knowledge",
    "needed_width",
    "primary",
    "suppress",
]

log = logging.getLogger("migstats.disclosure.suppression")

#: SDMX CL_CONF_STATUS codes.
FREE, PRIMARY, SECONDARY = "F", "A", "D"
_LAST_RESORT = 1e15
_MAX_ROUNDS = 10_000


@dataclass(frozen=True)
class Suppression:
    """``status`` per cell (F, A or D), the attack's ranges at the end, and the cells
    whose range could only be kept from being a single value (``limited``: no further
    suppression widens it, the flags themselves bound it)."""

    status: NDArray[np.str_]
    ranges: Ranges
    rounds: int
    limited: BoolArray


def primary(cells: Cells, rule: ThresholdRule, *, derived: BoolArray | None = None) -> BoolArray:
    """Cells under the threshold: ``0 < value < n`` (and zeros, if they are not safe)."""
    counted = ~np.isnan(cells.value) if derived is None else ~np.isnan(cells.value) & ~derived
    small = (cells.value > 0) & (cells.value < rule.n)
    if not rule.zeros_safe:
        small |= cells.value == 0
    return np.asarray(small & counted)


def attacker_knowledge(
    cells: Cells, rule: ThresholdRule, status: NDArray[np.str_], *, integer: bool
) -> Knowledge:
    """What the flags tell: A cells hold a small count (``1..n-1``; ``0..n`` if values
    need not be whole), D cells are zero or at least ``n`` (at least ``n`` if zeros are
    suppressed). A table that takes another's pattern (``pattern_from``, an estimate of
    that table's counts) only tells that A cells estimate small counts: ``0..n``, or up
    to the largest such estimate when an estimate adds persons the counts do not show
    (5.2 adds the undocumented stayers the census missed, so it can exceed 5.1)."""
    size = len(cells)
    low, high = np.zeros(size), np.full(size, np.inf)
    gap = np.zeros(size, dtype=bool)
    is_a, is_d = status == PRIMARY, status == SECONDARY
    if rule.pattern_from is not None:
        values = cells.value[is_a]
        finite = values[np.isfinite(values)]
        high[is_a] = max(float(rule.n), float(finite.max())) if len(finite) else rule.n
        return Knowledge(low, high, gap, float(rule.n), integer)
    low[is_a] = 1.0 if (rule.zeros_safe and integer) else 0.0
    high[is_a] = rule.n - 1 if integer else rule.n
    if rule.zeros_safe:
        gap[is_d] = True
    else:
        low[is_d] = rule.n
    return Knowledge(low, high, gap, float(rule.n), integer)


def needed_width(
    rule: ThresholdRule, status: NDArray[np.str_], *, integer: bool = True
) -> FloatArray:
    """Width each suppressed cell's range must reach (0 for published cells): primary
    cells ``protection`` x ``n`` (at least 1), secondary cells 1 (two whole numbers at
    least; half a person in tables of estimates)."""
    need = np.zeros(len(status))
    need[status == PRIMARY] = max(1.0, rule.protection * rule.n)
    need[status == SECONDARY] = 1.0 if integer else 0.5
    return need


def _cost(cells: Cells, rule: ThresholdRule, eligible: BoolArray) -> FloatArray:
    """Cost of suppressing each cell as a complement (inf where not allowed)."""
    value = np.nan_to_num(cells.value, nan=np.inf)
    room = rule.n + rule.protection * rule.n
    cost = np.where(value >= room, value, value + _LAST_RESORT / 1e3)
    cost = np.where(value > 0, cost, _LAST_RESORT)
    return np.where(eligible, cost, np.inf)


def _complete_equations(
    incidence: sparse.csr_array, suppressed: BoolArray, cost: FloatArray
) -> BoolArray:
    """Until no equation has exactly one suppressed cell, suppress each such equation's
    cheapest other cell (all equations of a round at once)."""
    suppressed = suppressed.copy()
    coo = incidence.tocoo()
    eq_of, cell_of = coo.row.astype(np.int64), coo.col.astype(np.int64)
    for _ in range(_MAX_ROUNDS):
        alone = (incidence @ suppressed.astype(np.float64)) == 1
        pick = alone[eq_of] & ~suppressed[cell_of] & np.isfinite(cost[cell_of])
        if not pick.any():
            return suppressed
        eqs, members = eq_of[pick], cell_of[pick]
        order = np.lexsort((members, cost[members], eqs))
        eqs, members = eqs[order], members[order]
        first = np.concatenate([[True], eqs[1:] != eqs[:-1]])
        suppressed[members[first]] = True
    raise RuntimeError("secondary suppression did not converge")


def _bounds_if_suppressed(
    cells: Cells, rule: ThresholdRule, status: NDArray[np.str_], *, integer: bool
) -> tuple[FloatArray, FloatArray]:
    """Bounds of every cell as the attacker would know them were it suppressed, kept on
    the side of the gap where its true value is (as in the restricted program)."""
    as_secondary = np.where(status == FREE, SECONDARY, status)
    knowledge = attacker_knowledge(cells, rule, as_secondary, integer=integer)
    low, high = knowledge.low.copy(), knowledge.high.copy()
    value = np.nan_to_num(cells.value)
    high[knowledge.gap & (value <= 0)] = 0.0
    above = knowledge.gap & (value > 0)
    low[above] = np.maximum(low[above], knowledge.gap_from)
    return low, high


def _add_hypercubes(
    moves: Moves,
    cells: Cells,
    todo: IntArray,
    status: NDArray[np.str_],
    usable: BoolArray,
    bounds: tuple[FloatArray, FloatArray],
    cost: FloatArray,
    need: FloatArray,
) -> None:
    """For each cell of ``todo`` not yet inside a wide enough cube of suppressed cells,
    suppress the published corners of the cheapest cube that is (hypercube method)."""
    point = np.nan_to_num(cells.value)
    low, high = bounds
    for j in todo.tolist():
        suppressed = status != FREE
        up, down, _ = moves.widest(j, suppressed, point, low, high, need=need[j])
        if up + down >= need[j] - 1e-9:
            continue
        corners = moves.cheapest(
            j, usable & ~suppressed, suppressed, point, low, high, cost, float(need[j])
        )
        if corners is not None:
            status[corners] = SECONDARY


def _complements_for(
    incidence: sparse.csr_array, failing: IntArray, suppressed: BoolArray, cost: FloatArray
) -> IntArray:
    """For each failing cell, the cheapest published cell sharing an equation with it;
    if its equations are all suppressed, with the suppressed cells it is linked to
    (breadth first: the nearest published cells that can widen its range)."""
    size = incidence.shape[1]
    allowed = ~suppressed & np.isfinite(cost)
    if not allowed.any() or len(failing) == 0:
        return np.zeros(0, dtype=np.int64)
    to_equations = sparse.csr_array(incidence.T)
    reach = sparse.csr_array(
        (np.ones(len(failing)), (np.arange(len(failing)), failing)), shape=(len(failing), size)
    )
    chosen: list[IntArray] = []
    for _ in range(_MAX_ROUNDS):
        members = ((reach @ to_equations) @ incidence).tocoo()
        rows, cols = members.row.astype(np.int64), members.col.astype(np.int64)
        published = allowed[cols]
        r, c = rows[published], cols[published]
        order = np.lexsort((c, cost[c], r))
        r, c = r[order], c[order]
        chosen.append(c[np.concatenate([[True], r[1:] != r[:-1]])] if len(r) else c)
        pending = np.setdiff1d(np.arange(reach.shape[0]), r)
        if len(pending) == 0:
            break
        linked = ~published
        grown = sparse.csr_array(
            (np.ones(int(linked.sum())), (rows[linked], cols[linked])), shape=reach.shape
        )
        wider = sparse.csr_array(((reach + grown) > 0).astype(np.float64))[pending]
        if wider.nnz == reach[pending].nnz:
            break  # nothing more to reach
        reach = wider
    return np.unique(np.concatenate(chosen))


def suppress(
    cells: Cells,
    rule: ThresholdRule,
    eqs: Equations,
    *,
    derived: BoolArray | None = None,
    imported: NDArray[np.str_] | None = None,
    exact: bool = False,
) -> Suppression:
    """Primary and secondary suppression of ``cells`` under ``rule``, proven against
    the equations ``eqs``. ``imported``: with ``pattern_from``, the ``CONF_STATUS`` of
    each cell in the source table: the pattern to start from instead of this table's
    own primary cells (its values estimate the source's counts).
    ``exact``: prove ranges with the full mixed-integer program for every cell the cheap
    one leaves open (slower; fewer complementary cells)."""
    size = len(cells)
    derived = np.zeros(size, dtype=bool) if derived is None else derived
    counted = ~derived & ~np.isnan(cells.value)
    negative = np.flatnonzero(counted & (cells.value < 0))
    if len(negative):
        raise UserInputError(
            f"Table {cells.table_id} cannot take {rule.method}(n={rule.n})",
            f"cell {cells.label(int(negative[0]))} is negative ({cells.value[negative[0]]:g})",
            "declare signed cells as derived (balance) in the rule, or use rounding",
        )
    integer = cells.is_integer(counted)
    status = np.full(size, FREE, dtype="<U1")
    if imported is not None:
        status[counted] = imported[counted]
    else:
        status[primary(cells, rule, derived=derived)] = PRIMARY
    incidence = sparse.csr_array(abs(eqs.matrix)) if len(eqs) else sparse.csr_array((0, size))
    cost = _cost(cells, rule, counted)
    usable = counted & (np.nan_to_num(cells.value) > 0)
    bounds = _bounds_if_suppressed(cells, rule, status, integer=integer)
    start = np.nan_to_num(cells.value)
    memo: dict[bytes, tuple[FloatArray, FloatArray, BoolArray]] = {}
    moves = Moves(cells, eqs, integer=integer)
    todo = np.flatnonzero(status != FREE)
    # Cells whose full protection width the flags alone rule out (seven small cells under
    # a small total leave each at most total - 6): for them, never pinned is the aim.
    limited = np.zeros(size, dtype=bool)

    def widths() -> FloatArray:
        need = needed_width(rule, status, integer=integer)
        need[limited] = np.minimum(need[limited], 1.0)
        return need

    for rounds in range(1, _MAX_ROUNDS):
        _add_hypercubes(moves, cells, todo, status, usable, bounds, cost, widths())
        suppressed = _complete_equations(incidence, status != FREE, cost)
        status[suppressed & (status == FREE)] = SECONDARY
        knowledge = attacker_knowledge(cells, rule, status, integer=integer)
        need = widths()
        ranges = feasible_ranges(
            eqs,
            cells.value,
            status != FREE,
            knowledge,
            need=need,
            start=start,
            memo=memo,
            exact=exact,
            moves=moves,
        )
        if ranges.infeasible:
            raise RuntimeError(f"table {cells.table_id}: true values fail the attack model")
        failing = np.flatnonzero((status != FREE) & ~ranges.wide_enough)
        if len(failing) == 0:
            log.info(
                "table %s: %d primary, %d secondary cells, %d rounds",
                cells.table_id,
                int((status == PRIMARY).sum()),
                int((status == SECONDARY).sum()),
                rounds,
            )
            return Suppression(status, ranges, rounds, limited)
        before = int((status != FREE).sum())
        _add_hypercubes(moves, cells, failing, status, usable, bounds, cost, widths())
        todo = np.zeros(0, dtype=np.int64)
        if int((status != FREE).sum()) > before:
            continue
        more = _complements_for(incidence, failing, status != FREE, cost)
        if len(more) == 0:
            if not exact:  # the cheap proof may be too pessimistic: settle it exactly
                exact, memo = True, {}
                continue
            if not limited[failing].all():
                limited[failing] = True
                continue
            raise UserInputError(
                f"Table {cells.table_id} cannot be protected by {rule.method}(n={rule.n})",
                f"cell {cells.label(int(failing[0]))} stays recoverable from the margins"
                " even with every cell of its equations suppressed",
                "lower the rule's protection, or collapse categories before protecting",
            )
        status[more] = SECONDARY
    raise RuntimeError("suppression did not converge")
