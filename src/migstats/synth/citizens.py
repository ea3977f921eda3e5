"""Maldivian citizens: births, deaths, short trips, study abroad, emigration and return.

Most citizens never leave; travellers take short trips (medical, shopping, holidays);
some young adults study abroad for years with home visits; a few adults emigrate and
some of them come back. Every citizen is registered; the island of registration is
Malé City for a configured share and spread over the other inhabited islands otherwise.
"""

from __future__ import annotations

import numpy as np

from migstats.refdata.geography import islands
from migstats.synth.draw import NEVER, DayArray, owners, pick, segmented_cumsum
from migstats.synth.group import GroupDraw, SimWindow, group_codes
from migstats.synth.profile import Profile
from migstats.synth.stays import Stays, split_by_visits, visa_codes

# Age structure at the simulation start (5-year groups 0-4 ... 75-79, 80+): a young
# population like the Maldives' in the 2010s, with the bulge at working ages.
_AGE_WEIGHTS = np.array(
    [9.5, 8.5, 8.0, 9.0, 11.0, 11.0, 9.5, 7.5, 6.0, 5.0, 4.5, 3.5, 2.5, 1.8, 1.3, 0.9, 0.8]
)
_YEAR = 365.25


def _years_of_event(
    rng: np.random.Generator, rate: float, first: DayArray, last: DayArray
) -> DayArray:
    """Day of a once-only event with an annual ``rate`` while in ``[first, last]``."""
    years = np.maximum(last.astype(np.int64) - first, 0) / _YEAR
    happens = rng.random(len(first)) < 1.0 - (1.0 - rate) ** years
    when = first + (rng.random(len(first)) * (last.astype(np.int64) - first)).astype(np.int64)
    return np.where(happens & (last > first), when, NEVER).astype(np.int32)


