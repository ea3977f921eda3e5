"""Visas and residence permits (Immigration) and work permits (Xpat).

Immigration writes nationality as a country name, dates ``DD-MM-YYYY``, semicolon
separated with a byte-order mark (an Excel export). Xpat writes nationality as a
demonym ("Bangladeshi"), occupation as free text, the island of work with variant
spellings, and dates as ``1-Mar-22``. Xpat leaves permits "ACTIVE" after a worker left
when the employer never cancelled them; Immigration marks visas by validity.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from migstats.refdata.countries import by_iso3
from migstats.refdata.geography import atoll, islands
from migstats.synth.draw import NEVER
from migstats.synth.extracts.common import (
    Extract,
    FaultLog,
    fmt_dates,
    join_name,
    names_for,
    swap_day_month,
    tf,
)
from migstats.synth.identity import Identities, coded
from migstats.synth.population import Population
from migstats.synth.profile import Profile

VISA_LABELS = {
    "WORK": "Work Visa",
    "DEPENDENT": "Dependent Visa",
    "STUDENT": "Student Visa",
    "RESIDENT": "Resident Visa (Marriage)",
    "BUSINESS": "Business Visa",
    "TOURIST_EXTENSION": "Tourist Visa Extension",
}

# Industry as employers describe it on Xpat forms, by ISIC Rev.4 division.
INDUSTRY_TEXT = {
    "03": ["Fisheries", "Fishing"],
    "41": ["Construction", "Building construction"],
    "43": ["Construction", "Electrical and plumbing works"],
    "45": ["Vehicle repair", "Garage"],
    "47": ["Retail", "Shop"],
    "49": ["Transport", "Land transport"],
    "55": ["Resort", "Tourism - Resort", "Guest House", "Hotel"],
    "56": ["Restaurant", "Cafe", "Food and beverage"],
    "69": ["Accounting", "Audit firm"],
    "71": ["Engineering consultancy", "Architecture and engineering"],
    "80": ["Security services", "Security"],
    "81": ["Landscaping", "Gardening services"],
    "85": ["Education", "School"],
    "86": ["Health", "Hospital"],
    "93": ["Diving centre", "Water sports"],
    "96": ["Spa", "Beauty salon"],
    "97": ["Household", "Domestic"],
}


def _status(valid_to: np.ndarray, cancel: np.ndarray, extract_day: int) -> np.ndarray:
    return np.where(
        cancel <= extract_day, "Cancelled", np.where(valid_to >= extract_day, "Valid", "Expired")
    )


def _country_text(iso3: np.ndarray, rng: np.random.Generator, demonym: bool) -> np.ndarray:
    """Country names or demonyms as agencies write them (case varies, some short names)."""
    uniq, inv = np.unique(iso3, return_inverse=True)
    out = np.empty(len(iso3), dtype=object)
    style = rng.random(len(iso3))
    for i, code in enumerate(uniq):
        c = by_iso3(str(code))
        mask = inv == i
        if demonym:
            choices = list(c.demonyms) or [c.short_name]
        else:
            choices = [c.short_name, c.name] if c.short_name != c.name else [c.name]
        pick = np.array(choices)[(style[mask] * len(choices)).astype(int) % len(choices)]
        upper = style[mask] < 0.15  # some clerks type in capitals
        out[mask] = np.where(upper, np.char.upper(pick.astype(str)), pick)
    return out.astype(str)


def _island_text(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Island names as typed: official, a variant, or with the atoll prefix (``K. Maafushi``)."""
    by_code = {i.code: i for i in islands()}
    uniq, inv = np.unique(codes, return_inverse=True)
    style = rng.random(len(codes))
    out = np.empty(len(codes), dtype=object)
    for k, code in enumerate(uniq):
        isl = by_code[str(code)]
        forms = [isl.name, *isl.variants, f"{atoll(isl.atoll_code).code}. {isl.name}"]
        mask = inv == k
        out[mask] = np.array(forms)[(style[mask] * len(forms)).astype(int) % len(forms)]
    return out.astype(str)


def _labels(codes: np.ndarray, labels: dict[str, str]) -> pa.Array:
    keys = sorted(labels)
    return pc.take(pa.array([labels[k] for k in keys]), pa.array(np.searchsorted(keys, codes)))


def _pick_text(rng: np.random.Generator, choices: list[list[str]], which: np.ndarray) -> pa.Array:
    """For each record, one of the texts listed for its category ``which`` (uniformly)."""
    flat = pa.array([t for group in choices for t in group], pa.string())
    count = np.array([len(g) for g in choices], np.int64)
    offset = np.concatenate(([0], np.cumsum(count)[:-1]))
    k = (rng.random(len(which)) * count[which]).astype(np.int64)
    return pc.take(flat, pa.array(offset[which] + k))


