"""A table's cells as arrays, and the additive equations that tie them together.

A dimension is *additive* when the table holds ``_T`` in it (or a hierarchy is
configured for it): a cell with ``_T`` there (the parent) equals the sum of the cells
that agree with it everywhere else and carry any other code there (its children; ``_U``
included). Cross-classifications the table does not hold give no equation: an equation
needs its parent and at least one child. A child that is absent is a zero (the cube
writes no row for an empty combination), which an attacker knows too.

Equations are rows of a sparse matrix ``A`` with ``A @ value == 0`` (children +1,
parent -1), built with array operations only (no loop over cells).

>>> import pyarrow as pa
>>> data = pa.table({"SEX": ["F", "M", "_T"], "OBS_VALUE": [3.0, 4.0, 7.0]})
>>> cells = Cells.of("t", ("SEX",), data)
>>> eqs = additive_equations(cells, {})
>>> eqs.matrix.toarray().tolist(), inconsistent(cells, eqs).tolist()
([[1.0, 1.0, -1.0]], [])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray
from scipy import sparse

from migstats.disclosure.rules import Derived
from migstats.errors import UserInputError

__all__ = ["Cells", "Equations", "additive_equations", "inconsistent"]

TOTAL = "_T"
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _floats(data: pa.Table, name: str) -> FloatArray | None:
    if name not in data.column_names:
        return None
    column = data.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(column, dtype=np.float64)


@dataclass(frozen=True)
class Cells:
    """The cells of one table: codes per dimension (as integers), values, intervals.

    ``vocab[d]`` lists the codes of dimension ``d`` sorted; ``ints[d][i]`` is the
    position of cell ``i``'s code in it. Values are ``nan`` where null.
    """

    table_id: str
    dimensions: tuple[str, ...]
    vocab: dict[str, NDArray[Any]]
    ints: dict[str, IntArray]
    value: FloatArray
    lower: FloatArray | None
    upper: FloatArray | None

    @classmethod
    def of(cls, table_id: str, dimensions: Sequence[str], data: pa.Table) -> Cells:
        """The cells of ``data``; dimensions missing from ``data`` are left out."""
        present = tuple(d for d in dimensions if d in data.column_names)
        vocab, ints = {}, {}
        for d in present:
            column = data.column(d).cast(pa.string()).fill_null("")
            codes = np.asarray(column.to_numpy(zero_copy_only=False), dtype=str)
            vocab[d], inverse = np.unique(codes, return_inverse=True)
            ints[d] = inverse.astype(np.int64)
        value = _floats(data, "OBS_VALUE")
        if value is None:
            raise UserInputError(
                f"Table {table_id} has no OBS_VALUE column",
                f"its columns are {', '.join(data.column_names)}",
                "pass an observation table from the statistics stage",
            )
        cells = cls(
            table_id, present, vocab, ints, value, _floats(data, "LOWER"), _floats(data, "UPPER")
        )
        cells._check_unique()
        return cells

    def __len__(self) -> int:
        return len(self.value)

    def _check_unique(self) -> None:
        if not self.dimensions or len(self) == 0:
            return
        _, first, counts = np.unique(self.matrix(), axis=0, return_index=True, return_counts=True)
        if (counts > 1).any():
            row = int(first[np.argmax(counts > 1)])
            raise UserInputError(
                f"Table {self.table_id} holds a cell twice",
                f"cell {self.label(row)} appears {int(counts.max())} times",
                "each combination of dimension codes must be one row",
            )

    def matrix(self, without: str | None = None) -> IntArray:
        """The integer codes as an (cells x dimensions) matrix, optionally without one."""
        columns = [self.ints[d] for d in self.dimensions if d != without]
        if not columns:
            return np.zeros((len(self), 1), dtype=np.int64)
        return np.stack(columns, axis=1)

    def code_id(self, dimension: str, code: str) -> int:
        """Position of ``code`` in ``vocab[dimension]``, -1 if the table lacks it."""
        vocab = self.vocab.get(dimension)
        if vocab is None:
            return -1
        pos = int(np.searchsorted(vocab, code))
        return pos if pos < len(vocab) and vocab[pos] == code else -1

    def codes(self, dimension: str) -> NDArray[Any]:
        """The code of every cell in ``dimension`` (strings)."""
        return self.vocab[dimension][self.ints[dimension]]

    def is_code(self, dimension: str, code: str) -> BoolArray:
        """Cells whose code in ``dimension`` is ``code``."""
        cid = self.code_id(dimension, code)
        if cid < 0:
            return np.zeros(len(self), dtype=bool)
        return np.asarray(self.ints[dimension] == cid, dtype=bool)

    def label(self, row: int) -> str:
        """A cell as its codes, e.g. ``(census_night, AUT, M, _T)``."""
        return "(" + ", ".join(str(self.vocab[d][self.ints[d][row]]) for d in self.dimensions) + ")"

    def find(self, rows: IntArray, replace: Mapping[str, str]) -> IntArray:
        """For each cell in ``rows``, the cell with ``replace``'s codes instead (-1 if the
        table does not hold it)."""
        query = {d: self.ints[d][rows].copy() for d in self.dimensions}
        for d, code in replace.items():
            cid = self.code_id(d, code)
            if d not in query or cid < 0:
                return np.full(len(rows), -1, dtype=np.int64)
            query[d][:] = cid
        return self.locate(query)

    def locate(self, query: Mapping[str, IntArray]) -> IntArray:
        """Rows of the cells with the given integer codes (-1 where absent or any code is
        -1)."""
        n = len(next(iter(query.values()))) if query else 0
        if not self.dimensions:
            return np.zeros(n, dtype=np.int64) if len(self) == 1 else np.full(n, -1)
        q = np.stack([query[d] for d in self.dimensions], axis=1)
        both = np.concatenate([self.matrix(), q])
        _, inverse = np.unique(both, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        row_of = np.full(inverse.max() + 1, -1, dtype=np.int64)
        row_of[inverse[: len(self)]] = np.arange(len(self))
        found = row_of[inverse[len(self) :]]
        found[(q < 0).any(axis=1)] = -1
        return found

    def derived_mask(self, derived: Sequence[Derived]) -> BoolArray:
        """Cells computed from other cells (rates, balances)."""
        mask = np.zeros(len(self), dtype=bool)
        for d in derived:
            if d.dimension in self.ints:
                mask |= self.is_code(d.dimension, d.code)
        return mask

    def is_integer(self, among: BoolArray) -> bool:
        """Whether every non-null value (and interval bound) of ``among`` is whole."""
        arrays = [a for a in (self.value, self.lower, self.upper) if a is not None]
        for a in arrays:
            v = a[among]
            v = v[~np.isnan(v)]
            if (np.abs(v - np.round(v)) > 1e-9).any():
                return False
        return True


@dataclass(frozen=True)
class Equations:
    """Additive equations ``matrix @ value == 0``: one row per parent cell and dimension."""

    matrix: Any  # scipy.sparse.csr_array, (equations x cells)
    parent: IntArray
    dimension: NDArray[Any]

    def __len__(self) -> int:
        return len(self.parent)

    def members(self) -> tuple[IntArray, IntArray]:
        """(equation, cell) pairs, sorted by equation."""
        coo = self.matrix.tocoo()
        order = np.lexsort((coo.col, coo.row))
        return coo.row[order].astype(np.int64), coo.col[order].astype(np.int64)


def additive_equations(
    cells: Cells,
    hierarchies: Mapping[str, Mapping[str, Sequence[str]]],
    *,
    exclude: BoolArray | None = None,
    missing: BoolArray | None = None,
) -> Equations:
    """Every additive equation of the table.

    ``exclude``: cells in no equation (derived cells such as rates). ``missing``: cells
    whose value is unknown to everyone (``OBS_STATUS`` M); equations through them are
    dropped.
    """
    n = len(cells)
    usable = np.ones(n, dtype=bool) if exclude is None else ~exclude
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    data: list[FloatArray] = []
    parents: list[IntArray] = []
    dims: list[str] = []
    count = 0
    for d in cells.dimensions:
        relations: Mapping[str, Sequence[str]]
        if d in hierarchies:
            relations = hierarchies[d]
        elif cells.code_id(d, TOTAL) >= 0:
            relations = {TOTAL: [str(c) for c in cells.vocab[d] if c != TOTAL]}
        else:
            continue
        _, key = np.unique(cells.matrix(without=d), axis=0, return_inverse=True)
        key = key.reshape(-1)
        for parent_code, child_codes in relations.items():
            pid = cells.code_id(d, parent_code)
            cids = [c for c in (cells.code_id(d, x) for x in child_codes) if c >= 0]
            if pid < 0 or not cids:
                continue
            parent_rows = np.flatnonzero(usable & (cells.ints[d] == pid))
            child_rows = np.flatnonzero(usable & np.isin(cells.ints[d], cids))
            parent_of_key = np.full(key.max() + 1, -1, dtype=np.int64)
            parent_of_key[key[parent_rows]] = parent_rows
            child_parent = parent_of_key[key[child_rows]]
            child_rows, child_parent = (
                child_rows[child_parent >= 0],
                child_parent[child_parent >= 0],
            )
            if len(child_rows) == 0:
                continue
            eq_parents, eq_of_child = np.unique(child_parent, return_inverse=True)
            rows += [count + eq_of_child, count + np.arange(len(eq_parents))]
            cols += [child_rows, eq_parents]
            data += [np.ones(len(child_rows)), -np.ones(len(eq_parents))]
            parents.append(eq_parents)
            dims += [d] * len(eq_parents)
            count += len(eq_parents)
    if count == 0:
        empty = sparse.csr_array((0, n))
        return Equations(empty, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
    matrix = sparse.csr_array(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(count, n)
    )
    parent = np.concatenate(parents)
    dimension = np.asarray(dims, dtype=object)
    if missing is not None and missing.any():
        touched = (abs(matrix) @ missing.astype(np.float64)) > 0
        keep = np.flatnonzero(~touched)
        matrix, parent, dimension = matrix[keep], parent[keep], dimension[keep]
    return Equations(sparse.csr_array(matrix), parent, dimension)


def inconsistent(cells: Cells, eqs: Equations, *, tolerance: float = 1e-6) -> IntArray:
    """Equations that the values do not satisfy (beyond rounding to 6 decimals)."""
    if len(eqs) == 0:
        return np.zeros(0, dtype=np.int64)
    value = np.nan_to_num(cells.value)
    residual = np.abs(eqs.matrix @ value)
    size = np.abs(eqs.matrix) @ np.abs(value)
    terms = np.diff(eqs.matrix.indptr)
    bad = residual > tolerance * (terms + 1) + 1e-9 * size
    return np.flatnonzero(bad).astype(np.int64)
