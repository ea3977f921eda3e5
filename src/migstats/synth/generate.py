"""Generate the synthetic country: agency extracts as delivered, and the truth aside.

Layout of the output folder::

    extracts/<agency>/<extract>.<csv|xlsx|parquet>   as the agency delivers it
    extracts/<agency>/<extract>.schema.json         its data dictionary (Table Schema)
    extracts/<agency>/datapackage.json              resources, formats and dialects
    truth/                                          never read by the pipeline
        person, crossing, record, status_at, migration_event (.parquet), meta.json
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import migstats
from migstats.errors import UserInputError
from migstats.synth.draw import NEVER, day, rng_for, to_date
from migstats.synth.extracts.border import border_extract
from migstats.synth.extracts.common import Extract, write_extract
from migstats.synth.extracts.permits import visa_extract, work_permit_extract
from migstats.synth.extracts.population_sources import census_extract, register_extract
from migstats.synth.group import GROUP_NAMES, LONG_EPISODES
from migstats.synth.identity import Identities, draw_identities
from migstats.synth.population import ARR, Population, simulate_population
from migstats.synth.profile import Profile, load_profile
from migstats.synth.stays import VISA_TYPES
from migstats.synth.truth import residence_truth, status_on

Progress = Callable[[str, int], None]
STATUS = ("non_resident", "resident")


@dataclass
class SynthResult:
    """What was generated: where, how many rows per extract and truth table, and timings."""

    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def generate(
    out_dir: Path,
    scale: float = 0.01,
    seed: int = 1,
    profile: Profile | Path | None = None,
    start: date | None = None,
    end: date | None = None,
    progress: Progress | None = None,
) -> SynthResult:
    """Simulate the country and write its extracts and truth under ``out_dir``.

    >>> from tempfile import mkdtemp
    >>> r = generate(Path(mkdtemp()), scale=0.0005, seed=3)
    >>> sorted(r.rows)[:2]
    ['border_crossings', 'census_2022']
    """
    if not 0 < scale <= 20:
        raise UserInputError(
            "Invalid scale", f"{scale}", "use a scale in (0, 20]; 1.0 is real size"
        )
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    if start or end:
        prof = prof.with_period(start, end)
    out_dir = Path(out_dir)
    result = SynthResult(out_dir)
    step = _Stepper(result, progress)

    with step("simulate people and travel"):
        pop = simulate_population(prof, scale, seed)
        result.rows["people"] = pop.n_people
    with step("true residence status (12/16-month rule)"):
        c = pop.crossings
        initial = pop.people["initially_resident"]
        before, after, long_term = residence_truth(
            c["person_id"],
            c["day"],
            c["direction"],
            initial[c["person_id"]],
            prof.residence_rule.window_days,
            prof.residence_rule.threshold_days,
        )
    with step("identities"):
        ident = draw_identities(
            pop, prof.faults.passport_validity_years, prof.faults.name_variant_people, seed
        )
    extracts: list[Extract] = []

    def deliver(ex: Extract) -> None:
        """Write an extract as soon as it exists and keep only its truth and metadata,
        so that no more than one rendered extract is in memory at a time."""
        folder = out_dir / "extracts" / ex.agency
        rng = rng_for(seed, f"w-{ex.name}")
        path, ex.truth = write_extract(ex, folder, prof.faults.malformed_rows_per_million, rng)
        _write_dictionary(ex, folder)
        result.files[ex.name] = path
        result.rows[ex.name] = ex.table.num_rows
        ex.table = ex.table.slice(0, 0)
        extracts.append(ex)

    with step("border crossings"):
        border, recorded = border_extract(pop, ident, prof, rng_for(seed, "x-border"))
        deliver(border)
        del border
    with step("visas, permits and work permits"):
        deliver(visa_extract(pop, ident, prof, rng_for(seed, "x-visas")))
        deliver(work_permit_extract(pop, ident, prof, rng_for(seed, "x-xpat")))
    with step("census and national register"):
        deliver(census_extract(pop, ident, prof, rng_for(seed, "x-census"), after))
        deliver(register_extract(pop, ident, prof, rng_for(seed, "x-register")))
    _write_packages(extracts, out_dir / "extracts")
    truths = [
        ex.truth.select(["record_id", "person_id", "faults"]).append_column(
            "source", pa.repeat(pa.scalar(ex.name), ex.truth.num_rows)
        )
        for ex in extracts
    ]
    with step("write truth"):
        _write_truth(
            out_dir / "truth",
            pop,
            ident,
            prof,
            before,
            after,
            long_term,
            recorded,
            pa.concat_tables(truths),
            extracts,
            scale,
            seed,
            result,
        )
    return result


class _Stepper:
    def __init__(self, result: SynthResult, progress: Progress | None) -> None:
        self.result, self.progress, self.name = result, progress, ""

    def __call__(self, name: str) -> _Stepper:
        self.name = name
        return self

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()
        if self.progress:
            self.progress(self.name, 0)

    def __exit__(self, *exc: object) -> None:
        self.result.seconds[self.name] = round(time.perf_counter() - self.t0, 3)
        if self.progress and exc[0] is None:
            self.progress(self.name, 1)


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    tmp.replace(path)


def _write_dictionary(ex: Extract, folder: Path) -> None:
    _write_json(folder / f"{ex.name}.schema.json", ex.schema)


def _write_packages(extracts: list[Extract], root: Path) -> None:
    by_agency: dict[str, list[Extract]] = {}
    for ex in extracts:
        by_agency.setdefault(ex.agency, []).append(ex)
    for agency, items in sorted(by_agency.items()):
        resources = []
        for ex in items:
            res: dict[str, Any] = {
                "name": ex.name,
                "title": ex.title,
                "description": ex.description,
                "path": ex.filename,
                "format": ex.fmt,
                "schema": f"{ex.name}.schema.json",
            }
            if ex.fmt == "csv":
                res["encoding"] = ex.dialect.get("encoding", "utf-8")
                res["dialect"] = {"delimiter": ex.dialect.get("delimiter", ",")}
            resources.append(res)
        _write_json(root / agency / "datapackage.json", {"name": agency, "resources": resources})


def _write_truth(
    folder: Path,
    pop: Population,
    ident: Identities,
    prof: Profile,
    before: np.ndarray,
    after: np.ndarray,
    long_term: np.ndarray,
    recorded: np.ndarray,
    records: pa.Table,
    extracts: list[Extract],
    scale: float,
    seed: int,
    result: SynthResult,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    w = pop.window
    people = pop.people
    c = pop.crossings
    rule = prof.residence_rule
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
    person = pa.table(
        {
            "person_id": pa.array(people["person_id"]),
            "group": categorical(people["group"], GROUP_NAMES),
            "sex": pa.array(people["sex"]),
            "date_of_birth": pa.array(people["dob"], pa.date32()),
            "citizenship": pa.array(people["citizenship"]),
            "country_of_birth": pa.array(people["birth_country"]),
            "date_of_death": pc.if_else(
                pa.array(death < NEVER),
                pa.array(np.minimum(death, 10**6).astype(np.int32), pa.date32()),
                pa.scalar(None, pa.date32()),
            ),
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
    crossing = pa.table(
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
            "authorised_until": pc.if_else(
                pa.array((c["direction"] == ARR) & (c["authorised_until"] < NEVER)),
                pa.array(np.minimum(c["authorised_until"], 10**6).astype(np.int32), pa.date32()),
                pa.scalar(None, pa.date32()),
            ),
        }
    )
    events = crossing.filter(pc.and_(crossing["is_long_term_migration"], crossing["in_period"]))
    cit = pc.take(pa.array(people["citizenship"]), events["person_id"])
    migration_event = pa.table(
        {
            "person_id": events["person_id"],
            "event_date": events["crossing_date"],
            "kind": pc.if_else(pc.equal(events["direction"], "ARR"), "immigration", "emigration"),
            "citizenship": cit,
            "returning_citizen": pc.and_(
                pc.equal(events["direction"], "ARR"), pc.equal(cit, prof.country.iso3)
            ),
        }
    )
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
                    "reference": pa.array([label] * len(idx), pa.string()),
                    "reference_date": pa.array(np.full(len(idx), rd, np.int32), pa.date32()),
                    "resident": pa.array(res[idx]),
                    "present": pa.array(present[idx]),
                    "overstayer": pa.array((present & foreign & (auth < rd))[idx]),
                }
            )
        )
    status_at = pa.concat_tables(status_parts)
    for name, table in (
        ("person", person),
        ("crossing", crossing),
        ("record", records),
        ("status_at", status_at),
        ("migration_event", migration_event),
    ):
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
        result.rows[f"truth/{name}"] = table.num_rows
    dates = w.dates
    meta = {
        "generator": f"migstats {migstats.__version__}",
        "profile": prof.country.name,
        "profile_sha256": hashlib.sha256(prof.model_dump_json().encode()).hexdigest(),
        "scale": scale,
        "seed": seed,
        **{k: v.isoformat() for k, v in dates.items()},
        "census_night": prof.country.census_night.isoformat(),
        "window_days": rule.window_days,
        "threshold_days": rule.threshold_days,
        "reference_dates": {k: to_date(v).isoformat() for k, v in ref_days.items()},
        "note": "Truth of the synthetic country. Never read by the pipeline; evaluation only.",
    }
    _write_json(folder / "meta.json", meta)


def categorical(codes: np.ndarray, labels: tuple[str, ...]) -> pa.DictionaryArray:
    """A dictionary-encoded string column from small integer codes (compact in memory and
    in Parquet; reads back as text)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, np.int8)), pa.array(list(labels), pa.string())
    )


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
