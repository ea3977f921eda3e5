"""Border crossings (IMUGA, Maldives Immigration): one row per arrival or departure.

Native shape: upper-case names split into surname and given names as read from the
passport, nationality as the ICAO code of the travel document, date of birth
``YYYY-MM-DD``, movement date and time ``DD/MM/YYYY HH:MM``, direction ``IN``/``OUT``.
Faults: missed crossings (absent rows), duplicate rows, name variants and typos,
renewed passports, day/month swaps in dates of birth, invalid nationality codes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from migstats.refdata.countries import by_iso3
from migstats.synth.extracts.common import (
    Extract,
    FaultLog,
    fmt_dates,
    render_names,
    swap_day_month,
    tf,
)
from migstats.synth.identity import Identities
from migstats.synth.population import ARR, Population
from migstats.synth.profile import Profile

PORTS = {"MLE": 0.93, "GAN": 0.03, "HAQ": 0.015, "VAM": 0.01, "MLE-SEA": 0.015}
_INVALID_NATIONALITY = ["XYZ", "??", "UNK", "0", "B6D", "IDN1"]


def icao_codes(iso3: np.ndarray) -> np.ndarray:
    """ICAO 9303 nationality codes for ISO alpha-3 codes (Germany is ``D``)."""
    uniq, inv = np.unique(iso3, return_inverse=True)
    return np.array([by_iso3(str(c)).icao for c in uniq])[inv]


def border_extract(
    pop: Population, ident: Identities, profile: Profile, rng: np.random.Generator
) -> tuple[Extract, np.ndarray]:
    """Render the border extract; also returns, per truth crossing, whether it was recorded."""
    f = profile.faults
    c = pop.crossings
    w = pop.window
    in_period = (c["day"] >= w.period_start) & (c["day"] <= w.period_end)
    missed = in_period & (rng.random(len(in_period)) < f.missed_crossing)
    recorded = in_period & ~missed
    rows = np.flatnonzero(recorded)
    dup = rows[rng.random(len(rows)) < f.duplicate_record]
    rows = np.concatenate([rows, dup])
    is_dup = np.concatenate([np.zeros(len(rows) - len(dup), bool), np.ones(len(dup), bool)])
    minute = rng.integers(0, 24 * 60, len(rows))
    # Duplicates are keyed in again a few minutes later.
    order = np.lexsort((is_dup, minute, c["day"][rows]))
    rows, is_dup, minute = rows[order], is_dup[order], minute[order]
    n = len(rows)
    log = FaultLog(n)
    log.add("duplicate", is_dup)
    person = c["person_id"][rows]
    day = c["day"][rows]

    given, surname = render_names(ident, rng, person, f.name_typo, log)
    seq = ident.passport_seq(person, day)
    log.add("passport_renewed", seq > 0)
    nationality = icao_codes(pop.people["citizenship"][person])
    invalid = rng.random(n) < f.invalid_code
    nationality = np.where(
        invalid, np.array(_INVALID_NATIONALITY)[rng.integers(0, 6, n)], nationality
    )
    log.add("invalid_code", invalid)
    dob, swapped = swap_day_month(
        pop.people["dob"][person], rng.random(n) < f.dob_day_month_swapped
    )
    log.add("dob_day_month_swapped", swapped)
    port_keys = np.array(sorted(PORTS))
    port_p = np.array([PORTS[k] for k in port_keys])
    port = port_keys[rng.choice(len(port_keys), n, p=port_p / port_p.sum())]
    when = pc.binary_join_element_wise(
        fmt_dates(day, "%d/%m/%Y"),
        pc.utf8_slice_codeunits(
            pc.strftime(pa.array(minute * 60, pa.int64()).cast(pa.timestamp("s")), "%H:%M"), 0, 5
        ),
        " ",
    )
    record_id = np.arange(1, n + 1, dtype=np.int64) + 10_000_000
    table = pa.table(
        {
            "MOVEMENT_ID": pa.array(record_id),
            "MOVEMENT_DATETIME": when,
            "DIRECTION": pa.array(np.where(c["direction"][rows] == ARR, "IN", "OUT")),
            "PORT": pa.array(port),
            "DOC_TYPE": pa.array(np.full(n, "P")),
            "DOC_NO": ident.passport_no(person, seq),
            "NATIONALITY": pa.array(nationality),
            "SURNAME": pc.utf8_upper(surname),
            "GIVEN_NAMES": pc.utf8_upper(given),
            "SEX": pa.array(pop.people["sex"][person]),
            "DATE_OF_BIRTH": fmt_dates(dob, "%Y-%m-%d"),
            "VISA_TYPE": pa.array(c["visa"][rows]),
        }
    )
    truth = pa.table(
        {
            "record_id": pa.array(record_id.astype(str)),
            "person_id": pa.array(person),
            "faults": log.codes(),
            "crossing_index": pa.array(rows.astype(np.int64)),
        }
    )
    schema = {
        "fields": [
            tf("MOVEMENT_ID", "integer", "Unique number of the movement record.",
               constraints={"required": True, "unique": True}),
            tf("MOVEMENT_DATETIME", "datetime", "Date and time of the crossing, local time.",
               format="%d/%m/%Y %H:%M", constraints={"required": True}),
            tf("DIRECTION", "string", "IN for an arrival, OUT for a departure.",
               constraints={"required": True, "enum": ["IN", "OUT"]}),
            tf("PORT", "string", "Border post: MLE Velana International Airport, GAN Gan, "
               "HAQ Hanimaadhoo, VAM Maamigili, MLE-SEA Malé seaport.",
               constraints={"enum": sorted(PORTS)}),
            tf("DOC_TYPE", "string", "Travel document type (P passport).", constraints={"enum": ["P"]}),
            tf("DOC_NO", "string", "Travel document number.", constraints={"required": True}),
            tf("NATIONALITY", "string", "Nationality of the document, ICAO Doc 9303 code "
               "(three letters; D for Germany).", constraints={"pattern": "[A-Z<]{1,3}"}),
            tf("SURNAME", "string", "Surname as on the document, upper case."),
            tf("GIVEN_NAMES", "string", "Given names as on the document, upper case."),
            tf("SEX", "string", "M or F.", constraints={"enum": ["M", "F"]}),
            tf("DATE_OF_BIRTH", "date", "Date of birth.", format="%Y-%m-%d"),
            tf("VISA_TYPE", "string", "Visa or permit type at the crossing; CITIZEN for "
               "Maldivians.", constraints={"enum": ["BUSINESS", "CITIZEN", "DEPENDENT",
                                                    "RESIDENT", "STUDENT", "TOURIST", "WORK"]}),
        ],
        "primaryKey": ["MOVEMENT_ID"],
        "missingValues": [""],
    }  # fmt: skip
    extract = Extract(
        agency="immigration",
        name="border_crossings",
        title="Border crossings (IMUGA)",
        description="Arrivals and departures recorded at the border, one row per crossing.",
        table=table,
        fmt="csv",
        schema=schema,
        truth=truth,
        dialect={"delimiter": ",", "encoding": "utf-8"},
    )
    return extract, recorded
