"""Hypercube moves: cheap certificates that a suppressed cell is not pinned.

A *move* changes suppressed cells only and keeps every equation: in a two-way table,
+t on cell (r, c), -t on (r', c), -t on (r, c'), +t on (r', c') leaves every margin as
published. In general, for a cell with codes x_d, pick an alternative code x'_d in each
dimension where the cell is not a total, and in each dimension where it is a total either
keep it or *descend* to one code c_d (the total and the code move together); the corners
are every combination, signed (-1)^(number of alternatives). A cell that is its total's
only non-zero child can also *ascend*: it moves with its total. The move is kept only if it
leaves every equation unchanged (checked on the sparse equation matrix), so hierarchies
that do not fit the pattern are simply not certified here and go to the linear programs.

How far a move can go (``t``) is limited by each corner's bounds: a primary cell stays in
``1..n-1``, a secondary one on its side of the gap (zero stays zero, a count at least
``n`` stays at least ``n``), as in the restricted program of
:mod:`migstats.disclosure.ranges`. A move that goes ``need`` both ways from the true
values (in total) proves the range of all its corners at least that wide: the points
reached are feasible for the attacker.

This is also how complementary cells are chosen (the hypercube method of tau-ARGUS): the
cheapest cube around a cell whose range is too narrow, published corners suppressed.

>>> import numpy as np
>>> import pyarrow as pa
>>> from migstats.disclosure.structure import Cells, additive_equations
>>> data = pa.table({"A": ["a", "a", "b", "b", "_T", "_T", "a", "b", "_T"],
...                  "B": ["x", "y", "x", "y", "x", "y", "_T", "_T", "_T"],
...                  "OBS_VALUE": [2.0, 20.0, 30.0, 40.0, 32.0, 60.0, 22.0, 70.0, 92.0]})
>>> cells = Cells.of("t", ("A", "B"), data)
>>> moves = Moves(cells, additive_equations(cells, {}), integer=True)
>>> suppressed = np.array([True, True, True, True, False, False, False, False, False])
>>> low, high = np.array([1.0, 10, 10, 10, 0, 0, 0, 0, 0]), np.array([9.0] + [np.inf] * 8)
>>> up, down, corners = moves.widest(0, suppressed, cells.value, low, high)
>>> up, down, sorted(r if r >= 0 else -r - 1 for r in corners)  # a-x: 2 -> 1 .. 9
(7.0, 1.0, [0, 1, 2, 3])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
from scipy import sparse

from migstats.disclosure.structure import TOTAL, BoolArray, Cells, Equations, FloatArray, IntArray

__all__ = ["Moves"]

#: Cubes tried per cell: enough for real tables, bounded for huge ones.
MAX_CUBES = 64


class Moves:
    """The cubes of a table, checked against its equations."""

    def __init__(self, cells: Cells, eqs: Equations, *, integer: bool) -> None:
        self.cells = cells
        self.integer = integer
        columns = sparse.csc_array(eqs.matrix)
        columns.sort_indices()
        self.indptr, self.indices, self.data = columns.indptr, columns.indices, columns.data
        self.additive = tuple(sorted(set(eqs.dimension.tolist()), key=cells.dimensions.index))
        matrix = cells.matrix()
        self.row_of = {tuple(r): i for i, r in enumerate(matrix.tolist())}
        self.position = {d: cells.dimensions.index(d) for d in cells.dimensions}
        self.total = {d: cells.code_id(d, TOTAL) for d in self.additive}
        self.codes = matrix
        #: The cube chosen for a cell by :meth:`cheapest`, tried first by :meth:`widest`.
        self.hints: dict[int, list[int]] = {}

    def _options(self, j: int, usable: BoolArray, cost: FloatArray) -> list[list[tuple[int, ...]]]:
        """Per additive dimension, the code choices around cell ``j``: (x,) keep,
        (x, x') alternative, (t, c) descend; the cheapest first."""
        options: list[list[tuple[int, ...]]] = []
        base = self.codes[j]
        for d in self.additive:
            p = self.position[d]
            x = int(base[p])
            others = []
            for code in range(len(self.cells.vocab[d])):
                if code == x or code == self.total[d]:
                    continue
                probe = base.copy()
                probe[p] = code
                row = self.row_of.get(tuple(probe.tolist()))
                if row is not None and usable[row]:
                    others.append((float(cost[row]), code))
            others.sort()
            if x == self.total[d]:
                options.append([(x,)] + [(x, c) for _, c in others])
                continue
            choices = [(x, c) for _, c in others]
            probe = base.copy()
            probe[p] = self.total[d]
            parent = self.row_of.get(tuple(probe.tolist())) if self.total[d] >= 0 else None
            if parent is not None and usable[parent]:
                choices.append((x, self.total[d]))
            options.append([*choices, (x,)])
        return options

    def _cubes(self, j: int, options: list[list[tuple[int, ...]]]) -> Iterator[list[int]]:
        """Corner rows and signs (+1 rows first) of cubes around ``j``."""
        base = self.codes[j]
        positions = [self.position[d] for d in self.additive]
        for combo in itertools.islice(itertools.product(*options), MAX_CUBES):
            corners: list[tuple[int, int]] = [(0, 0)]
            for p, choice, d in zip(positions, combo, self.additive, strict=True):
                if len(choice) == 1:
                    continue
                # two codes under one total move against each other; a total and one of
                # its codes (descend, ascend) move together
                flip = 0 if self.total[d] in choice else 1
                corners = [(m | (1 << p) * k, s ^ (flip & k)) for m, s in corners for k in (0, 1)]
            rows = []
            for mask, _ in corners:
                probe = base.copy()
                for p, choice in zip(positions, combo, strict=True):
                    if len(choice) == 2 and mask & (1 << p):
                        probe[p] = choice[1]
                row = self.row_of.get(tuple(probe.tolist()))
                if row is None:
                    break
                rows.append(row)
            else:
                signs = [1 - 2 * s for _, s in corners]
                yield [r if s > 0 else -r - 1 for r, s in zip(rows, signs, strict=True)]

    def extent(
        self, signed: list[int], point: FloatArray, low: FloatArray, high: FloatArray
    ) -> tuple[float, float]:
        """How far the move goes up (``t`` > 0) and down from ``point``; (0, 0) if it
        would change an equation."""
        change: dict[int, float] = {}
        for r in signed:
            row, sign = (r, 1.0) if r >= 0 else (-r - 1, -1.0)
            start, stop = self.indptr[row], self.indptr[row + 1]
            for eq, coef in zip(
                self.indices[start:stop].tolist(), self.data[start:stop].tolist(), strict=True
            ):
                change[eq] = change.get(eq, 0.0) + sign * coef
        if any(abs(v) > 1e-9 for v in change.values()):
            return 0.0, 0.0
        rows = np.array([r if r >= 0 else -r - 1 for r in signed])
        signs = np.array([1.0 if r >= 0 else -1.0 for r in signed])
        up = np.where(signs > 0, high[rows] - point[rows], point[rows] - low[rows]).min()
        down = np.where(signs > 0, point[rows] - low[rows], high[rows] - point[rows]).min()
        up, down = max(float(up), 0.0), max(float(down), 0.0)
        if self.integer:
            up, down = float(np.floor(up + 1e-9)), float(np.floor(down + 1e-9))
        return up, down

    def widest(
        self,
        j: int,
        allowed: BoolArray,
        point: FloatArray,
        low: FloatArray,
        high: FloatArray,
        *,
        need: float = np.inf,
        search: bool = True,
    ) -> tuple[float, float, list[int]]:
        """The widest cube move found around cell ``j`` with every corner ``allowed``
        (stopping once one moves ``need`` in total): up, down and the signed corners
        (row ``r`` moving with ``t`` as ``r``, against it as ``-r - 1``). The cube chosen
        for ``j`` earlier is tried first; ``search``: then look for others."""
        best: tuple[float, float, list[int]] = (0.0, 0.0, [])
        hint = self.hints.get(j)
        if hint is not None and allowed[[r if r >= 0 else -r - 1 for r in hint]].all():
            up, down = self.extent(hint, point, low, high)
            best = (up, down, hint)
            if up + down >= need or not search:
                return best
        if not search:
            return best
        for signed in self._cubes(j, self._options(j, allowed, np.zeros(len(point)))):
            rows = [r if r >= 0 else -r - 1 for r in signed]
            if not allowed[rows].all():
                continue
            up, down = self.extent(signed, point, low, high)
            if up + down > best[0] + best[1]:
                best = (up, down, signed)
                if up + down >= need:
                    break
        return best

    def cheapest(
        self,
        j: int,
        usable: BoolArray,
        suppressed: BoolArray,
        point: FloatArray,
        low: FloatArray,
        high: FloatArray,
        cost: FloatArray,
        need: float,
    ) -> IntArray | None:
        """The published corners of the cheapest cube around ``j`` that moves at least
        ``need`` once they are suppressed (``low``/``high``: bounds as if suppressed)."""
        options = self._options(j, usable | suppressed, np.where(suppressed, 0.0, cost))
        best: tuple[float, IntArray, list[int]] | None = None
        for signed in self._cubes(j, options):
            rows = np.array([r if r >= 0 else -r - 1 for r in signed])
            if not (usable[rows] | suppressed[rows]).all():
                continue
            extra = rows[~suppressed[rows]]
            price = float(cost[extra].sum())
            if best is not None and price >= best[0]:
                continue
            if sum(self.extent(signed, point, low, high)) >= need - 1e-9:
                best = (price, np.sort(extra), signed)
        if best is None:
            return None
        self.hints[j] = best[2]
        return best[1]
