"""The residence status before a person's first crossing, and where it came from.

1. ``given``: another source says so (citizen on the register, census resident, valid
   residence permit), passed in the input's ``initial_status`` column. It always wins.
2. ``first_crossing``: when the first crossing in the data comes at least ``T`` days after
   the observation start, the person spent those days on the other side of the border
   unrecorded, so before an arrival they were a non-resident and before a departure a
   resident.
3. ``unknown`` otherwise; the statuses stay unknown until a crossing decides them.

>>> import numpy as np
>>> from migstats.residence.rule import ResidenceRule
>>> status, source = initial_status(
...     given=np.array([1, -1, -1], np.int8),
...     first_day=np.array([0, 400, 100]),
...     first_arrival=np.array([True, True, False]),
...     start=0, rule=ResidenceRule())
>>> status.tolist(), [SOURCE_NAMES[s] for s in source]
([1, 0, -1], ['given', 'first_crossing', 'unknown'])
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from migstats.residence.rule import ResidenceRule

__all__ = ["SOURCE_NAMES", "initial_status"]

GIVEN: Final = 0
FIRST_CROSSING: Final = 1
UNKNOWN_SOURCE: Final = 2
SOURCE_NAMES: Final = ("given", "first_crossing", "unknown")


def initial_status(
    given: NDArray[np.int8],
    first_day: NDArray[np.int64],
    first_arrival: NDArray[np.bool_],
    start: int,
    rule: ResidenceRule,
) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """Per person: status code (1 resident, 0 non-resident, -1 unknown) and its source.

    ``given`` holds -1 where no status was given; ``first_day`` and ``first_arrival``
    describe the person's first crossing inside the observation period.
    """
    derivable = first_day - start >= rule.threshold_days
    derived = np.where(derivable, np.where(first_arrival, 0, 1), -1)
    status = np.where(given >= 0, given, derived).astype(np.int8)
    source = np.where(
        given >= 0, GIVEN, np.where(derivable, FIRST_CROSSING, UNKNOWN_SOURCE)
    ).astype(np.int8)
    return status, source
