"""Vectorised random drawing helpers shared by the synthetic population groups.

Days are ``int32`` counts since 1970-01-01 throughout the simulation (numpy
``datetime64[D]`` without the unit bookkeeping). Each component draws from its own
random stream derived from the seed and a stable name, so adding a component never
shifts the numbers another component draws.

>>> day(date(1970, 1, 2))
1
>>> segmented_cumsum(np.array([1, 2, 3, 4]), np.array([0, 2]))
array([1, 3, 3, 7])
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import date

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
DayArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]

#: A day number far beyond any simulation: "never" for deaths and open stays.
NEVER = np.int32(2**31 - 1)

_EPOCH = date(1970, 1, 1)


def day(d: date) -> int:
    """Day number of a date (days since 1970-01-01)."""
    return (d - _EPOCH).days


def to_date(n: int) -> date:
    """Date of a day number."""
    return date.fromordinal(_EPOCH.toordinal() + int(n))


def rng_for(seed: int, component: str) -> np.random.Generator:
    """An independent random stream for one component of the simulation."""
    return np.random.default_rng([seed, zlib.crc32(component.encode())])


def pick(rng: np.random.Generator, mix: Mapping[str, float], n: int) -> StrArray:
    """Draw ``n`` keys of ``mix`` with probabilities proportional to its values."""
    keys = np.array(sorted(mix), dtype=np.str_)
    p = np.array([mix[k] for k in keys], dtype=np.float64)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def segmented_cumsum(values: npt.NDArray[np.int64], starts: npt.NDArray[np.int64]) -> IntArray:
    """Cumulative sum restarting at each index in ``starts`` (sorted, first is 0)."""
    total = np.cumsum(values, dtype=np.int64)
    before = np.concatenate(([0], total[:-1]))
    lengths = np.diff(np.append(starts, len(values)))
    out: IntArray = total - np.repeat(before[starts], lengths)
    return out


def owners(counts: npt.NDArray[np.int64]) -> tuple[IntArray, IntArray, IntArray]:
    """For per-owner counts: the owner of each item, the start index of each owner's
    run, and each item's position within its run."""
    counts = counts.astype(np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    position = np.arange(len(owner), dtype=np.int64) - np.repeat(starts, counts)
    return owner, starts, position


def yearly_volume(table: Mapping[int, float], year: int) -> float:
    """Value for ``year`` from a year table; years outside it take the nearest year."""
    years = sorted(table)
    if year in table:
        return float(table[year])
    nearest = min(years, key=lambda y: (abs(y - year), -y))
    return float(table[nearest])


def days_by_volume(
    rng: np.random.Generator,
    first: int,
    last: int,
    per_year: Mapping[int, float],
    scale: float,
    day_weight: FloatArray | None = None,
) -> DayArray:
    """Sorted event days in ``[first, last]``: each year's volume (times ``scale``) spread
    over its days in proportion to ``day_weight`` (indexed from ``first``; uniform if None).
    """
    days = np.arange(first, last + 1, dtype=np.int32)
    weight = np.ones(len(days)) if day_weight is None else day_weight
    years = (days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970).astype(
        np.int64
    )
    out: list[DayArray] = []
    for year in np.unique(years):
        mask = years == year
        # Part years (the first and last) get their share of the year's volume.
        year_days = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
        expected = yearly_volume(per_year, int(year)) * scale * mask.sum() / year_days
        w = weight[mask]
        if w.sum() <= 0 or expected <= 0:
            continue
        n = rng.poisson(expected)
        counts = rng.multinomial(n, w / w.sum())
        out.append(np.repeat(days[mask], counts))
    return np.concatenate(out) if out else np.empty(0, np.int32)
