"""Other foreign residents: spouses of Maldivians and foreign students.

Spouses hold resident (marriage) visas of two years, renewed, and stay for years with
yearly home visits. Students hold one-year student visas for the length of their course.
"""

from __future__ import annotations

import numpy as np

from migstats.synth.draw import NEVER, days_by_volume, pick
from migstats.synth.group import GroupDraw, SimWindow
from migstats.synth.profile import Profile
from migstats.synth.stays import Stays, split_by_visits, visa_codes
from migstats.synth.visitors import visitor_people
from migstats.synth.workers import permit_chain

_YEAR = 365.25


def _long_stayers(
    rng: np.random.Generator,
    window: SimWindow,
    arrive: np.ndarray,
    stay_days: np.ndarray,
    visa: str,
    permit_days: int,
    group: str,
    female: float,
    nationality: np.ndarray,
) -> GroupDraw:
    n = len(arrive)
    depart = arrive.astype(np.int64) + stay_days
    depart = np.where(depart > window.sim_end, NEVER, depart).astype(np.int32)
    n_permits = np.ceil(stay_days / permit_days).astype(np.int64)
    authorised = (arrive + n_permits * permit_days - 1).astype(np.int32)
    who = np.arange(n)
    p, s, e = split_by_visits(
        rng, who, arrive, depart, depart, (300, 500), (14, 45), window.sim_end
    )
    stays = Stays(
        person=p,
        start=s,
        end=e,
        inside=np.ones(len(p), dtype=bool),
        visa=visa_codes(visa, len(p)),
        authorised_until=authorised[p],
    )
    permits = permit_chain(who, arrive, n_permits, permit_days, visa)
    permits["cancel_day"] = np.full(len(permits["person"]), NEVER, dtype=np.int32)
    people = visitor_people(rng, n, group, female, nationality, arrive)
    # Spouses and students are adults: redraw ages over adult ranges.
    lo, hi = (20, 50) if group == "spouse" else (17, 30)
    people["dob"] = (arrive - rng.uniform(lo, hi, n) * _YEAR).astype(np.int32)
    return GroupDraw(people=people, stays=[stays], permits=permits)


def simulate_spouses(profile: Profile, window: SimWindow, scale: float, seed: int) -> GroupDraw:
    """Foreign spouses of Maldivians."""
    spec = profile.spouses
    rng = window.rng(seed, "spouses")
    arrive = days_by_volume(
        rng, window.sim_start, window.sim_end - 60, {0: spec.arrivals_per_year}, scale
    )
    stay = (rng.exponential(spec.stay_years_mean, len(arrive)) * _YEAR).astype(np.int64) + 60

    nationality = pick(rng, spec.nationalities, len(arrive))
    return _long_stayers(
        rng, window, arrive, stay, "RESIDENT", 730, "spouse", spec.female_share, nationality
    )


def simulate_students(profile: Profile, window: SimWindow, scale: float, seed: int) -> GroupDraw:
    """Foreign students on student visas."""
    spec = profile.students
    rng = window.rng(seed, "students")
    arrive = days_by_volume(
        rng, window.sim_start, window.sim_end - 60, {0: spec.arrivals_per_year}, scale
    )
    years = rng.integers(spec.stay_years[0], spec.stay_years[1] + 1, len(arrive))
    stay = (years * _YEAR).astype(np.int64) - rng.integers(0, 60, len(arrive))

    nationality = pick(rng, spec.nationalities, len(arrive))
    return _long_stayers(
        rng, window, arrive, stay, "STUDENT", 365, "student", spec.female_share, nationality
    )
