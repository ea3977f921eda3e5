"""Border crossings (IMUGA, Maldives Immigration): one row per arrival or departure.

Native shape: upper-case names split into surname and given names as read from the
passport, nationality as the ICAO code of the travel document, date of birth
``YYYY-MM-DD``, movement date and time ``DD/MM/YYYY HH:MM``, direction ``IN``/``OUT``.
Faults: missed crossings (absent rows), duplicate rows, name variants and typos,
renewed passports, day/month swaps in dates of birth, invalid nationality codes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from migstats.refdata.countries import by_iso3
from migstats.synth.extracts.common import (
    Extract,
    FaultLog,
    NameFaults,
    fmt_dates,
    render_names,
    swap_day_month,
    tf,
)
from migstats.synth.identity import Identities
from migstats.synth.population import Population
from migstats.synth.profile import Profile
from migstats.synth.stays import VISA_TYPES

PORTS = {"MLE": 0.93, "GAN": 0.03, "HAQ": 0.015, "VAM": 0.01, "MLE-SEA": 0.015}
_INVALID_NATIONALITY = ["XYZ", "??", "UNK", "0", "B6D", "IDN1"]


def labels_of(
    pop: Population, column: str, person: np.ndarray, render: Callable[[str], str]
) -> pa.Array:
    """Per record, the person's ``column`` value rendered by ``render`` (done once per label)."""
    codes, labels = pop.category(column)
    return pc.take(pa.array([render(x) for x in labels], pa.string()), pa.array(codes[person]))


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

    names = NameFaults.draw(ident, rng, person, f.name_typo, log)
    seq = ident.passport_seq(person, day)
    log.add("passport_renewed", seq > 0)
    invalid = rng.random(n) < f.invalid_code
    invalid_pick = rng.integers(0, len(_INVALID_NATIONALITY), n)
    log.add("invalid_code", invalid)
    dob, swapped = swap_day_month(
        pop.people["dob"][person], rng.random(n) < f.dob_day_month_swapped
    )
    log.add("dob_day_month_swapped", swapped)
    port_keys = sorted(PORTS)
    port_p = np.array([PORTS[k] for k in port_keys])
    port = rng.choice(len(port_keys), n, p=port_p / port_p.sum()).astype(np.int8)
    record_id = np.arange(1, n + 1, dtype=np.int64) + 10_000_000
    chunk_seeds = rng.integers(0, 2**62, n // 1_000_000 + 1)
    direction = c["direction"][rows]
    visa = c["visa"][rows]

    def render(a: int, b: int) -> pa.Table:
        """The text of rows [a, b): rendered a million rows at a time to bound memory."""
        chunk_rng = np.random.default_rng(chunk_seeds[a // 1_000_000])
        p = person[a:b]
        given, surname = render_names(ident, chunk_rng, p, names.slice(a, b))
        # ICAO 9303 nationality codes (equal to ISO alpha-3 except Germany, D).
        nationality = labels_of(pop, "citizenship", p, lambda c: by_iso3(c).icao)
        bad = pc.take(pa.array(_INVALID_NATIONALITY), pa.array(invalid_pick[a:b]))
        nationality = pc.if_else(pa.array(invalid[a:b]), bad, nationality)
        return pa.table(
            {
                "MOVEMENT_ID": pa.array(record_id[a:b]),
                "MOVEMENT_DATETIME": fmt_dates(day[a:b], "%d/%m/%Y %H:%M", minutes=minute[a:b]),
                "DIRECTION": pc.take(pa.array(["OUT", "IN"]), pa.array(direction[a:b])),
                "PORT": pc.take(pa.array(port_keys), pa.array(port[a:b])),
                "DOC_TYPE": pa.repeat(pa.scalar("P"), b - a),
                "DOC_NO": ident.passport_no(p, seq[a:b]),
                "NATIONALITY": nationality,
                "SURNAME": pc.utf8_upper(surname),
                "GIVEN_NAMES": pc.utf8_upper(given),
                "SEX": labels_of(pop, "sex", p, str),
                "DATE_OF_BIRTH": fmt_dates(dob[a:b], "%Y-%m-%d"),
                "VISA_TYPE": pc.take(pa.array(VISA_TYPES), pa.array(visa[a:b])),
            }
        )

    truth = pa.table(
        {
            "record_id": pa.array(record_id).cast(pa.string()),
            "person_id": pa.array(person),
            "faults": log.codes(),
            "crossing_index": pa.array(rows.astype(np.int64)),
        }
    )
    schema = {
        "fields": [
            tf(
                "MOVEMENT_ID",
                "integer",
                "Unique number of the movement record.",
                constraints={"required": True, "unique": True},
            ),
            tf(
                "MOVEMENT_DATETIME",
                "datetime",
                "Date and time of the crossing, local time.",
                format="%d/%m/%Y %H:%M",
                constraints={"required": True},
            ),
            tf(
                "DIRECTION",
                "string",
                "IN for an arrival, OUT for a departure.",
                constraints={"required": True, "enum": ["IN", "OUT"]},
            ),
            tf(
                "PORT",
                "string",
                "Border post: MLE Velana International Airport, GAN Gan, "
                "HAQ Hanimaadhoo, VAM Maamigili, MLE-SEA Malé seaport.",
                constraints={"enum": sorted(PORTS)},
            ),
            tf(
                "DOC_TYPE",
                "string",
                "Travel document type (P passport).",
                constraints={"enum": ["P"]},
            ),
            tf("DOC_NO", "string", "Travel document number.", constraints={"required": True}),
            tf(
                "NATIONALITY",
                "string",
                "Nationality of the document, ICAO Doc 9303 code (three letters; D for Germany).",
                constraints={"pattern": "[A-Z<]{1,3}"},
            ),
            tf("SURNAME", "string", "Surname as on the document, upper case."),
            tf("GIVEN_NAMES", "string", "Given names as on the document, upper case."),
            tf("SEX", "string", "M or F.", constraints={"enum": ["M", "F"]}),
            tf("DATE_OF_BIRTH", "date", "Date of birth.", format="%Y-%m-%d"),
            tf(
                "VISA_TYPE",
                "string",
                "Visa or permit type at the crossing; CITIZEN for Maldivians.",
                constraints={
                    "enum": [
                        "BUSINESS",
                        "CITIZEN",
                        "DEPENDENT",
                        "RESIDENT",
                        "STUDENT",
                        "TOURIST",
                        "WORK",
                    ]
                },
            ),
        ],
        "primaryKey": ["MOVEMENT_ID"],
        "missingValues": [""],
    }
    extract = Extract(
        agency="immigration",
        name="border_crossings",
        title="Border crossings (IMUGA)",
        description="Arrivals and departures recorded at the border, one row per crossing.",
        table=None,
        render=render,
        n_rows=n,
        fmt="csv",
        schema=schema,
        truth=truth,
        dialect={"delimiter": ",", "encoding": "utf-8"},
    )
    return extract, recorded