def simulate_citizens(profile: Profile, window: SimWindow, scale: float, seed: int) -> GroupDraw:
    """Draw the citizen population and its stays abroad."""
    spec = profile.citizens
    rng = window.rng(seed, "citizens")
    n0 = max(round(spec.population_at_sim_start * scale), 1)
    # Ages at the simulation start, then births through the simulation.
    group = rng.choice(len(_AGE_WEIGHTS), size=n0, p=_AGE_WEIGHTS / _AGE_WEIGHTS.sum())
    age_days = ((group * 5 + rng.random(n0) * np.where(group == 16, 10, 5)) * _YEAR).astype(int)
    dob0 = (window.sim_start - age_days).astype(np.int32)
    years = (window.sim_end - window.sim_start) / _YEAR
    n_births = rng.poisson(spec.births_per_1000 / 1000 * n0 * years * 1.06)
    dob1 = np.sort(rng.integers(window.sim_start, window.sim_end, size=n_births)).astype(np.int32)
    dob = np.concatenate([dob0, dob1])
    n = len(dob)
    sex = np.where(rng.random(n) < spec.female_share, "F", "M")
    # Only people already alive at the start are born abroad: newborns arrive by birth.
    born_abroad = (rng.random(n) < spec.foreign_born_share) & (np.arange(n) < n0)
    birth_country = np.where(born_abroad, pick(rng, spec.foreign_birth_countries, n), "MDV")

    # Deaths: one draw per simulated year with an age-band hazard.
    death = np.full(n, NEVER, dtype=np.int32)
    rates = np.array(spec.death_rates)
    for y0 in np.arange(window.sim_start, window.sim_end, _YEAR):
        alive = (death == NEVER) & (dob <= y0 + _YEAR)
        age = (y0 - dob) / _YEAR
        band = np.digitize(age, [40, 60, 75])
        dies = alive & (rng.random(n) < rates[band])
        when = np.maximum(y0 + rng.random(n) * _YEAR, dob + 1).astype(np.int32)
        death = np.where(dies & (when < window.sim_end), when, death)
    life_end = np.minimum(death, window.sim_end).astype(np.int32)

    # Long episodes abroad: study (ages 18-24) or emigration (ages 20+), the first wins.
    d18, d25, d20 = dob + int(18 * _YEAR), dob + int(25 * _YEAR), dob + int(20 * _YEAR)
    study = _years_of_event(
        rng,
        spec.study_abroad_rate,
        np.maximum(d18, window.sim_start).astype(np.int32),
        np.minimum(d25, life_end).astype(np.int32),
    )
    emig = _years_of_event(
        rng,
        spec.emigration_rate,
        np.maximum(d20, window.sim_start).astype(np.int32),
        life_end,
    )
    is_study = study < emig
    ep_start = np.minimum(study, emig)
    has_ep = ep_start < NEVER
    ep_years = np.where(
        is_study,
        rng.integers(spec.study_years_min, spec.study_years_max + 1, size=n),
        rng.integers(2, 11, size=n),
    )
    returns = rng.random(n) < np.where(
        is_study, spec.study_return_share, spec.emigrant_return_share
    )
    ep_end = np.where(returns, ep_start.astype(np.int64) + (ep_years * _YEAR).astype(int), NEVER)
    ep_end = np.where(ep_end >= death, NEVER, ep_end)  # died abroad: never came back
    ep_end = np.where(ep_end > window.sim_end, NEVER, ep_end).astype(np.int32)
    who = np.flatnonzero(has_ep)
    ep_p, ep_s, ep_e = split_by_visits(
        rng,
        who,
        ep_start[who],
        ep_end[who],
        np.minimum(ep_end[who], life_end[who]).astype(np.int32),
        (300, 730),
        (20, 60),
        window.sim_end,
    )

    # Short trips: an alternating renewal process per person, with a gamma rate.
    rate = rng.gamma(spec.trip_rate_shape, spec.trips_per_year / spec.trip_rate_shape, size=n)
    first = np.maximum(dob, window.sim_start).astype(np.int64)
    span_years = np.maximum(life_end - first, 0) / _YEAR
    count = rng.poisson(rate * span_years * 1.5) + (rate * span_years > 0)
    owner, starts, _ = owners(count)
    gaps = rng.exponential(_YEAR / np.maximum(rate[owner], 1e-9)).astype(np.int64) + 1
    lengths = np.clip(
        rng.lognormal(np.log(spec.trip_days_median), spec.trip_days_sigma, len(owner)),
        1,
        spec.trip_days_max,
    ).astype(np.int64)
    t_start = first[owner] + segmented_cumsum(gaps + lengths, starts) - lengths
    t_end = t_start + lengths
    # Trips must end before death and stay clear of a long episode abroad.
    clear = (t_end + 30 < ep_start[owner]) | (
        (t_start > ep_end[owner] + 30) & (ep_end[owner] < NEVER)
    )
    keep = (t_start < life_end[owner]) & clear
    # A trip still going on at death or at the simulation end has no return crossing.
    t_end = np.where(t_end < life_end[owner], t_end, NEVER)
    trips = Stays(
        person=owner[keep],
        start=t_start[keep].astype(np.int32),
        end=t_end[keep].astype(np.int32),
        inside=np.zeros(int(keep.sum()), dtype=bool),
        visa=visa_codes("CITIZEN", int(keep.sum())),
        authorised_until=np.full(int(keep.sum()), NEVER, dtype=np.int32),
    )
    episodes = Stays(
        person=ep_p,
        start=ep_s,
        end=ep_e,
        inside=np.zeros(len(ep_p), dtype=bool),
        visa=visa_codes("CITIZEN", len(ep_p)),
        authorised_until=np.full(len(ep_p), NEVER, dtype=np.int32),
    )

    inhabited = [i.code for i in islands() if i.kind == "inhabited" and i.atoll_code != "MC"]
    male = [i.code for i in islands() if i.atoll_code == "MC" and i.kind == "inhabited"]
    in_male = rng.random(n) < spec.male_city_share
    island = np.where(
        in_male,
        np.array(male)[rng.integers(0, len(male), n)],
        np.array(inhabited)[rng.integers(0, len(inhabited), n)],
    )
    people = {
        "group": group_codes("citizen", n),
        "sex": sex,
        "dob": dob,
        "citizenship": np.full(n, profile.country.iso3),
        "birth_country": birth_country,
        "death_day": death,
        "initially_resident": np.ones(n, bool),
        "island": island,
        "long_episode": np.where(has_ep, np.where(is_study, 1, 2), 0).astype(np.int8),
    }
    return GroupDraw(people=people, stays=[trips, episodes], permits=None)
