"""The 2022 census (MBS) and the national register (Department of National Registration).

The census enumerates residents present on census night, with coverage by group
(foreigners about 65%, undocumented less). It codes countries as UN M49 numbers,
occupation as ISCO-08 and industry as ISIC Rev.4 divisions, and carries the labour and
schooling variables the SDG indicators need. Many foreigners give an age but no date of
birth. The register lists every Maldivian citizen with national ID and deaths.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from migstats.refdata.countries import by_iso3
from migstats.refdata.geography import island_by_code, islands
from migstats.synth.draw import day
from migstats.synth.extracts.common import Extract, FaultLog, fmt_dates, join_name, names_for, tf
from migstats.synth.group import in_group
from migstats.synth.identity import Identities, national_ids
from migstats.synth.population import ARR, Population
from migstats.synth.profile import Profile
from migstats.synth.truth import status_on

# Occupations of employed citizens (ISCO-08 unit group: share) and their ISIC division.
_CITIZEN_JOBS = {
    "2341": ("85", 0.08),
    "3351": ("84", 0.10),
    "4110": ("84", 0.12),
    "6222": ("03", 0.08),
    "5131": ("55", 0.06),
    "4224": ("55", 0.05),
    "5223": ("47", 0.08),
    "8350": ("50", 0.06),
    "2221": ("86", 0.04),
    "5412": ("84", 0.05),
    "7411": ("43", 0.03),
    "1120": ("84", 0.02),
    "2411": ("69", 0.03),
    "8322": ("49", 0.05),
    "9112": ("55", 0.05),
    "3343": ("84", 0.10),
}

ACTIVITY = {1: "employed", 2: "unemployed", 3: "not in the labour force"}


def _m49(iso3: np.ndarray) -> np.ndarray:
    uniq, inv = np.unique(iso3, return_inverse=True)
    return np.array([int(by_iso3(str(c)).m49 or 999) for c in uniq], np.int32)[inv]


def census_extract(
    pop: Population,
    ident: Identities,
    profile: Profile,
    rng: np.random.Generator,
    status_after: np.ndarray,
) -> Extract:
    """Persons enumerated on census night (residents present, with coverage)."""
    spec = profile.census
    people = pop.people
    c = pop.crossings
    night = day(profile.country.census_night)
    ids = people["person_id"]
    initial = people["initially_resident"].astype(np.int8)
    resident = status_on(ids, c["person_id"], c["day"], status_after, initial, night) == 1
    # Present: the last crossing on or before census night is an arrival (or none yet
    # for a citizen at home).
    inside = (
        status_on(
            ids, c["person_id"], c["day"], (c["direction"] == ARR).astype(np.int8), initial, night
        )
        == 1
    )
    alive = (people["dob"] <= night) & (people["death_day"] > night)
    citizen = in_group(people["group"], "citizen")
    undocumented = _undocumented_on(pop, night)
    p_cover = np.where(
        citizen,
        spec.coverage_citizens,
        spec.coverage_foreigners * np.where(undocumented, spec.undocumented_factor, 1.0),
    )
    # Scale documented foreigners up so that foreigners overall reach the coverage.
    foreign_pool = resident & inside & alive & ~citizen
    if foreign_pool.any():
        mean_p = p_cover[foreign_pool].mean()
        p_cover = np.where(
            citizen, p_cover, np.minimum(p_cover * spec.coverage_foreigners / mean_p, 1)
        )
    enumerated = resident & inside & alive & (rng.random(len(ids)) < p_cover)
    who = np.flatnonzero(enumerated)
    n = len(who)
    log = FaultLog(n)
    given, surname = names_for(ident, rng, who, profile.faults.name_typo, log)
    dob = people["dob"][who]
    age = ((night - dob) / 365.25).astype(np.int32)
    cit = citizen[who]
    dob_missing = ~cit & (rng.random(n) < spec.foreign_dob_missing_share)

    # Labour and schooling.
    sex = people["sex"][who]
    group = people["group"][who]
    activity = np.full(n, 3, np.int8)
    working_age = (age >= 15) & (age <= 64)
    part = np.where(
        sex == "F", spec.citizen_lf_participation["F"], spec.citizen_lf_participation["M"]
    )
    part = np.where(age >= 65, 0.15, part)
    in_lf = cit & (age >= 15) & (rng.random(n) < part)
    unemp = np.where(
        sex == "F", spec.citizen_unemployment_rate["F"], spec.citizen_unemployment_rate["M"]
    )
    activity = np.where(in_lf, np.where(rng.random(n) < unemp, 2, 1), activity)
    is_worker = in_group(group, "worker")
    activity = np.where(is_worker, 1, activity)
    spouse_works = in_group(group, "spouse", "dependant") & working_age & (rng.random(n) < 0.25)
    activity = np.where(spouse_works, 1, activity).astype(np.int8)
    attend_p = np.select(
        [
            (age >= 5) & (age <= 14),
            (age >= 15) & (age <= 17),
            (age >= 18) & (age <= 24),
            in_group(group, "student"),
        ],
        [
            spec.school_attendance["5-14"],
            spec.school_attendance["15-17"],
            spec.school_attendance["18-24"],
            1.0,
        ],
        0.0,
    )
    attending = (rng.random(n) < attend_p) & ~is_worker
    # Young people both studying and working are counted as employed and attending.
    occupation = np.where(is_worker, people["occupation"][who], "")
    industry = np.where(is_worker, people["isic"][who], "")
    jobs = np.array(sorted(_CITIZEN_JOBS))
    job_p = np.array([_CITIZEN_JOBS[j][1] for j in jobs])
    drawn = jobs[rng.choice(len(jobs), n, p=job_p / job_p.sum())]
    drawn_isic = np.array([_CITIZEN_JOBS[j][0] for j in jobs])[np.searchsorted(jobs, drawn)]
    other_employed = (activity == 1) & ~is_worker
    occupation = np.where(other_employed, drawn, occupation)
    industry = np.where(other_employed, drawn_isic, industry)

    # Usual island: workers where they work, dependants with their sponsor, citizens
    # mostly where registered (some moved to Malé City), others in Malé City.
    island = people["island"][who].astype(object)
    sponsor = people["sponsor"][who]
    island = np.where(sponsor >= 0, people["island"][np.maximum(sponsor, 0)], island)
    moved = cit & (rng.random(n) < 0.12)
    island = np.where(moved, "MC01", island)
    island = np.where(island == "", "MC01", island).astype(str)

    first_arrival = _first_arrival_year(pop)[who]
    foreign_born = people["birth_country"][who] != profile.country.iso3
    year_arrival = np.where(foreign_born & (first_arrival > 0), first_arrival, 0)
    record = np.arange(1, n + 1, dtype=np.int64)
    table = pa.table(
        {
            "census_person_id": pa.array(record),
            "full_name": join_name(given, surname),
            "sex": pa.array(np.where(sex == "F", 2, 1).astype(np.int8)),
            "age": pa.array(age),
            "date_of_birth": fmt_dates(dob, "%Y-%m-%d", null=dob_missing),
            "country_of_birth": pa.array(_m49(people["birth_country"][who])),
            "citizenship": pa.array(_m49(people["citizenship"][who])),
            "island_code": pa.array(island),
            "atoll_code": pa.array(_atolls_of(island)),
            "year_of_arrival": pa.array(year_arrival, pa.int16(), mask=year_arrival <= 0),
            "activity_status": pa.array(activity),
            "attending_education": pa.array(attending.astype(np.int8), mask=age < 3),
            "occupation_isco": pa.array(occupation, pa.string(), mask=occupation == ""),
            "industry_isic": pa.array(industry, pa.string(), mask=industry == ""),
        }
    )
    truth = pa.table(
        {
            "record_id": pa.array(record).cast(pa.string()),
            "person_id": pa.array(who),
            "faults": log.codes(),
        }
    )
    schema = {
        "fields": [
            tf(
                "census_person_id",
                "integer",
                "Person number in the census file.",
                constraints={"required": True, "unique": True},
            ),
            tf("full_name", "string", "Name as given to the enumerator."),
            tf("sex", "integer", "1 male, 2 female.", constraints={"enum": [1, 2]}),
            tf(
                "age",
                "integer",
                "Age in completed years on census night.",
                constraints={"minimum": 0, "maximum": 120},
            ),
            tf(
                "date_of_birth",
                "date",
                "Date of birth (often not known for foreign residents).",
                format="%Y-%m-%d",
            ),
            tf("country_of_birth", "integer", "Country of birth, UN M49 numeric code."),
            tf("citizenship", "integer", "Country of citizenship, UN M49 numeric code."),
            tf("island_code", "string", "Island of usual residence (census island code)."),
            tf("atoll_code", "string", "Administrative atoll (letter code; MC Malé City)."),
            tf(
                "year_of_arrival",
                "integer",
                "Year of first arrival in the Maldives (foreign-born).",
            ),
            tf(
                "activity_status",
                "integer",
                "1 employed, 2 unemployed, 3 not in the labour force.",
                constraints={"enum": [1, 2, 3]},
            ),
            tf(
                "attending_education",
                "integer",
                "1 attending school or training, 0 not (age 3+).",
                constraints={"enum": [0, 1]},
            ),
            tf(
                "occupation_isco",
                "string",
                "Occupation, ISCO-08 unit group (employed).",
                constraints={"pattern": "[0-9]{4}"},
            ),
            tf(
                "industry_isic",
                "string",
                "Industry, ISIC Rev.4 division (employed).",
                constraints={"pattern": "[0-9]{2}"},
            ),
        ],
        "primaryKey": ["census_person_id"],
    }
    return Extract(
        agency="mbs",
        name="census_2022",
        title="Population and Housing Census 2022",
        description=f"Persons enumerated on census night {profile.country.census_night}.",
        table=table,
        fmt="parquet",
        schema=schema,
        truth=truth,
    )


def _atolls_of(island: np.ndarray) -> np.ndarray:
    uniq, inv = np.unique(island, return_inverse=True)
    return np.array([island_by_code(str(i)).atoll_code for i in uniq] or [""])[inv]


def _undocumented_on(pop: Population, night: int) -> np.ndarray:
    """Per person: present without authorisation on ``night`` (truth, no grace)."""
    c = pop.crossings
    ids = pop.people["person_id"]
    key = c["person_id"].astype(np.int64) * (1 << 32) + c["day"]
    j = np.searchsorted(key, ids.astype(np.int64) * (1 << 32) + night, side="right") - 1
    valid = (j >= 0) & (c["person_id"][np.maximum(j, 0)] == ids)
    jj = np.maximum(j, 0)
    out: np.ndarray = valid & (c["direction"][jj] == ARR) & (c["authorised_until"][jj] < night)
    return out


def _first_arrival_year(pop: Population) -> np.ndarray:
    c = pop.crossings
    out = np.zeros(pop.n_people, np.int32)
    arr = c["direction"] == ARR
    first = np.concatenate(([True], c["person_id"][1:] != c["person_id"][:-1]))
    # The first arrival is either the first crossing or the second (after a departure).
    cand = arr & (first | np.concatenate(([False], first[:-1])))
    pid = c["person_id"][cand][::-1]
    yr = (
        c["day"][cand][::-1].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int32) + 1970
    )
    out[pid] = yr  # reversed, so the earliest wins
    return out


def register_extract(
    pop: Population, ident: Identities, profile: Profile, rng: np.random.Generator
) -> Extract:
    """Every Maldivian citizen born by the period end, with deaths registered."""
    people = pop.people
    w = pop.window
    who = np.flatnonzero(in_group(people["group"], "citizen") & (people["dob"] <= w.period_end))
    n = len(who)
    log = FaultLog(n)
    given, surname = names_for(ident, rng, who, profile.faults.name_typo, log)
    death = people["death_day"][who]
    dead = death <= w.period_end
    by_code = {i.code: i for i in islands()}
    isl = people["island"][who]
    uniq, inv = np.unique(isl, return_inverse=True)
    labels = np.array([f"{by_code[str(u)].atoll_code}. {by_code[str(u)].name}" for u in uniq])
    nid = national_ids(np.arange(n, dtype=np.int64), ident.seed)
    table = pa.table(
        {
            "NATIONAL_ID": nid,
            "FULL_NAME": join_name(given, surname),
            "SEX": pa.array(people["sex"][who]),
            "DATE_OF_BIRTH": pa.array(people["dob"][who].astype(np.int32), pa.date32()),
            "ISLAND_OF_REGISTRATION": pa.array(labels[inv] if n else np.array([], str)),
            "DATE_OF_DEATH": pc.if_else(
                pa.array(dead),
                pa.array(death.astype(np.int32), pa.date32()),
                pa.scalar(None, pa.date32()),
            ),
            "STATUS": pa.array(np.where(dead, "Deceased", "Active")),
        }
    )
    truth = pa.table({"record_id": nid, "person_id": pa.array(who), "faults": log.codes()})
    schema = {
        "fields": [
            tf(
                "NATIONAL_ID",
                "string",
                "National identity card number.",
                constraints={"required": True, "unique": True, "pattern": "A[0-9]{6}"},
            ),
            tf("FULL_NAME", "string", "Full name."),
            tf("SEX", "string", "M or F.", constraints={"enum": ["F", "M"]}),
            tf("DATE_OF_BIRTH", "date", "Date of birth."),
            tf(
                "ISLAND_OF_REGISTRATION",
                "string",
                "Island of registration as atoll code and island name.",
            ),
            tf("DATE_OF_DEATH", "date", "Date of death, if registered."),
            tf(
                "STATUS",
                "string",
                "Active or Deceased.",
                constraints={"enum": ["Active", "Deceased"]},
            ),
        ],
        "primaryKey": ["NATIONAL_ID"],
    }
    return Extract(
        agency="nrd",
        name="national_register",
        title="National Register",
        description="Maldivian citizens registered by the Department of National Registration.",
        table=table,
        fmt="xlsx",
        schema=schema,
        truth=truth,
    )
