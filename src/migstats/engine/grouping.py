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
from concurrent.futures import ThreadPoolExecutor

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
        low = int(values.min()) if len(values) else 0
        codes = values.astype(np.int64, copy=False)
        if not low:
            return codes
        if codes.flags.writeable and codes.flags.owndata:  # a copy already: no second one
            codes -= low
            return codes
        return codes - low
    # One array, one hash table: encoding chunk by chunk and unifying the dictionaries
    # afterwards grows with chunks x distinct values (minutes for 20M person keys).
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if len(column) > 1 and not column.null_count and not pa.types.is_dictionary(column.type):
        # Sorted keys (as stages often pass them): a new code wherever the key changes,
        # two comparisons instead of hashing every key.
        before, after = column.slice(0, len(column) - 1), column.slice(1)
        if not pc.any(pc.less(after, before)).as_py():
            change = np.asarray(pc.not_equal(after, before).to_numpy(zero_copy_only=False))
            codes = np.zeros(len(column), dtype=np.int64)
            np.cumsum(change, out=codes[1:])
            return codes
    encoded = pc.dictionary_encode(column)
    return np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)


def sortable_integers(column: pa.ChunkedArray | pa.Array) -> NDArray[np.integer] | None:
    """The column as integers in the same order, or None when it is not integer-like."""
    return _integers(column)


