"""The whole simulated population: every group's people, crossings and permits.

Person ids are global (groups in a fixed order), and each person's crossings alternate
direction by construction. Nothing here is an agency's view: extracts are rendered
from this, with faults, by :mod:`migstats.synth.extracts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from migstats.synth.citizens import simulate_citizens
from migstats.synth.draw import NEVER
from migstats.synth.group import GroupDraw, SimWindow
from migstats.synth.profile import Profile
from migstats.synth.residents import simulate_spouses, simulate_students
from migstats.synth.stays import Stays, concat_stays
from migstats.synth.visitors import simulate_business, simulate_tourists
from migstats.synth.workers import simulate_workers

Simulator = Callable[[Profile, SimWindow, float, int], GroupDraw]

#: Groups in the order their person ids are given.
GROUPS: tuple[tuple[str, Simulator], ...] = (
    ("citizens", simulate_citizens),
    ("workers", simulate_workers),
    ("spouses", simulate_spouses),
    ("students", simulate_students),
    ("business", simulate_business),
    ("tourists", simulate_tourists),
)

ARR, DEP = np.int8(1), np.int8(0)


@dataclass
class Population:
    """People, crossings (sorted by person and day) and permits, as column arrays."""

    window: SimWindow
    people: dict[str, np.ndarray]
    crossings: dict[str, np.ndarray]
    permits: dict[str, np.ndarray]
    _categories: dict[str, tuple[np.ndarray, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def n_people(self) -> int:
        return len(self.people["person_id"])

    def category(self, column: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """A text column of ``people`` as integer codes and their labels (cached), so
        extracts can render millions of records with ``take`` on a few labels."""
        if column not in self._categories:
            labels, codes = np.unique(self.people[column], return_inverse=True)
            self._categories[column] = (
                codes.astype(np.int32),
                tuple(str(x) for x in labels),
            )
        return self._categories[column]


_DEFAULTS: dict[str, object] = {
    "occupation": "",
    "occupation_index": -1,
    "isic": "",
    "employer": -1,
    "overstayer": False,
    "sponsor": -1,
    "island": "",
    "long_episode": 0,
}


def simulate_population(profile: Profile, scale: float, seed: int) -> Population:
    """Simulate every group and join them into one population."""
    window = SimWindow.from_profile(profile)
    draws = [sim(profile, window, scale, seed) for _, sim in GROUPS]
    offsets = np.cumsum([0] + [d.size for d in draws[:-1]])
    columns = sorted({k for d in draws for k in d.people})
    people: dict[str, np.ndarray] = {}
    for col in columns:
        parts = []
        for d, off in zip(draws, offsets, strict=True):
            if col in d.people:
                values = d.people[col]
                if col == "sponsor":
                    values = np.where(values >= 0, values + off, -1)
                parts.append(values)
            else:
                parts.append(np.full(d.size, _DEFAULTS[col]))
        people[col] = np.concatenate(parts)
    people["person_id"] = np.arange(sum(d.size for d in draws), dtype=np.int64)

    stays = concat_stays(
        [
            Stays(
                person=s.person + off,
                start=s.start,
                end=s.end,
                inside=s.inside,
                visa=s.visa,
                authorised_until=s.authorised_until,
            )
            for d, off in zip(draws, offsets, strict=True)
            for s in d.stays
        ]
    )
    permit_parts = [
        {**d.permits, "person": d.permits["person"] + off}
        for d, off in zip(draws, offsets, strict=True)
        if d.permits is not None
    ]
    permits = {k: np.concatenate([p[k] for p in permit_parts]) for k in permit_parts[0]}
    permits["permit_id"] = np.arange(len(permits["person"]), dtype=np.int64)
    return Population(window, people, _crossings(stays), permits)


def _crossings(s: Stays) -> dict[str, np.ndarray]:
    """One crossing at each end of each stay that happened inside the simulation."""
    opens = np.where(s.inside, ARR, DEP)
    closes = np.where(s.inside, DEP, ARR)
    has_end = s.end < NEVER
    person = np.concatenate([s.person, s.person[has_end]])
    day = np.concatenate([s.start, s.end[has_end]])
    direction = np.concatenate([opens, closes[has_end]])
    visa = np.concatenate([s.visa, s.visa[has_end]])
    auth = np.concatenate([s.authorised_until, s.authorised_until[has_end]])
    order = np.lexsort((day, person))
    return {
        "person_id": person[order].astype(np.int64),
        "day": day[order].astype(np.int32),
        "direction": direction[order],
        "visa": visa[order],
        "authorised_until": auth[order].astype(np.int32),
    }
