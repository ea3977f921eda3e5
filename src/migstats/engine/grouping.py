"""Sort rows into contiguous groups, in-process and fast, for :meth:`Engine.map_groups`.

Sorting is the costliest step of a per-person rule. Where the sort columns are integers
(or dates, or booleans) they are packed into one 64-bit key and sorted with NumPy's
introsort, several times faster than a multi-column sort; the few rows whose packed
prefix ties are then put in order by the remaining columns. Group keys of any type are
first replaced by dense codes (grouping needs contiguity, not the keys' own order).

>>> import pyarrow as pa
>>> t = pa.table({"p": ["b", "a", "b", "a"], "d": [3, 2, 1, 2], "r": [0, 1, 2, 3]})
>>> group_order(t, "p", ["d", "r"]).tolist()
[2, 0, 1, 3]
>>> chunk_bounds(np.array([0, 0, 1, 1, 1, 2]), 2)
[(0, 2), (2, 5), (5, 6)]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

__all__ = ["chunk_bounds", "group_codes", "group_order", "sortable_integers"]

IntArray = NDArray[np.int64]


def group_codes(column: pa.ChunkedArray | pa.Array) -> IntArray:
    """Small non-negative integer codes, equal exactly where the values are equal
    (nulls form one group)."""
    values = _integers(column)
    # Offsets keep codes small enough to count with; sparse ids get dictionary codes.
    if values is not None and _span(values) < max(2**20, 2 * len(values)):
        return values - (values.min() if len(values) else 0)
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    return np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)


def sortable_integers(column: pa.ChunkedArray | pa.Array) -> IntArray | None:
    """The column as int64 in the same order, or None when it is not integer-like."""
    return _integers(column)


def group_order(table: pa.Table, key: str, order_by: Sequence[str]) -> IntArray:
    """Row permutation putting ``key`` groups together, each sorted by ``order_by``.

    ``order_by`` columns must be integer-like without nulls (see :func:`sortable_integers`);
    callers fall back to a database sort otherwise.
    """
    columns = [group_codes(table.column(key))]
    for name in order_by:
        values = sortable_integers(table.column(name))
        if values is None:
            raise TypeError(f"column {name!r} is not integer-like; sort it with SQL instead")
        columns.append(values)
    n = table.num_rows
    if n == 0:
        return np.zeros(0, dtype=np.int64)

    # Pack as many leading columns as fit into 63 bits.
    packed = np.zeros(n, dtype=np.int64)
    bits_used = 0
    used = 0
    for values in columns:
        low = int(values.min())
        bits = max(1, int(_span(values)).bit_length())
        if bits_used + bits > 63:
            break
        packed = (packed << bits) | (values - low)
        bits_used += bits
        used += 1
    order = np.argsort(packed, kind="quicksort").astype(np.int64)
    rest = columns[used:]
    if rest:
        order = _order_ties(order, packed, rest)
    return order


def _order_ties(order: IntArray, packed: IntArray, rest: list[IntArray]) -> IntArray:
    """Sort runs of equal packed keys by the columns that did not fit."""
    sorted_keys = packed[order]
    tie = np.zeros(len(order), dtype=np.bool_)
    same = sorted_keys[1:] == sorted_keys[:-1]
    tie[1:] |= same
    tie[:-1] |= same
    where = np.flatnonzero(tie)
    if len(where) == 0:
        return order
    rows = order[where]
    # lexsort: last key is primary; runs are contiguous so the packed key keeps them apart.
    inner = np.lexsort([c[rows] for c in reversed(rest)] + [packed[rows]])
    order = order.copy()
    order[where] = rows[inner]
    return order


def chunk_bounds(codes: IntArray, target_rows: int) -> list[tuple[int, int]]:
    """Split sorted group codes into ``[start, stop)`` chunks of about ``target_rows``
    rows, never splitting a group."""
    n = len(codes)
    if n == 0:
        return []
    starts = np.flatnonzero(np.diff(codes)) + 1
    wanted = np.arange(target_rows, n, target_rows)
    # First group start at or after each wanted cut; duplicates collapse.
    idx = np.searchsorted(starts, wanted, side="left")
    cuts = np.unique(starts[idx[idx < len(starts)]])
    edges = [0, *cuts.tolist(), n]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def _integers(column: pa.ChunkedArray | pa.Array) -> IntArray | None:
    kind = column.type
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if column.null_count:
        return None
    if pa.types.is_date32(kind) or pa.types.is_date64(kind):
        column = column.cast(pa.int32() if pa.types.is_date32(kind) else pa.int64())
    elif pa.types.is_boolean(kind):
        column = column.cast(pa.int8())
    elif pa.types.is_timestamp(kind):
        column = column.cast(pa.int64())
    elif not pa.types.is_integer(kind):
        return None
    if pa.types.is_uint64(column.type):
        values = column.to_numpy()
        if len(values) and int(values.max()) >= 2**63:
            return None
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _span(values: IntArray) -> int:
    return int(values.max()) - int(values.min()) if len(values) else 0
