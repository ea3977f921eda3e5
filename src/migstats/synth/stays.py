"""Stays: the intervals a person spends in the country (foreigners) or abroad
(citizens), and how a long stay is split by short visits to the other side.

A stay runs from ``start`` (inclusive) to ``end`` (the day of the crossing that ends it);
``end == NEVER`` means the stay is still going on at the end of the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from migstats.synth.draw import NEVER, DayArray, IntArray, owners, segmented_cumsum

#: Visa or permit types at entry; stays and crossings hold their index (int8).
VISA_TYPES = ("CITIZEN", "TOURIST", "BUSINESS", "WORK", "DEPENDENT", "STUDENT", "RESIDENT")


def visa_codes(name: str, n: int) -> npt.NDArray[np.int8]:
    """``n`` copies of the code of visa type ``name``."""
    return np.full(n, VISA_TYPES.index(name), np.int8)


@dataclass
class Stays:
    """Columnar stays of one population group (``person`` is the group-local index)."""

    person: IntArray
    start: DayArray
    end: DayArray
    #: True for a stay in the country (entered by an arrival), False for a stay abroad.
    inside: np.ndarray
    #: Visa or permit type at entry, as an index into :data:`VISA_TYPES`.
    visa: npt.NDArray[np.int8]
    #: Last day of authorised stay for stays in the country (NEVER for citizens).
    authorised_until: DayArray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.person)


def concat_stays(parts: list[Stays]) -> Stays:
    """Concatenate stays of several draws (persons must already be comparable)."""
    return Stays(
        person=np.concatenate([p.person for p in parts]),
        start=np.concatenate([p.start for p in parts]),
        end=np.concatenate([p.end for p in parts]),
        inside=np.concatenate([p.inside for p in parts]),
        visa=np.concatenate([p.visa for p in parts]),
        authorised_until=np.concatenate([p.authorised_until for p in parts]),
    )


def split_by_visits(
    rng: np.random.Generator,
    person: IntArray,
    start: DayArray,
    end: DayArray,
    visit_limit: DayArray,
    gap_days: tuple[int, int],
    visit_days: tuple[int, int],
    horizon: int,
) -> tuple[IntArray, DayArray, DayArray]:
    """Split each long stay ``[start, end)`` by short visits to the other side.

    Visits start every ``gap_days`` (uniform) after the previous part and last
    ``visit_days`` (uniform); a visit is kept only if it ends at least 30 days before
    ``visit_limit`` (the stay's end, or the end of a documented period) and before the
    simulation ``horizon`` (for stays still open). Returns the parts
    of the stay as (person, start, end); the visits are the gaps between the parts.

    >>> rng = np.random.default_rng(0)
    >>> p, s, e = split_by_visits(rng, np.array([7]), np.array([0], np.int32),
    ...     np.array([100], np.int32), np.array([100], np.int32), (500, 600), (10, 20), 999)
    >>> p.tolist(), s.tolist(), e.tolist()
    ([7], [0], [100])
    """
    limit = np.minimum(np.minimum(visit_limit, end).astype(np.int64), horizon)
    span = np.maximum(limit - start.astype(np.int64), 0)
    n_max = (span // max(gap_days[0], 1) + 1).astype(np.int64)
    owner, starts, _ = owners(n_max)
    gaps = rng.integers(gap_days[0], gap_days[1] + 1, size=len(owner)).astype(np.int64)
    lengths = rng.integers(visit_days[0], visit_days[1] + 1, size=len(owner)).astype(np.int64)
    # Visit k starts after k gaps and the k-1 visits before it.
    offsets = segmented_cumsum(gaps + lengths, starts) - lengths
    v_start = start.astype(np.int64)[owner] + offsets
    v_end = v_start + lengths
    keep = v_end + 30 <= limit[owner]
    owner, v_start, v_end = owner[keep], v_start[keep], v_end[keep]
    # Parts: [start, v1_start), [v1_end, v2_start), ..., [vk_end, end).
    part_owner = np.concatenate([np.arange(len(person)), owner])
    part_start = np.concatenate([start.astype(np.int64), v_end])
    part_end_next = np.concatenate([v_start, end.astype(np.int64)])
    end_owner = np.concatenate([owner, np.arange(len(person))])
    order_s = np.lexsort((part_start, part_owner))
    order_e = np.lexsort((part_end_next, end_owner))
    return (
        person[part_owner[order_s]],
        part_start[order_s].astype(np.int32),
        np.where(part_end_next[order_e] >= NEVER, NEVER, part_end_next[order_e]).astype(np.int32),
    )
