"""Foreign workers and their dependants.

A worker arrives on a work visa, holds one-year work permits renewed while documented,
visits home every year or two, and leaves at the end of the contract. Some stay on
after their last permit expires (undocumented, the overstayers), and some leave while
the employer never cancels the permit, so Xpat keeps it "active". A few bring a spouse
and children on dependent visas, who leave with them.
"""

from __future__ import annotations

import numpy as np

from migstats.refdata.geography import islands
from migstats.synth.draw import NEVER, days_by_volume, owners, pick
from migstats.synth.group import GroupDraw, SimWindow, group_codes
from migstats.synth.profile import Profile
from migstats.synth.stays import Stays, split_by_visits, visa_codes

_YEAR = 365.25


def permit_chain(
    person: np.ndarray, start: np.ndarray, n_permits: np.ndarray, days: int, kind: str
) -> dict[str, np.ndarray]:
    """Consecutive permits of ``days`` each from ``start``: one row per permit."""
    owner, _, k = owners(n_permits.astype(np.int64))
    valid_from = start[owner].astype(np.int64) + k * days
    return {
        "person": person[owner],
        "kind": np.full(len(owner), kind),
        "seq": k.astype(np.int32),
        "valid_from": valid_from.astype(np.int32),
        "valid_to": (valid_from + days - 1).astype(np.int32),
        "latest": k == n_permits[owner] - 1,
    }