def group_order(table: pa.Table, key: str, order_by: Sequence[str], threads: int = 1) -> IntArray:
    """Row permutation putting ``key`` groups together, each sorted by ``order_by``.

    ``order_by`` columns must be integer-like without nulls (see :func:`sortable_integers`);
    callers fall back to a database sort otherwise. Ties keep the rows' input order.
    ``threads`` sorts partitions of the groups side by side.
    """
    n = table.num_rows
    columns: list[NDArray[np.integer]] = [group_codes(table.column(key))]
    for name in order_by:
        values = sortable_integers(table.column(name))
        if values is None:
            raise TypeError(f"column {name!r} is not integer-like; sort it with SQL instead")
        columns.append(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # A trailing column already increasing row by row (a row number) orders exactly
    # like the rows' positions, which the sort keeps for ties anyway.
    while len(columns) > 1 and bool(np.all(columns[-1][1:] > columns[-1][:-1])):
        columns.pop()
    codes = columns[0]
    other_bits = sum(max(1, _span(c).bit_length()) for c in columns[1:])
    shift = _first_shift(n, int(codes.max()), other_bits, threads)
    if shift is None:
        return _sorted_positions(columns)
    # Partitions by ranges of group code (its high bits), each sorted alone: its keys
    # need fewer bits, so one plain sort of 64-bit keys with the position packed in
    # does it (several times faster than an argsort), and partitions sort side by side
    # on threads (NumPy releases the GIL).
    while True:
        part = (codes >> shift).astype(np.int32)
        sizes = np.bincount(part)
        key_bits = max(1, min(int(codes.max()), (1 << shift) - 1).bit_length())
        if key_bits + other_bits + int(sizes.max()).bit_length() <= 63 or shift == 0:
            break
        shift -= 1
    edges = np.concatenate([[0], np.cumsum(sizes)])
    order = np.empty(n, dtype=np.int64)

    def sort_part(p: int) -> None:
        if edges[p + 1] == edges[p]:
            return
        rows = np.flatnonzero(part == p)
        order[edges[p] : edges[p + 1]] = rows[_sorted_positions([c[rows] for c in columns])]

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        list(pool.map(sort_part, range(len(sizes))))
    return order


def _first_shift(rows: int, top_code: int, other_bits: int, threads: int) -> int | None:
    """Bits of group code left to sort inside each partition, or None for one sort.

    One sort when everything (position included) packs into 63 bits and one thread
    would do it anyway; otherwise at least ``threads`` partitions for big inputs, and
    enough that each partition's keys fit (checked again on the real sizes).
    """
    code_bits = max(1, top_code.bit_length())
    wanted = threads if rows >= PARALLEL_ROWS else 1
    shift = code_bits
    while shift > 0:
        parts = 1 << (code_bits - shift)
        bits = max(1, shift) + other_bits + max(1, -(-rows // parts)).bit_length()
        if parts >= wanted and bits <= 63:
            break
        shift -= 1
    return None if shift == code_bits else shift


#: Below this many rows one sort is cheaper than partitioning for threads.
PARALLEL_ROWS = 32_000_000


def _sorted_positions(columns: list[NDArray[np.integer]]) -> IntArray:
    """Positions sorting rows by the columns, ties in position order."""
    n = len(columns[0])
    lows = [int(c.min()) for c in columns]
    widths = [max(1, _span(c).bit_length()) for c in columns]
    position_bits = max(1, (n - 1).bit_length())
    if sum(widths) + position_bits <= 63:
        # Everything, position included, fits one key: sort the keys themselves
        # (faster than an argsort) and read the permutation off their low bits.
        packed = _pack(columns, lows, widths)
        packed <<= position_bits
        packed += np.arange(n, dtype=np.int64)
        packed.sort(kind="quicksort")
        packed &= (1 << position_bits) - 1
        return packed
    fit = 1
    while fit < len(columns) and sum(widths[: fit + 1]) <= 63:
        fit += 1
    packed = _pack(columns[:fit], lows[:fit], widths[:fit])
    order = np.argsort(packed, kind="quicksort").astype(np.int64, copy=False)
    rest = [np.asarray(c, dtype=np.int64) for c in columns[fit:]]
    return _order_ties(order, packed, rest, n)


def _pack(columns: list[NDArray[np.integer]], lows: list[int], widths: list[int]) -> IntArray:
    """Columns side by side in one int64, most significant first (in place, few copies)."""
    packed = np.array(columns[0], dtype=np.int64)
    if lows[0]:
        packed -= lows[0]
    for values, low, bits in zip(columns[1:], lows[1:], widths[1:], strict=True):
        packed <<= bits
        packed += values
        if low:
            packed -= low
    return packed


def _order_ties(order: IntArray, packed: IntArray, rest: list[IntArray], n: int) -> IntArray:
    """Sort runs of equal packed keys by the remaining columns, then by position."""
    sorted_keys = packed[order]
    same = sorted_keys[1:] == sorted_keys[:-1]
    tie = np.zeros(len(order), dtype=np.bool_)
    tie[1:] |= same
    tie[:-1] |= same
    where = np.flatnonzero(tie)
    if len(where) == 0:
        return order
    rows = order[where]
    # lexsort: the last key is primary; runs stay apart because the packed key leads.
    keys = [rows] + [c[rows] for c in reversed(rest)] + [packed[rows]]
    order[where] = rows[np.lexsort(keys)]
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


def _integers(column: pa.ChunkedArray | pa.Array) -> NDArray[np.integer] | None:
    kind = column.type
    if column.null_count:
        return None
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks != 1:
            # One copy into a NumPy array (combining the chunks first would make two).
            parts = []
            for chunk in column.chunks:
                part = _integers(chunk)
                if part is None:
                    return None
                parts.append(part)
            return np.concatenate(parts) if parts else np.zeros(0, np.int64)
        column = column.chunk(0)
    if pa.types.is_date32(kind):
        column = column.view(pa.int32())
    elif pa.types.is_date64(kind) or pa.types.is_timestamp(kind):
        column = column.cast(pa.int64())
    elif pa.types.is_boolean(kind):
        column = column.cast(pa.int8())
    elif not pa.types.is_integer(kind):
        return None
    values = np.asarray(column.to_numpy())
    if values.dtype == np.uint64 and len(values) and int(values.max()) >= 2**63:
        return None
    return values


def _span(values: NDArray[np.integer]) -> int:
    return int(values.max()) - int(values.min()) if len(values) else 0
