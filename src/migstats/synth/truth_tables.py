"""The truth tables of the synthetic country, each built, written and released in turn
(at full scale they do not fit in memory together).

Files (Parquet, under ``truth/``): ``person`` (who everyone really is), ``crossing``
(complete, error-free histories with true residence status), ``record`` (the true person
and the faults behind every extract record), ``status_at`` (resident / present /
overstaying at census night and year ends), ``migration_event`` (true long-term
migrations in the period).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from migstats.synth.draw import NEVER, day
from migstats.synth.extracts.common import Extract
from migstats.synth.group import GROUP_NAMES, LONG_EPISODES
from migstats.synth.identity import Identities
from migstats.synth.population import ARR, Population
from migstats.synth.profile import Profile
from migstats.synth.stays import VISA_TYPES
from migstats.synth.truth import status_on

STATUS = ("non_resident", "resident")


def categorical(codes: np.ndarray, labels: tuple[str, ...]) -> pa.DictionaryArray:
    """A dictionary-encoded string column from small integer codes (compact in memory and
    in Parquet; reads back as text)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, np.int8)), pa.array(list(labels), pa.string())
    )


def write_truth_tables(
    folder: Path,
    pop: Population,
    ident: Identities,
    prof: Profile,
    statuses: tuple[np.ndarray, np.ndarray, np.ndarray],
    recorded: np.ndarray,
    extracts: list[Extract],
) -> dict[str, int]:
    """Write every truth table; returns the rows of each."""
    folder.mkdir(parents=True, exist_ok=True)
    builders: list[tuple[str, Callable[[], pa.Table]]] = [
        ("person", lambda: person_table(pop, ident, extracts)),
        ("crossing", lambda: crossing_table(pop, prof, statuses, recorded, extracts)),
        ("record", lambda: record_table(extracts)),
        ("status_at", lambda: status_at_table(pop, prof, statuses[1])),
    ]
    rows: dict[str, int] = {}
    for name, build in builders:
        table = build()
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
        rows[name] = table.num_rows
        del table
    events = migration_events(pq.read_table(folder / "crossing.parquet"), pop, prof)
    pq.write_table(events, folder / "migration_event.parquet", compression="zstd")
    rows["migration_event"] = events.num_rows
    return rows


def _optional_dates(days: np.ndarray, present: np.ndarray) -> pa.Array:
    return pa.array(np.where(present, days, 0).astype(np.int32), pa.date32(), mask=~present)


def person_table(pop: Population, ident: Identities, extracts: list[Extract]) -> pa.Table:
    """Every simulated person with their true attributes and canonical names."""
    people = pop.people
    book = ident.book
    no_variant = np.zeros(pop.n_people, bool)
    rng = np.random.default_rng(0)  # unused draws: canonical names take no variants
    register = next(e for e in extracts if e.name == "national_register").truth
    where = np.full(pop.n_people, -1, np.int64)
    where[np.asarray(register["person_id"])] = np.arange(register.num_rows)
    nid = pc.if_else(
        pa.array(where >= 0),
        pc.take(register["record_id"], pa.array(np.maximum(where, 0))),
        pa.scalar(None, pa.string()),
    )
    death = people["death_day"]
    return pa.table(
        {
            "person_id": pa.array(people["person_id"]),
            "group": categorical(people["group"], GROUP_NAMES),
            "sex": pa.array(people["sex"]),
            "date_of_birth": pa.array(people["dob"], pa.date32()),
            "citizenship": pa.array(people["citizenship"]),
            "country_of_birth": pa.array(people["birth_country"]),
            "date_of_death": _optional_dates(death, death < NEVER),
            "initial_status": categorical(people["initially_resident"], STATUS),
            "given_names": pc.utf8_trim(
                pc.binary_join_element_wise(
                    book.render(rng, ident.given1, no_variant),
                    book.render(rng, ident.given2, no_variant),
                    " ",
                ),
                " ",
            ),
            "surname": book.render(rng, ident.surname, no_variant),
            "national_id": nid,
            "island_code": pa.array(people["island"]),
            "occupation_isco": pa.array(people["occupation"]),
            "industry_isic": pa.array(people["isic"]),
            "overstayer": pa.array(people["overstayer"]),
            "sponsor_person_id": pa.array(people["sponsor"]),
            "long_episode_abroad": categorical(people["long_episode"], LONG_EPISODES),
        }
    )


