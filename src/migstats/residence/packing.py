"""Crossings packed for the compiled rule, and the rule's packed result codes.

A row travels as one 64-bit value: days since a base date in the top bits, then its
input row, its direction and its given initial status. Sorting the values sorts by date
then row, and a person's rows sit side by side once grouped (:func:`group`, a counting
sort), so :mod:`migstats.residence.kernel` reads them without gathering three columns
from all over the input. The result codes (see
:func:`migstats.residence.histories.pack_codes`) are unpacked and counted here too, in
one pass each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numba
import numpy as np
from numpy.typing import NDArray

from migstats.residence.numba_target import load_target

__all__ = [
    "DAY_SHIFT",
    "ROW_MASK",
    "ROW_SHIFT",
    "Grouped",
    "code_histogram",
    "group",
    "pack_rows",
    "take_codes",
]

# A packed row (see `Grouped`): days since the base date in the top bits, so that
# sorting the values sorts by date then row; then the row; direction; given status + 1.
DAY_SHIFT: Final = 34
ROW_SHIFT: Final = 3
ROW_BITS: Final = 31
ROW_MASK: Final = (1 << ROW_BITS) - 1


@numba.njit(cache=True, nogil=True)
def _pack_row(row: int, day: int, arrival: bool, given: int, base: int) -> int:
    return ((day - base) << DAY_SHIFT) | (row << ROW_SHIFT) | (int(arrival) << 2) | (given + 1)


@numba.njit(cache=True, parallel=True)
def _group_by_counting(
    person: NDArray[np.int64],
    groups: int,
    day: NDArray[np.int32],
    arrival: NDArray[np.bool_],
    given: NDArray[np.int8],
    base: int,
    packed: NDArray[np.int64],
    blocks: int,
) -> NDArray[np.int64]:
    # A counting sort in `blocks` contiguous blocks of rows side by side: each block
    # counts its rows per person, block b's rows go after blocks 0..b-1's in each
    # person's run, so the sort stays stable (each person's rows in input order). The
    # scatter is bound by memory latency, which threads overlap.
    n = len(person)
    edges = np.linspace(0, n, blocks + 1).astype(np.int64)
    counts = np.zeros((blocks, groups), np.int32)
    for b in numba.prange(blocks):
        for row in range(edges[b], edges[b + 1]):
            counts[b, person[row]] += 1
    starts = np.empty(groups + 1, np.int64)
    starts[0] = 0
    for g in range(groups):
        at = starts[g]
        for b in range(blocks):
            c = counts[b, g]
            counts[b, g] = at  # from here on: where block b's next row for g goes
            at += c
        starts[g + 1] = at
    for b in numba.prange(blocks):
        for row in range(edges[b], edges[b + 1]):
            code = person[row]
            packed[counts[b, code]] = _pack_row(row, day[row], arrival[row], given[row], base)
            counts[b, code] += 1
    return starts


@numba.njit(cache=True, parallel=True)
def take_codes(table: NDArray[np.int8], codes: NDArray[np.int16]) -> NDArray[np.int8]:
    """``table[:, codes]``: each row of ``table`` looked up by every code, in one pass.

    >>> take_codes(np.array([[0, 1], [5, 6]], np.int8), np.array([1, 1, 0], np.int16)).tolist()
    [[1, 1, 0], [6, 6, 5]]
    """
    fields = table.shape[0]
    out = np.empty((fields, len(codes)), np.int8)
    for i in numba.prange(len(codes)):
        code = codes[i]
        for f in range(fields):
            out[f, i] = table[f, code]
    return out


@numba.njit(cache=True, nogil=True)
def code_histogram(codes: NDArray[np.int16], size: int) -> NDArray[np.int64]:
    """How many rows carry each code below ``size`` (``np.bincount`` without the copy
    to 64-bit indices).

    >>> code_histogram(np.array([2, 0, 2], np.int16), 4).tolist()
    [1, 0, 2, 0]
    """
    counts = np.zeros(size, np.int64)
    for code in codes:
        counts[code] += 1
    return counts


@dataclass(frozen=True)
class Grouped:
    """Rows grouped by person: person ``g`` is ``packed[starts[g]:starts[g + 1]]``.

    Each row travels as one 64-bit value (date since ``base``, row, direction and given
    status, see :func:`pack_rows`), so the rule reads a person's rows side by side in
    memory instead of gathering them from three columns all over the input.
    """

    packed: NDArray[np.int64]
    starts: NDArray[np.int64]
    base: int


def _check_packable(rows: int, day: NDArray[np.int32]) -> int:
    if rows >= 1 << ROW_BITS:
        raise ValueError(
            f"{rows:,} crossings in one process: at most {(1 << ROW_BITS) - 1:,}; "
            "use the Spark engine, which classifies batches of persons"
        )
    base = int(day.min()) if len(day) else 0
    if len(day) and int(day.max()) - base >= 1 << (63 - DAY_SHIFT):
        raise ValueError("crossing dates span more days than the rule can hold")
    return base


def pack_rows(
    day: NDArray[np.int32], arrival: NDArray[np.bool_], given: NDArray[np.int8]
) -> tuple[NDArray[np.int64], int]:
    """Rows in their given order as packed values, and the base date.

    >>> packed, base = pack_rows(np.array([10, 12], np.int32), np.array([True, False]),
    ...                          np.array([-1, 1], np.int8))
    >>> base, [int(v >> 34) for v in packed], [int(v >> 3 & 0x7FFFFFFF) for v in packed]
    (10, [0, 2], [0, 1])
    """
    base = _check_packable(len(day), day)
    packed = (day.astype(np.int64) - base) << DAY_SHIFT
    packed |= np.arange(len(day), dtype=np.int64) << ROW_SHIFT
    packed |= arrival.astype(np.int64) << 2
    packed |= given.astype(np.int64) + 1
    return packed, base


def group(
    person: NDArray[np.int64],
    day: NDArray[np.int32],
    arrival: NDArray[np.bool_],
    given: NDArray[np.int8],
) -> Grouped:
    """Rows grouped by person code (a counting sort, stable: each person's rows in input
    order) and packed (see :class:`Grouped`).

    >>> g = group(np.array([2, 0, 2, 0]), np.array([5, 6, 7, 8], np.int32),
    ...           np.ones(4, np.bool_), np.full(4, -1, np.int8))
    >>> [int(v >> 3 & 0x7FFFFFFF) for v in g.packed], g.starts.tolist()
    ([1, 3, 0, 2], [0, 2, 2, 4])
    """
    load_target()
    person = np.ascontiguousarray(person, dtype=np.int64)
    if len(person) and int(person.min()) < 0:
        raise ValueError("person codes must be non-negative")
    day = np.ascontiguousarray(day, dtype=np.int32)
    base = _check_packable(len(person), day)
    groups = int(person.max()) + 1 if len(person) else 0
    packed = np.empty(len(person), np.int64)
    starts = _group_by_counting(
        person,
        groups,
        day,
        np.ascontiguousarray(arrival, dtype=np.bool_),
        np.ascontiguousarray(given, dtype=np.int8),
        base,
        packed,
        numba.get_num_threads(),
    )
    return Grouped(packed, starts, base)
