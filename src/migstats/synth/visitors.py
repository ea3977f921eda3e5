"""Tourists and business visitors: short stays, seasonal arrivals, repeat visits.

Tourist arrivals follow the yearly volumes and monthly weights of the profile, with
no arrivals while borders were closed. Repeat visitors are made by linking an arrival
to a later one (200-900 days on), so yearly volumes and seasonality hold exactly. A
tourist staying over 30 days holds an extension; a very few overstay.
"""

from __future__ import annotations

import numpy as np

from migstats.synth.draw import NEVER, days_by_volume, owners, pick, segmented_cumsum
from migstats.synth.group import GroupDraw, SimWindow, group_codes
from migstats.synth.profile import Profile
from migstats.synth.stays import Stays, visa_codes

_YEAR = 365.25


def _tourist_day_weights(profile: Profile, first: int, last: int) -> np.ndarray:
    days = np.arange(first, last + 1).astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    weight = np.array(profile.tourists.month_weights)[month]
    for c_start, c_end in profile.tourists.closures:
        closed = (days >= np.datetime64(c_start)) & (days <= np.datetime64(c_end))
        weight = np.where(closed, 0.0, weight)
    return weight


def _chain_visits(
    rng: np.random.Generator,
    arrive: np.ndarray,
    can_repeat: np.ndarray,
    share: float,
    gap: tuple[int, int],
) -> np.ndarray:
    """Person index of each arrival after linking some arrivals to a later one."""
    n = len(arrive)
    src = np.flatnonzero(can_repeat & (rng.random(n) < share))
    target_day = arrive[src] + rng.integers(gap[0], gap[1] + 1, len(src))
    tgt = np.searchsorted(arrive, target_day)
    ok = tgt < n
    src, tgt = src[ok], tgt[ok]
    # Each later arrival can be the return of only one earlier visit.
    _, first = np.unique(tgt, return_index=True)
    src, tgt = src[first], tgt[first]
    # An arrival that is some visit's return cannot also start a person of its own.
    pid = np.arange(n)
    while True:  # pointer propagation along chains (chains are a few visits long)
        new = pid.copy()
        new[tgt] = pid[src]
        if np.array_equal(new, pid):
            break
        pid = new
    _, person = np.unique(pid, return_inverse=True)
    return person.astype(np.int64)


def visitor_people(
    rng: np.random.Generator,
    n: int,
    group: str,
    female: float,
    nationality: np.ndarray,
    first_arrival: np.ndarray,
) -> dict[str, np.ndarray]:
    # Mostly adults of working and retirement age; some children travel with families.
    child = rng.random(n) < (0.10 if group == "tourist" else 0.0)
    age = np.where(child, rng.uniform(0, 18, n), rng.triangular(18, 36, 80, n))
    return {
        "group": group_codes(group, n),
        "sex": np.where(rng.random(n) < female, "F", "M"),
        "dob": (first_arrival - age * _YEAR).astype(np.int32),
        "citizenship": nationality,
        "birth_country": nationality,
        "death_day": np.full(n, NEVER, dtype=np.int32),
        "initially_resident": np.zeros(n, bool),
        "island": np.full(n, ""),
    }