def crossing_table(
    pop: Population,
    prof: Profile,
    statuses: tuple[np.ndarray, np.ndarray, np.ndarray],
    recorded: np.ndarray,
    extracts: list[Extract],
) -> pa.Table:
    """Every simulated crossing with its true status and its border record, if any."""
    before, after, long_term = statuses
    c = pop.crossings
    w = pop.window
    people = pop.people
    rule = prof.residence_rule
    first = np.concatenate(([True], c["person_id"][1:] != c["person_id"][:-1]))
    seq = np.arange(len(first)) - np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))
    # The border record of each recorded crossing (the first copy where duplicated).
    border = next(e for e in extracts if e.name == "border_crossings").truth
    original = np.flatnonzero(~np.asarray(pc.match_substring(border["faults"], "duplicate")))
    record_of = np.full(len(first), -1, np.int64)
    record_of[np.asarray(border["crossing_index"])[original]] = original
    border_ids = pc.take(border["record_id"], pa.array(np.maximum(record_of, 0)))
    border_ids = pc.if_else(pa.array(record_of >= 0), border_ids, pa.scalar(None, pa.string()))
    in_period = (c["day"] >= w.period_start) & (c["day"] <= w.period_end)
    return pa.table(
        {
            "person_id": pa.array(c["person_id"]),
            "seq": pa.array(seq.astype(np.int32)),
            "crossing_date": pa.array(c["day"], pa.date32()),
            "direction": categorical(c["direction"], ("DEP", "ARR")),
            "visa_type": categorical(c["visa"], VISA_TYPES),
            "initial_status": pc.take(
                categorical(people["initially_resident"], STATUS),
                pa.array(c["person_id"]),
            ),
            "res_status_before": categorical(before, STATUS),
            "res_status_after": categorical(after, STATUS),
            "is_long_term_migration": pa.array(long_term),
            "status_exact": pa.array(c["day"].astype(np.int64) + rule.window_days <= w.sim_end),
            "in_period": pa.array(in_period),
            "recorded": pa.array(recorded),
            "border_record_id": border_ids,
            "authorised_until": _optional_dates(
                c["authorised_until"], (c["direction"] == ARR) & (c["authorised_until"] < NEVER)
            ),
        }
    )


def record_table(extracts: list[Extract]) -> pa.Table:
    """The true person and fault codes behind every record of every extract."""
    parts = [
        pa.table(
            {
                "source": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(ex.truth.num_rows, np.int8)), pa.array([ex.name])
                ),
                "record_id": ex.truth["record_id"],
                "person_id": ex.truth["person_id"],
                "faults": pc.dictionary_encode(ex.truth["faults"]),
            }
        )
        for ex in extracts
    ]
    return pa.concat_tables(parts, promote_options="permissive").unify_dictionaries()


def migration_events(crossing: pa.Table, pop: Population, prof: Profile) -> pa.Table:
    """True long-term immigrations and emigrations in the period."""
    people = pop.people
    events = crossing.filter(pc.and_(crossing["is_long_term_migration"], crossing["in_period"]))
    events = events.combine_chunks()
    cit = pc.take(pa.array(people["citizenship"]), events["person_id"])
    return pa.table(
        {
            "person_id": events["person_id"],
            "event_date": events["crossing_date"],
            "kind": pc.if_else(
                pc.equal(events["direction"].cast(pa.string()), "ARR"), "immigration", "emigration"
            ),
            "citizenship": cit,
            "returning_citizen": pc.and_(
                pc.equal(events["direction"].cast(pa.string()), "ARR"),
                pc.equal(cit, prof.country.iso3),
            ),
        }
    )


def status_at_table(pop: Population, prof: Profile, after: np.ndarray) -> pa.Table:
    """Resident, present and overstaying people at each reference date (alive, and
    resident or present)."""
    people = pop.people
    c = pop.crossings
    ref_days = reference_days(prof)
    status_parts = []
    ids = people["person_id"]
    init = people["initially_resident"].astype(np.int8)
    is_arr = (c["direction"] == ARR).astype(np.int8)
    foreign = people["citizenship"] != prof.country.iso3
    key = c["person_id"].astype(np.int64) * (1 << 32) + c["day"]
    for label, rd in ref_days.items():
        res = status_on(ids, c["person_id"], c["day"], after, init, rd) == 1
        present = status_on(ids, c["person_id"], c["day"], is_arr, init, rd) == 1
        j = np.searchsorted(key, ids.astype(np.int64) * (1 << 32) + rd, side="right") - 1
        jj = np.maximum(j, 0)
        has = (j >= 0) & (c["person_id"][jj] == ids)
        auth = np.where(has & (c["direction"][jj] == ARR), c["authorised_until"][jj], NEVER)
        alive = (people["dob"] <= rd) & (people["death_day"] > rd)
        keep = alive & (res | present)
        idx = np.flatnonzero(keep)
        status_parts.append(
            pa.table(
                {
                    "person_id": pa.array(ids[idx]),
                    "reference": pa.repeat(pa.scalar(label), len(idx)),
                    "reference_date": pa.array(np.full(len(idx), rd, np.int32), pa.date32()),
                    "resident": pa.array(res[idx]),
                    "present": pa.array(present[idx]),
                    "overstayer": pa.array((present & foreign & (auth < rd))[idx]),
                }
            )
        )
    return pa.concat_tables(status_parts)


def reference_days(prof: Profile) -> dict[str, int]:
    """Reference dates of the truth: census night and each year end from the day before
    the period starts to the period end."""
    p = prof.period
    out = {"census_night": day(prof.country.census_night)}
    for year in range(p.start.year - 1, p.end.year + 1):
        d = date(year, 12, 31)
        if date(p.start.year - 1, 12, 31) <= d <= p.end:
            out[f"year_end_{year}"] = day(d)
    return out