def visa_extract(
    pop: Population, ident: Identities, profile: Profile, rng: np.random.Generator
) -> Extract:
    """Immigration's visas and residence permits issued up to the period end."""
    f = profile.faults
    pm = pop.permits
    w = pop.window
    rows = np.flatnonzero(pm["valid_from"] <= w.period_end)
    # An extract sorted by visa type then issue date, as a register listing would be.
    rows = rows[np.lexsort((pm["valid_from"][rows], pm["kind"][rows]))]
    n = len(rows)
    person = pm["person"][rows]
    log = FaultLog(n)
    given, surname = names_for(ident, rng, person, f.name_typo, log)
    seq = ident.passport_seq(person, pm["valid_from"][rows])
    dob, swapped = swap_day_month(
        pop.people["dob"][person], rng.random(n) < f.dob_day_month_swapped
    )
    log.add("dob_day_month_swapped", swapped)
    nationality = _country_text(pop.people["citizenship"][person], rng, demonym=False)
    invalid = rng.random(n) < f.invalid_code
    nationality = np.where(invalid, "UNKNOWN", nationality)
    log.add("invalid_code", invalid)
    permit_no = coded("IMM-", pm["permit_id"][rows], 8)
    table = pa.table(
        {
            "PERMIT_NO": permit_no,
            "PERMIT_TYPE": _labels(pm["kind"][rows], VISA_LABELS),
            "HOLDER_NAME": join_name(given, surname),
            "PASSPORT_NO": ident.passport_no(person, seq),
            "NATIONALITY": pa.array(nationality),
            "DATE_OF_BIRTH": fmt_dates(dob, "%d-%m-%Y"),
            "GENDER": pa.array(np.where(pop.people["sex"][person] == "F", "Female", "Male")),
            "VALID_FROM": fmt_dates(pm["valid_from"][rows], "%d-%m-%Y"),
            "VALID_TO": fmt_dates(pm["valid_to"][rows], "%d-%m-%Y"),
            "STATUS": pa.array(_status(pm["valid_to"][rows], pm["cancel_day"][rows], w.period_end)),
        }
    )
    truth = pa.table({"record_id": permit_no, "person_id": pa.array(person), "faults": log.codes()})
    schema = {
        "fields": [
            tf(
                "PERMIT_NO",
                "string",
                "Visa or permit number.",
                constraints={"required": True, "unique": True},
            ),
            tf(
                "PERMIT_TYPE",
                "string",
                "Type of visa or permit.",
                constraints={"enum": sorted(VISA_LABELS.values())},
            ),
            tf("HOLDER_NAME", "string", "Name of the holder, given names first."),
            tf("PASSPORT_NO", "string", "Passport number at issue."),
            tf("NATIONALITY", "string", "Nationality, as a country name."),
            tf("DATE_OF_BIRTH", "date", "Date of birth.", format="%d-%m-%Y"),
            tf("GENDER", "string", "Male or Female.", constraints={"enum": ["Female", "Male"]}),
            tf(
                "VALID_FROM",
                "date",
                "First day of validity.",
                format="%d-%m-%Y",
                constraints={"required": True},
            ),
            tf(
                "VALID_TO",
                "date",
                "Last day of validity.",
                format="%d-%m-%Y",
                constraints={"required": True},
            ),
            tf(
                "STATUS",
                "string",
                "Status on the extract date.",
                constraints={"enum": ["Cancelled", "Expired", "Valid"]},
            ),
        ],
        "primaryKey": ["PERMIT_NO"],
        "missingValues": [""],
    }
    return Extract(
        agency="immigration",
        name="visas_permits",
        title="Visas and residence permits",
        description="Visas and permits issued by Maldives Immigration (tourist visas on "
        "arrival are recorded at the border; only their extensions are listed here).",
        table=table,
        fmt="csv",
        schema=schema,
        truth=truth,
        dialect={"delimiter": ";", "encoding": "utf-8-sig"},
    )


