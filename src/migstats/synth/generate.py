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

import migstats
from migstats.errors import UserInputError
from migstats.synth.draw import rng_for, to_date
from migstats.synth.extracts.border import border_extract
from migstats.synth.extracts.common import Extract, write_extract
from migstats.synth.extracts.permits import visa_extract, work_permit_extract
from migstats.synth.extracts.population_sources import census_extract, register_extract
from migstats.synth.identity import Identities, draw_identities
from migstats.synth.population import Population, simulate_population
from migstats.synth.profile import Profile, load_profile
from migstats.synth.truth import residence_truth
from migstats.synth.truth_tables import reference_days, write_truth_tables

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
        result.rows[ex.name] = ex.n_rows
        ex.release()
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
    with step("write truth"):
        _write_truth(
            out_dir / "truth",
            pop,
            ident,
            prof,
            (before, after, long_term),
            recorded,
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
    statuses: tuple[np.ndarray, np.ndarray, np.ndarray],
    recorded: np.ndarray,
    extracts: list[Extract],
    scale: float,
    seed: int,
    result: SynthResult,
) -> None:
    rows = write_truth_tables(folder, pop, ident, prof, statuses, recorded, extracts)
    result.rows.update({f"truth/{k}": v for k, v in rows.items()})
    w = pop.window
    rule = prof.residence_rule
    ref_days = reference_days(prof)
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
