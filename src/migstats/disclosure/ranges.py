"""What an attacker can derive about suppressed cells from what is published.

The attacker knows every published value, the additive equations of the table and the
flags: a primary cell (``CONF_STATUS`` A) holds a small count, a secondary cell (D) is
zero or at least ``n``, and counts are whole numbers. For each suppressed cell,
:func:`feasible_ranges` finds values it can take under all of that (a small
mixed-integer program per group of suppressed cells linked by equations, solved with
HiGHS through :func:`scipy.optimize.milp`) and reports whether the range is at least the
required width.

To keep this fast on big tables, a range is *certified* by two feasible points far enough
apart, and every point found widens the known range of every cell of its group. Points
come first from hypercube moves (:mod:`.moves`), then from a restricted linear program
(secondary cells kept on their side of the gap; in big groups, pieces of the group with
the rest held fixed), and only for cells still open from the full mixed-integer
program. Every point is checked exactly before it counts, so ranges found this way are
lower bounds of the true ranges: a cell reported wide enough is wide enough. With
``exact``, a cell reported too narrow is too narrow (its extremes come from the full
program); without it, the verdict may be pessimistic, which costs only extra
suppression.

>>> import numpy as np
>>> import pyarrow as pa
>>> from migstats.disclosure.structure import Cells, additive_equations
>>> data = pa.table({"SEX": ["F", "M", "_T"], "OBS_VALUE": [3.0, 4.0, 7.0]})
>>> cells = Cells.of("t", ("SEX",), data)
>>> eqs = additive_equations(cells, {})
>>> unknown = np.array([True, True, False])  # F and M suppressed, total published
>>> found = feasible_ranges(eqs, cells.value, unknown, Knowledge.counts(3, n=10),
...                         need=np.array([3.0, 3.0, 0.0]))
>>> found.low[:2].tolist(), found.high[:2].tolist(), bool(found.wide_enough[:2].all())
([0.0, 0.0], [7.0, 7.0], True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from migstats.disclosure.moves import Moves
from migstats.disclosure.structure import Equations

__all__ = ["Knowledge", "Ranges", "feasible_ranges"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
_EPS = 1e-6
#: Relative miss allowed in a row's sum for tables of estimates (published rounded).
_ROW_TOLERANCE = 1e-5
#: Cells per program when a group is big: pieces of the group, the rest held fixed.
CHUNK = 150


@dataclass(frozen=True)
class Knowledge:
    """What the attacker knows of each cell before the equations (used for unknowns).

    ``low``/``high``: bounds; ``gap``: the value is 0 or at least ``gap_from``
    (secondary cells under a threshold); ``integer``: values are whole numbers.
    """

    low: FloatArray
    high: FloatArray
    gap: BoolArray
    gap_from: float
    integer: bool

    @classmethod
    def counts(cls, size: int, *, n: float = 0.0, integer: bool = True) -> Knowledge:
        """Non-negative values with no other knowledge."""
        return cls(np.zeros(size), np.full(size, np.inf), np.zeros(size, bool), n, integer)


@dataclass(frozen=True)
class Ranges:
    """For every cell: the range found (nan for published cells) and whether it is at
    least the width needed. ``infeasible`` is set when the published values contradict
    the equations and the knowledge (no value fits)."""

    low: FloatArray
    high: FloatArray
    wide_enough: BoolArray
    infeasible: bool = False


def feasible_ranges(
    eqs: Equations,
    value: FloatArray,
    unknown: BoolArray,
    knowledge: Knowledge,
    *,
    need: FloatArray,
    start: FloatArray | None = None,
    memo: dict[bytes, tuple[FloatArray, FloatArray, BoolArray]] | None = None,
    exact: bool = True,
    moves: Moves | None = None,
) -> Ranges:
    """Ranges of the ``unknown`` cells given the published ``value`` of the others.

    ``need``: the width each unknown cell's range must reach. ``start``: the true values
    when known (the protector knows them; the gate does not), a first feasible point.
    ``memo``: results by group, kept between calls on the same table (a group whose
    cells, knowledge and published sums did not change is not solved again).
    ``exact``: settle every cell the cheap restricted program leaves open with the full
    program (else such cells are reported not wide enough: safe, but may over-protect).
    ``moves``: the table's hypercube moves, tried before any program.
    """
    n = len(value)
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    ok = np.ones(n, dtype=bool)
    u_idx = np.flatnonzero(unknown)
    if len(u_idx) == 0:
        return Ranges(low, high, ok)
    low[u_idx], high[u_idx] = knowledge.low[u_idx], knowledge.high[u_idx]
    ok[u_idx] = _width_ok(low[u_idx], high[u_idx], need[u_idx])
    matrix = sparse.csr_array(eqs.matrix) if len(eqs) else sparse.csr_array((0, n))
    sub = matrix[:, u_idx]
    touched = np.flatnonzero(np.diff(sub.indptr) > 0)
    if len(touched) == 0:
        return Ranges(low, high, ok)
    sub = sparse.csr_array(sub[touched])
    known = np.where(unknown, 0.0, np.nan_to_num(value))
    rhs = -(matrix[touched] @ known)
    graph = sparse.block_array([[None, sub], [sub.T, None]]).tocsr()
    _, labels = connected_components(graph, directed=False)
    eq_label, cell_label = labels[: len(touched)], labels[len(touched) :]
    cap = _caps(matrix, touched, u_idx, unknown, value, knowledge, start)
    eq_order, cell_order = (
        np.argsort(eq_label, kind="stable"),
        np.argsort(cell_label, kind="stable"),
    )
    eq_groups = np.split(eq_order, np.flatnonzero(np.diff(eq_label[eq_order])) + 1)
    cell_groups = {
        int(cell_label[g[0]]): g
        for g in np.split(cell_order, np.flatnonzero(np.diff(cell_label[cell_order])) + 1)
    }
    for rows in eq_groups:
        cols = cell_groups[int(eq_label[rows[0]])]
        cells = u_idx[cols]
        key = b"".join(
            a.tobytes()
            for a in (
                cells,
                touched[rows],
                rhs[rows],
                need[cells],
                cap[cols],
                knowledge.low[cells],
                knowledge.high[cells],
                knowledge.gap[cells],
            )
        )
        if memo is not None and key in memo:
            low[cells], high[cells], ok[cells] = memo[key]
            continue
        group = _Group(
            sub[rows][:, cols],
            rhs[rows],
            knowledge,
            u_idx[cols],
            cap[cols],
            None if start is None else start[u_idx[cols]],
            exact,
            moves,
            value,
        )
        result = group.solve(need[u_idx[cols]])
        if result is None:
            return Ranges(low, high, np.zeros(n, dtype=bool), infeasible=True)
        low[cells], high[cells], ok[cells] = result
        if memo is not None:
            memo[key] = result
    return Ranges(low, high, ok)


def _width_ok(low: FloatArray, high: FloatArray, need: FloatArray) -> BoolArray:
    return np.asarray(high - low >= np.maximum(need, _EPS) - _EPS)


def _caps(
    matrix: sparse.csr_array,
    touched: IntArray,
    u_idx: IntArray,
    unknown: BoolArray,
    value: FloatArray,
    knowledge: Knowledge,
    start: FloatArray | None,
) -> FloatArray:
    """An upper bound of each unknown cell, as tight as cheaply known: a child is at
    most its published parent; otherwise at most everything published (plus the true
    values when known). Needed to write "zero or at least n" as linear constraints."""
    published = np.where(unknown, 0.0, np.abs(np.nan_to_num(value)))
    everything = float(published.sum()) + knowledge.gap_from + 1.0
    if start is not None:
        everything = max(everything, float(np.nanmax(np.abs(start))) + 1.0)
    cap = np.minimum(knowledge.high[u_idx], everything)
    coo = matrix[touched].tocoo()
    parent_of_row = np.full(len(touched), -1, dtype=np.int64)
    parent_of_row[coo.row[coo.data < 0]] = coo.col[coo.data < 0]
    child = coo.data > 0
    rows, cols = coo.row[child], coo.col[child]
    parents = parent_of_row[rows]
    has = (parents >= 0) & ~unknown[np.maximum(parents, 0)] & unknown[cols]
    position = np.full(len(value), -1, dtype=np.int64)
    position[u_idx] = np.arange(len(u_idx))
    bound = np.full(len(u_idx), np.inf)
    np.minimum.at(bound, position[cols[has]], value[parents[has]])
    return np.asarray(np.minimum(cap, bound), dtype=np.float64)


@dataclass(frozen=True)
class _Program:
    constraint: LinearConstraint
    bounds: Bounds
    integrality: NDArray[np.int64]
    size: int


@dataclass
class _Group:
    """Suppressed cells linked by equations, and the programs that explore their values.

    Two programs: the *full* one (mixed-integer: whole numbers, and each secondary cell
    zero or at least ``n`` through a binary variable) and a *restricted* one, a linear
    program where each secondary cell stays on the side of the gap where a known
    feasible point has it. The restricted program's feasible set lies inside the full
    one's, so its solutions, once checked whole and exact, are valid certificates; it
    is far cheaper, and the full program is only solved for cells it leaves open.
    """

    matrix: sparse.csr_array
    rhs: FloatArray
    knowledge: Knowledge
    cells: IntArray
    cap: FloatArray
    start: FloatArray | None
    exact: bool
    moves: Moves | None
    value: FloatArray

    def __post_init__(self) -> None:
        self.gap_cells = np.flatnonzero(self.knowledge.gap[self.cells])
        self.low = self.knowledge.low[self.cells]
        self.high = np.minimum(self.knowledge.high[self.cells], self.cap)
        self.full = self._full_program()

    def _full_program(self) -> _Program:
        k, g = len(self.cells), len(self.gap_cells)
        blocks = [sparse.hstack([self.matrix, sparse.csr_array((self.matrix.shape[0], g))])]
        slack = self._slack(self.rhs)
        lower_rhs, upper_rhs = [self.rhs - slack], [self.rhs + slack]
        if g:
            pick = sparse.csr_array((np.ones(g), (np.arange(g), self.gap_cells)), shape=(g, k))
            eye = sparse.eye_array(g)
            # y <= cap * z and y >= gap_from * z: y is 0 (z = 0) or in [gap_from, cap].
            blocks.append(sparse.hstack([pick, -eye.multiply(self.cap[self.gap_cells])]))
            blocks.append(sparse.hstack([pick, -self.knowledge.gap_from * eye]))
            lower_rhs += [np.full(g, -np.inf), np.zeros(g)]
            upper_rhs += [np.zeros(g), np.full(g, np.inf)]
        constraint = LinearConstraint(
            sparse.vstack(blocks).tocsr(), np.concatenate(lower_rhs), np.concatenate(upper_rhs)
        )
        bounds = Bounds(
            np.concatenate([self.low, np.zeros(g)]), np.concatenate([self.high, np.ones(g)])
        )
        integer = np.full(k, 1 if self.knowledge.integer else 0)
        return _Program(constraint, bounds, np.concatenate([integer, np.ones(g)]), k + g)

    def _restricted_program(self, point: FloatArray, cells: IntArray | None = None) -> _Program:
        """The restricted program; with ``cells``, over those cells only, every other
        cell of the group fixed at ``point`` (a smaller program, still a restriction)."""
        low, high = self.low.copy(), self.high.copy()
        at_zero = self.gap_cells[point[self.gap_cells] <= _EPS]
        above = self.gap_cells[point[self.gap_cells] > _EPS]
        high[at_zero] = 0.0
        low[above] = np.maximum(low[above], self.knowledge.gap_from)
        matrix, rhs = self.matrix, self.rhs
        if cells is not None:
            outside = np.ones(len(self.cells), dtype=bool)
            outside[cells] = False
            rows = np.flatnonzero(np.diff(sparse.csr_array(matrix[:, cells]).indptr) > 0)
            rhs = rhs[rows] - matrix[rows][:, np.flatnonzero(outside)] @ point[outside]
            matrix = sparse.csr_array(matrix[rows][:, cells])
            low, high = low[cells], high[cells]
        k = matrix.shape[1]
        slack = self._slack(rhs)
        constraint = LinearConstraint(matrix, rhs - slack, rhs + slack)
        integer = np.full(k, 1 if self.knowledge.integer else 0, dtype=np.int64)
        return _Program(constraint, Bounds(low, high), integer, k)

    def _solve(self, program: _Program, objective: FloatArray) -> FloatArray | None:
        """An optimal point of ``program`` (None if none was found). The linear relaxation
        is tried first: when its optimum is whole, it is the integer optimum too."""
        c = np.concatenate([objective, np.zeros(program.size - len(objective))])
        relaxed = np.zeros_like(program.integrality)
        for integrality in (relaxed, program.integrality):
            res = milp(
                c,
                integrality=integrality,
                bounds=program.bounds,
                constraints=program.constraint,
                options={"mip_rel_gap": 1e-9, "presolve": True},
            )
            if res.status != 0 or res.x is None:
                return None
            x = np.asarray(res.x, dtype=np.float64)
            whole = program.integrality == 1
            if (np.abs(x[whole] - np.round(x[whole])) <= 1e-7).all():
                y = x[: len(objective)]
                return np.round(y) if self.knowledge.integer else y
            if not program.integrality.any():
                break
        return None

    def _slack(self, rhs: FloatArray) -> FloatArray:
        """How far a row may miss its sum: nothing for counts; for estimates, the
        rounding of published values (6 decimals), as :meth:`_valid` allows. Without
        it, an estimate whose suppressed cells are 0 can leave a margin a millionth
        short of its published cells, and the published table looks contradictory."""
        if self.knowledge.integer:
            return np.zeros_like(rhs)
        return _ROW_TOLERANCE * (1 + np.abs(rhs))

    def _valid(self, y: FloatArray) -> bool:
        """A solution is used as a certificate only if it satisfies everything exactly."""
        residual = np.abs(self.matrix @ y - self.rhs)
        if (residual > _ROW_TOLERANCE * (1 + np.abs(self.rhs))).any():
            return False
        if ((y < self.low - _EPS) | (y > self.high + _EPS)).any():
            return False
        gap = y[self.gap_cells]
        return not ((gap > _EPS) & (gap < self.knowledge.gap_from - _EPS)).any()

    def _move(
        self,
        point: FloatArray,
        bounds: Bounds,
        need: FloatArray,
        seen_low: FloatArray,
        seen_high: FloatArray,
        *,
        search: bool,
    ) -> None:
        """Widen the seen ranges with hypercube moves from ``point`` (restricted bounds)."""
        assert self.moves is not None
        size = len(self.value)
        local = np.full(size, -1, dtype=np.int64)
        local[self.cells] = np.arange(len(self.cells))
        allowed = local >= 0
        point_all = np.nan_to_num(self.value).copy()
        low_all, high_all = np.zeros(size), np.zeros(size)
        point_all[self.cells] = point
        low_all[self.cells], high_all[self.cells] = bounds.lb, bounds.ub
        for i in range(len(self.cells)):
            if seen_high[i] - seen_low[i] >= need[i] - _EPS:
                continue
            up, down, signed = self.moves.widest(
                int(self.cells[i]),
                allowed,
                point_all,
                low_all,
                high_all,
                need=need[i],
                search=search,
            )
            for r in signed:
                li = local[r if r >= 0 else -r - 1]
                rise, fall = (up, down) if r >= 0 else (down, up)
                seen_high[li] = max(seen_high[li], point[li] + rise)
                seen_low[li] = min(seen_low[li], point[li] - fall)

    def _neighbours(self) -> sparse.csr_array:
        incidence = sparse.csr_array(abs(self.matrix))
        return sparse.csr_array(incidence.T @ incidence)

    def _chunks(self, graph: sparse.csr_array) -> list[IntArray]:
        """The group's cells in pieces of at most :data:`CHUNK`, neighbours together."""
        k = len(self.cells)
        if k <= CHUNK:
            return [np.arange(k)]
        seen = np.zeros(k, dtype=bool)
        order: list[IntArray] = []
        for root in range(k):
            if not seen[root]:
                nodes = breadth_first_order(graph, root, directed=False, return_predecessors=False)
                order.append(nodes)
                seen[nodes] = True
        flat = np.concatenate(order)
        return [flat[i : i + CHUNK] for i in range(0, k, CHUNK)]

    def solve(self, need: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray] | None:
        k = len(self.cells)
        seen_low = np.full(k, np.inf)
        seen_high = np.full(k, -np.inf)

        def add(y: FloatArray | None, cells: IntArray | None = None) -> None:
            if y is not None and cells is not None and point is not None:
                y_all = point.copy()
                y_all[cells] = y
                y = y_all
            if y is not None and self._valid(y):
                np.minimum(seen_low, y, out=seen_low)
                np.maximum(seen_high, y, out=seen_high)

        def open_cells() -> IntArray:
            return np.flatnonzero(~_width_ok(seen_low, seen_high, need))

        point = self.start if self.start is not None and self._valid(self.start) else None
        if point is None:
            point = self._solve(self.full, np.zeros(k))
            if point is None or not self._valid(point):
                return None
        add(point)
        restricted = self._restricted_program(point)
        if self.moves is not None:  # small groups: programs are cheap, only known cubes
            self._move(point, restricted.bounds, need, seen_low, seen_high, search=k > CHUNK)
        graph = self._neighbours() if k > CHUNK else None
        # Push open cells apart in batches: each program moves a random half of them up
        # and the other half down (a fixed seed: the same table gives the same steps).
        # Big groups go piece by piece, the rest of the group held at the known point.
        rng = np.random.default_rng(k)
        for chunk in self._chunks(graph) if graph is not None else [np.arange(k)]:
            program = restricted if len(chunk) == k else self._restricted_program(point, chunk)
            stale = 0
            while stale < 2:
                todo = ~_width_ok(seen_low[chunk], seen_high[chunk], need[chunk])
                if not todo.any():
                    break
                signs = np.where(rng.random(len(chunk)) < 0.5, -1.0, 1.0) * todo
                for sign in (1.0, -1.0):
                    add(self._solve(program, sign * signs), None if len(chunk) == k else chunk)
                left = ~_width_ok(seen_low[chunk], seen_high[chunk], need[chunk])
                stale = stale + 1 if left.sum() == todo.sum() else 0
        # Then cell by cell: its highest and lowest value, around it first when the group
        # is big, then in the whole restricted program, then (``exact``) the full one.
        if graph is not None:
            for j in open_cells():
                nodes = breadth_first_order(graph, j, directed=False, return_predecessors=False)
                around = np.sort(nodes[:CHUNK])
                local = self._restricted_program(point, around)
                self._extremes(local, j, around, need, add, seen_low, seen_high)
        for j in open_cells():
            self._extremes(restricted, j, None, need, add, seen_low, seen_high)
        # Cells the restricted program pins (a secondary zero) need the full one anyway.
        pinned = restricted.bounds.lb >= restricted.bounds.ub
        for j in open_cells():
            if self.exact or pinned[j]:
                self._extremes(self.full, j, None, need, add, seen_low, seen_high)
        return seen_low + 0.0, seen_high + 0.0, _width_ok(seen_low, seen_high, need)

    def _extremes(
        self,
        program: _Program,
        j: int,
        cells: IntArray | None,
        need: FloatArray,
        add: Callable[[FloatArray | None, IntArray | None], None],
        seen_low: FloatArray,
        seen_high: FloatArray,
    ) -> None:
        """The highest, then the lowest value of cell ``j`` in ``program``."""
        at = j if cells is None else int(np.searchsorted(cells, j))
        for sign in (-1.0, 1.0):
            if _width_ok(seen_low[j : j + 1], seen_high[j : j + 1], need[j : j + 1])[0]:
                return
            objective = np.zeros(len(self.cells) if cells is None else len(cells))
            objective[at] = sign
            add(self._solve(program, objective), cells)
