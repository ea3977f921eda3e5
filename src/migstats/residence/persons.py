"""Where each person's rows start and end in a sorted batch, computed once per batch.

>>> rows = person_rows(np.array([4, 4, 9, 9, 9]))
>>> rows.first.tolist(), rows.last.tolist()
([True, False, True, False, False], [False, True, False, False, True])
>>> rows.start.tolist(), rows.number.tolist()
([0, 0, 2, 2, 2], [0, 0, 1, 1, 1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["PersonRows", "person_rows"]


@dataclass(frozen=True, slots=True)
class PersonRows:
    """Per row: does it start (``first``) or end (``last``) its person's rows, the index
    of the person's first row (``start``), and the person's number in the batch."""

    first: NDArray[np.bool_]
    last: NDArray[np.bool_]
    start: NDArray[np.int64]
    number: NDArray[np.int64]


def person_rows(person: NDArray[np.int64]) -> PersonRows:
    """Person boundaries for rows grouped by ``person`` (any labels, grouped)."""
    n = len(person)
    first = np.ones(n, dtype=np.bool_)
    np.not_equal(person[1:], person[:-1], out=first[1:])
    last = np.ones(n, dtype=np.bool_)
    last[:-1] = first[1:]
    number = np.cumsum(first, dtype=np.int64)
    number -= 1
    starts = np.flatnonzero(first)
    return PersonRows(first=first, last=last, start=starts[number], number=number)