def simulate_tourists(profile: Profile, window: SimWindow, scale: float, seed: int) -> GroupDraw:
    """Draw tourist visits, group them into people, add extensions and overstays."""
    spec = profile.tourists
    rng = window.rng(seed, "tourists")
    first = window.period_start - 400
    last = window.sim_end - 120
    arrive = days_by_volume(
        rng, first, last, spec.arrivals_per_year, scale, _tourist_day_weights(profile, first, last)
    )
    n = len(arrive)
    nights = np.clip(
        np.rint(rng.lognormal(np.log(spec.stay_nights_median), spec.stay_nights_sigma, n)),
        1,
        spec.extension_max_days,
    ).astype(np.int64)
    overstay = rng.random(n) < spec.overstay_share
    nights = np.where(
        overstay, rng.integers(spec.overstay_days[0], spec.overstay_days[1] + 1, n), nights
    )
    person = _chain_visits(rng, arrive, ~overstay, spec.repeat_share, spec.repeat_gap_days)
    # A visit cannot start before the same person's previous one ended.
    order = np.lexsort((arrive, person))
    person, arrive, nights, overstay = person[order], arrive[order], nights[order], overstay[order]
    depart = arrive.astype(np.int64) + nights
    prev_end = np.concatenate(([-1], depart[:-1]))
    same = np.concatenate(([False], person[1:] == person[:-1]))
    clash = same & (arrive <= prev_end)
    keep = ~clash
    person, arrive, nights = person[keep], arrive[keep], nights[keep]
    overstay, depart = overstay[keep], depart[keep]
    visa_end = arrive.astype(np.int64) + spec.visa_days
    extended = (~overstay) & (nights > spec.visa_days)
    ext_until = arrive.astype(np.int64) + np.minimum(
        np.ceil(nights / 30) * 30, spec.extension_max_days
    ).astype(np.int64)
    authorised = np.where(extended, ext_until, visa_end).astype(np.int32)
    depart = np.where(depart > window.sim_end, NEVER, depart).astype(np.int32)
    n_people = int(person.max()) + 1 if len(person) else 0
    first_arr = np.full(n_people, NEVER, dtype=np.int64)
    np.minimum.at(first_arr, person, arrive)
    nationality = pick(rng, spec.markets, n_people)
    people = visitor_people(rng, n_people, "tourist", spec.female_share, nationality, first_arr)
    stays = Stays(
        person=person,
        start=arrive.astype(np.int32),
        end=depart,
        inside=np.ones(len(person), dtype=bool),
        visa=visa_codes("TOURIST", len(person)),
        authorised_until=authorised,
    )
    ext = np.flatnonzero(extended)
    permits = {
        "person": person[ext],
        "kind": np.full(len(ext), "TOURIST_EXTENSION"),
        "seq": np.zeros(len(ext), dtype=np.int32),
        "valid_from": (visa_end[ext] + 1).astype(np.int32),
        "valid_to": ext_until[ext].astype(np.int32),
        "latest": np.ones(len(ext), dtype=bool),
        "cancel_day": np.full(len(ext), NEVER, dtype=np.int32),
    }
    return GroupDraw(people=people, stays=[stays], permits=permits)


def simulate_business(profile: Profile, window: SimWindow, scale: float, seed: int) -> GroupDraw:
    """Business visitors: frequent short visits on business visas."""
    spec = profile.business
    rng = window.rng(seed, "business")
    n = max(round(spec.visitors * scale), 1)
    first = window.period_start - 400
    start = first + rng.integers(0, 365, n)
    span = window.sim_end - 120 - start
    count = rng.poisson(spec.visits_per_year * span / _YEAR) + 1
    owner, starts, _ = owners(count.astype(np.int64))
    lengths = rng.integers(spec.stay_days[0], spec.stay_days[1] + 1, len(owner)).astype(np.int64)
    gaps = rng.exponential(_YEAR / spec.visits_per_year, len(owner)).astype(np.int64) + 1
    arrive = start[owner] + segmented_cumsum(gaps + lengths, starts) - lengths
    depart = arrive + lengths
    keep = arrive < window.sim_end
    owner, arrive, depart = owner[keep], arrive[keep], depart[keep]
    depart = np.where(depart > window.sim_end, NEVER, depart)
    nationality = pick(rng, spec.nationalities, n)
    people = visitor_people(rng, n, "business", spec.female_share, nationality, start)
    authorised = (arrive + spec.visa_days).astype(np.int32)
    stays = Stays(
        person=owner,
        start=arrive.astype(np.int32),
        end=depart.astype(np.int32),
        inside=np.ones(len(owner), dtype=bool),
        visa=visa_codes("BUSINESS", len(owner)),
        authorised_until=authorised,
    )
    permits = {
        "person": owner,
        "kind": np.full(len(owner), "BUSINESS"),
        "seq": np.zeros(len(owner), dtype=np.int32),
        "valid_from": arrive.astype(np.int32),
        "valid_to": authorised,
        "latest": np.ones(len(owner), dtype=bool),
        "cancel_day": np.full(len(owner), NEVER, dtype=np.int32),
    }
    return GroupDraw(people=people, stays=[stays], permits=permits)