def _places(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    """Island codes for ``n`` workers: Malé City, resort, industrial or other islands."""
    kind = pick(rng, shares, n)
    out = np.empty(n, dtype=object)
    for k in np.unique(kind):
        if k == "MC":
            pool = [i.code for i in islands() if i.atoll_code == "MC" and i.kind == "inhabited"]
        elif k == "inhabited":
            pool = [i.code for i in islands() if i.kind == k and i.atoll_code != "MC"]
        else:
            pool = [i.code for i in islands() if i.kind == k]
        mask = kind == k
        out[mask] = np.array(pool)[rng.integers(0, len(pool), int(mask.sum()))]
    return out.astype(str)


def simulate_workers(profile: Profile, window: SimWindow, scale: float, seed: int) -> GroupDraw:
    """Draw foreign workers, their stays and permits, and their dependants."""
    spec = profile.workers
    rng = window.rng(seed, "workers")
    arrive = days_by_volume(
        rng, window.sim_start, window.sim_end - 60, spec.arrivals_per_year, scale
    )
    n = len(arrive)
    occ = profile.occupations
    shares = np.array([o.share for o in occ])
    occ_idx = rng.choice(len(occ), size=n, p=shares / shares.sum())
    female_p = np.array([o.female for o in occ])[occ_idx]
    sex = np.where(rng.random(n) < female_p, "F", "M")
    age = rng.uniform(spec.age_min, spec.age_max, n)
    dob = (arrive - age * _YEAR).astype(np.int32)
    nationality = pick(rng, spec.nationalities, n)

    stay = np.maximum(
        rng.gamma(spec.stay_years_shape, spec.stay_years_mean / spec.stay_years_shape, n) * _YEAR,
        30,
    ).astype(np.int64)
    n_permits = np.maximum(np.ceil(stay / spec.permit_days), 1).astype(np.int64)
    documented_end = arrive + n_permits * spec.permit_days  # day after the last permit
    overstay = rng.random(n) < spec.overstay_share
    extra = (rng.exponential(spec.overstay_years_mean, n) * _YEAR).astype(np.int64) + 1
    depart = np.where(overstay, documented_end + extra, arrive + stay)
    depart = np.where(depart > window.sim_end, NEVER, depart).astype(np.int32)
    authorised_until = (documented_end - 1).astype(np.int32)
    # Home visits only while documented: an overstayer who left could not come back.
    visit_limit = np.where(overstay, documented_end, depart).astype(np.int32)
    who = np.arange(n)
    p, s, e = split_by_visits(
        rng,
        who,
        arrive,
        depart,
        visit_limit,
        spec.home_visit_gap_days,
        spec.home_visit_days,
        window.sim_end,
    )
    stays = Stays(
        person=p,
        start=s,
        end=e,
        inside=np.ones(len(p), dtype=bool),
        visa=visa_codes("WORK", len(p)),
        authorised_until=authorised_until[p],
    )
    permits = permit_chain(who, arrive, n_permits, spec.permit_days, "WORK")
    cancelled = (~overstay) & (depart < NEVER) & (rng.random(n) < spec.permit_cancel_share)
    permits["cancel_day"] = np.where(
        permits["latest"] & cancelled[permits["person"]], depart[permits["person"]], NEVER
    ).astype(np.int32)

    island = _places(rng, dict(spec.place_shares), n)
    isic = np.array([o.isic for o in occ])[occ_idx]
    # Employers: several per industry and island, about twenty workers each.
    _, combo_idx, combo_n = np.unique(
        np.char.add(np.char.add(isic.astype(str), "|"), island),
        return_inverse=True,
        return_counts=True,
    )
    employer = (combo_idx * 1000 + rng.integers(0, 1 + combo_n[combo_idx] // 20)).astype(np.int64)
    workers = {
        "group": group_codes("worker", n),
        "sex": sex,
        "dob": dob,
        "citizenship": nationality,
        "birth_country": nationality,
        "death_day": np.full(n, NEVER, dtype=np.int32),
        "initially_resident": np.zeros(n, bool),
        "island": island,
        "occupation": np.array([o.isco for o in occ])[occ_idx],
        "occupation_index": occ_idx.astype(np.int32),
        "isic": isic,
        "employer": employer,
        "overstayer": overstay,
        "sponsor": np.full(n, -1, dtype=np.int64),
    }
    draw = GroupDraw(people=workers, stays=[stays], permits=permits)
    return _add_dependants(draw, profile, window, rng, arrive, depart, stay, overstay)


def _add_dependants(
    draw: GroupDraw,
    profile: Profile,
    window: SimWindow,
    rng: np.random.Generator,
    arrive: np.ndarray,
    depart: np.ndarray,
    stay: np.ndarray,
    overstay: np.ndarray,
) -> GroupDraw:
    """Spouses and children of long-staying documented workers (professionals more often)."""
    w = draw.people
    n = len(arrive)
    professional = np.isin(w["occupation"].astype("U1"), ["1", "2", "3"])
    p = profile.workers.dependant_share * np.where(professional, 5.0, 0.5)
    brings = (~overstay) & (stay >= 365) & (rng.random(n) < p)
    head = np.flatnonzero(brings)
    n_children = rng.poisson(1.0, len(head))
    size = 1 + n_children
    owner, _, k = owners(size.astype(np.int64))
    hw = head[owner]
    m = len(hw)
    is_spouse = k == 0
    spouse_sex = np.where(w["sex"][hw] == "M", "F", "M")
    sex = np.where(is_spouse, spouse_sex, np.where(rng.random(m) < 0.5, "F", "M"))
    arrive_d = arrive[hw] + rng.integers(30, 181, m)
    age = np.where(is_spouse, rng.uniform(20, 45, m), rng.uniform(0, 15, m))
    dob = (arrive_d - age * _YEAR).astype(np.int32)
    end = depart[hw]
    ok = arrive_d + 30 < np.where(end == NEVER, window.sim_end, end)
    hw, sex, arrive_d, dob, end, is_spouse = (
        hw[ok],
        sex[ok],
        arrive_d[ok],
        dob[ok],
        end[ok],
        is_spouse[ok],
    )
    m = len(hw)
    idx = n + np.arange(m)
    authorised = (
        arrive_d + np.ceil((np.where(end == NEVER, window.sim_end, end) - arrive_d) / 365) * 365 - 1
    ).astype(np.int32)
    dep_stays = Stays(
        person=idx,
        start=arrive_d.astype(np.int32),
        end=end.astype(np.int32),
        inside=np.ones(m, dtype=bool),
        visa=visa_codes("DEPENDENT", m),
        authorised_until=authorised,
    )
    n_permits = np.ceil((authorised.astype(np.int64) + 1 - arrive_d) / 365).astype(np.int64)
    dep_permits = permit_chain(idx, arrive_d, n_permits, 365, "DEPENDENT")
    dep_permits["cancel_day"] = np.full(len(dep_permits["person"]), NEVER, dtype=np.int32)
    people = {
        "group": group_codes("dependant", m),
        "sex": sex,
        "dob": dob,
        "citizenship": w["citizenship"][hw],
        "birth_country": w["citizenship"][hw],
        "death_day": np.full(m, NEVER, dtype=np.int32),
        "initially_resident": np.zeros(m, bool),
        "island": w["island"][hw],
        "occupation": np.full(m, ""),
        "occupation_index": np.full(m, -1, dtype=np.int32),
        "isic": np.full(m, ""),
        "employer": np.full(m, -1, dtype=np.int64),
        "overstayer": np.zeros(m, dtype=bool),
        "sponsor": hw.astype(np.int64),
    }
    merged = {k: np.concatenate([w[k], people[k]]) for k in w}
    permits = {k: np.concatenate([draw.permits[k], dep_permits[k]]) for k in dep_permits}  # type: ignore[index]
    return GroupDraw(people=merged, stays=[*draw.stays, dep_stays], permits=permits)