def work_permit_extract(
    pop: Population, ident: Identities, profile: Profile, rng: np.random.Generator
) -> Extract:
    """Xpat's work permits issued up to the period end."""
    f = profile.faults
    pm = pop.permits
    w = pop.window
    rows = np.flatnonzero((pm["kind"] == "WORK") & (pm["valid_from"] <= w.period_end))
    n = len(rows)
    person = pm["person"][rows]
    people = pop.people
    log = FaultLog(n)
    given, surname = names_for(ident, rng, person, f.name_typo, log)
    seq = ident.passport_seq(person, pm["valid_from"][rows])
    dob, swapped = swap_day_month(people["dob"][person], rng.random(n) < f.dob_day_month_swapped)
    log.add("dob_day_month_swapped", swapped)
    occ_idx = people["occupation_index"][person]
    occupation = _pick_text(rng, [list(o.titles) for o in profile.occupations], occ_idx)
    divisions = sorted(INDUSTRY_TEXT)
    isic = people["isic"][person]
    industry = _pick_text(
        rng, [INDUSTRY_TEXT[d] for d in divisions], np.searchsorted(divisions, isic)
    )
    # "Current" on the extract date: the last permit, or one whose renewal is not due yet.
    current = pm["latest"][rows] | (pm["valid_to"][rows] + 1 > w.period_end)
    cancelled = pm["cancel_day"][rows] <= w.period_end
    active = current & ~cancelled & (pm["valid_to"][rows] + 365 >= w.period_end)
    status = np.where(
        cancelled, "CANCELLED", np.where(~current, "RENEWED", np.where(active, "ACTIVE", "EXPIRED"))
    )
    worker_end = _worker_last_day(pop)[person]
    log.add("permit_not_cancelled", active & (worker_end < w.period_end))
    wp = coded("WP", pm["permit_id"][rows], 9)
    employer = people["employer"][person]
    table = pa.table(
        {
            "WP_NUMBER": wp,
            "WORKER_NAME": pc.utf8_upper(join_name(given, surname)),
            "PASSPORT": ident.passport_no(person, seq),
            "NATIONALITY": pa.array(
                _country_text(people["citizenship"][person], rng, demonym=True)
            ),
            "DOB": fmt_dates(dob, "%-d-%b-%Y"),
            "SEX": pa.array(people["sex"][person]),
            "EMPLOYER_REG_NO": coded("C-", employer, 6),
            "EMPLOYER_NAME": pc.binary_join_element_wise(
                coded("Enterprise ", employer % 997, 3),
                coded("-", employer // 1000, 4),
                pa.scalar(" Pvt Ltd"),
                "",
            ),
            "OCCUPATION": occupation,
            "INDUSTRY": industry,
            "WORK_ISLAND": pa.array(_island_text(people["island"][person], rng)),
            "VALID_FROM": fmt_dates(pm["valid_from"][rows], "%-d-%b-%y"),
            "VALID_TO": fmt_dates(pm["valid_to"][rows], "%-d-%b-%y"),
            "STATUS": pa.array(status),
        }
    )
    truth = pa.table(
        {
            "record_id": wp,
            "person_id": pa.array(person),
            "faults": log.codes(),
            "isco": pa.array(people["occupation"][person]),
            "isic_division": pa.array(isic),
            "island_code": pa.array(people["island"][person]),
        }
    )
    schema = {
        "fields": [
            tf(
                "WP_NUMBER",
                "string",
                "Work permit number (a renewal is a new number).",
                constraints={"required": True, "unique": True},
            ),
            tf("WORKER_NAME", "string", "Name of the worker, upper case."),
            tf("PASSPORT", "string", "Passport number at issue."),
            tf(
                "NATIONALITY",
                "string",
                "Nationality as written by the employer (usually a demonym).",
            ),
            tf("DOB", "date", "Date of birth.", format="%d-%b-%Y"),
            tf("SEX", "string", "M or F.", constraints={"enum": ["F", "M"]}),
            tf("EMPLOYER_REG_NO", "string", "Employer registration number."),
            tf("EMPLOYER_NAME", "string", "Employer name."),
            tf("OCCUPATION", "string", "Job title, free text."),
            tf("INDUSTRY", "string", "Employer's industry, free text."),
            tf("WORK_ISLAND", "string", "Island of work, as typed."),
            tf(
                "VALID_FROM",
                "date",
                "First day of validity.",
                format="%d-%b-%y",
                constraints={"required": True},
            ),
            tf(
                "VALID_TO",
                "date",
                "Last day of validity.",
                format="%d-%b-%y",
                constraints={"required": True},
            ),
            tf(
                "STATUS",
                "string",
                "Permit status on the extract date.",
                constraints={"enum": ["ACTIVE", "CANCELLED", "EXPIRED", "RENEWED"]},
            ),
        ],
        "primaryKey": ["WP_NUMBER"],
        "missingValues": [""],
    }
    return Extract(
        agency="xpat",
        name="work_permits",
        title="Work permits (Xpat)",
        description="Work permits from the Xpat system, one row per permit year.",
        table=table,
        fmt="csv",
        schema=schema,
        truth=truth,
        dialect={"delimiter": ",", "encoding": "utf-8"},
    )


def _worker_last_day(pop: Population) -> np.ndarray:
    """Per person: day of their last departure (NEVER if still in the country)."""
    c = pop.crossings
    last = np.concatenate((c["person_id"][1:] != c["person_id"][:-1], [True]))
    out = np.full(pop.n_people, NEVER, np.int64)
    is_dep = last & (c["direction"] == 0)
    out[c["person_id"][is_dep]] = c["day"][is_dep]
    return out
