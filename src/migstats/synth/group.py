"""What every population group's simulation returns, and the simulated time window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from migstats.synth.draw import day, rng_for
from migstats.synth.profile import Profile
from migstats.synth.stays import Stays


@dataclass(frozen=True)
class SimWindow:
    """Days simulated: from ``sim_start`` (burn-in before the period) to ``sim_end``.

    ``sim_end`` lies one rule window (plus a month) past the period end, so every
    crossing inside the period has its whole future in the simulation and its true
    residence status is exact.
    """

    sim_start: int
    period_start: int
    period_end: int
    sim_end: int

    @classmethod
    def from_profile(cls, profile: Profile) -> SimWindow:
        p = profile.period
        start = p.start.replace(year=p.start.year - p.burn_in_years)
        end = p.end + timedelta(days=profile.residence_rule.window_days + 31)
        return cls(day(start), day(p.start), day(p.end), day(end))

    def rng(self, seed: int, component: str) -> np.random.Generator:
        return rng_for(seed, component)

    @property
    def dates(self) -> dict[str, date]:
        from migstats.synth.draw import to_date

        return {
            "sim_start": to_date(self.sim_start),
            "period_start": to_date(self.period_start),
            "period_end": to_date(self.period_end),
            "sim_end": to_date(self.sim_end),
        }


#: Population groups; people hold the index of theirs in ``group`` (int8).
GROUP_NAMES = ("citizen", "worker", "dependant", "spouse", "student", "business", "tourist")
#: Long episodes abroad of citizens (``long_episode`` holds the index, 0 for none).
LONG_EPISODES = ("", "study", "emigration")


def group_codes(name: str, n: int) -> np.ndarray:
    """``n`` copies of the code of population group ``name``."""
    return np.full(n, GROUP_NAMES.index(name), np.int8)


def in_group(group: np.ndarray, *names: str) -> np.ndarray:
    """Mask of people (or rows) whose group is one of ``names``."""
    return np.isin(group, [GROUP_NAMES.index(n) for n in names])


@dataclass
class GroupDraw:
    """A population group: people (columns keyed by name, group-local row index),
    their stays, and the visas/permits they held (columns, ``person`` group-local)."""

    people: dict[str, np.ndarray]
    stays: list[Stays]
    permits: dict[str, np.ndarray] | None

    @property
    def size(self) -> int:
        return len(self.people["sex"])
