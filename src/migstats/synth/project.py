"""A project file for the synthetic country: how its five extracts map to the
canonical tables. ``migstats demo`` writes and uses it; it is also a worked example of
a real project file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from migstats.synth.profile import Profile, load_profile

SOURCES: list[dict[str, Any]] = [
    {
        "name": "border_crossings",
        "kind": "border_crossing",
        "agency": "immigration",
        "path": "immigration/border_crossings.csv",
        "format": "csv",
        "dictionary": "immigration/border_crossings.schema.json",
        "encoding": "utf-8",
        "delimiter": ",",
        "columns": {
            "record_id": "MOVEMENT_ID",
            "crossing_datetime": "MOVEMENT_DATETIME",
            "direction": "DIRECTION",
            "port": "PORT",
            "document_type": "DOC_TYPE",
            "document_no": "DOC_NO",
            "nationality": "NATIONALITY",
            "surname": "SURNAME",
            "given_names": "GIVEN_NAMES",
            "sex": "SEX",
            "date_of_birth": "DATE_OF_BIRTH",
            "visa_type": "VISA_TYPE",
        },
        "codes": {"direction": {"IN": "ARR", "OUT": "DEP"}},
    },
    {
        "name": "visas_permits",
        "kind": "visa_permit",
        "agency": "immigration",
        "path": "immigration/visas_permits.csv",
        "format": "csv",
        "dictionary": "immigration/visas_permits.schema.json",
        "encoding": "utf-8-sig",
        "delimiter": ";",
        "columns": {
            "permit_id": "PERMIT_NO",
            "permit_type": "PERMIT_TYPE",
            "holder_name": "HOLDER_NAME",
            "document_no": "PASSPORT_NO",
            "nationality": "NATIONALITY",
            "date_of_birth": "DATE_OF_BIRTH",
            "sex": "GENDER",
            "valid_from": "VALID_FROM",
            "valid_to": "VALID_TO",
            "status": "STATUS",
        },
        "codes": {"sex": {"Male": "M", "Female": "F"}},
    },
    {
        "name": "work_permits",
        "kind": "work_permit",
        "agency": "xpat",
        "path": "xpat/work_permits.csv",
        "format": "csv",
        "dictionary": "xpat/work_permits.schema.json",
        "columns": {
            "permit_id": "WP_NUMBER",
            "worker_name": "WORKER_NAME",
            "document_no": "PASSPORT",
            "nationality": "NATIONALITY",
            "date_of_birth": "DOB",
            "sex": "SEX",
            "employer_id": "EMPLOYER_REG_NO",
            "employer_name": "EMPLOYER_NAME",
            "occupation": "OCCUPATION",
            "industry": "INDUSTRY",
            "work_island": "WORK_ISLAND",
            "valid_from": "VALID_FROM",
            "valid_to": "VALID_TO",
            "status": "STATUS",
        },
    },
    {
        "name": "census_2022",
        "kind": "census_person",
        "agency": "mbs",
        "path": "mbs/census_2022.parquet",
        "format": "parquet",
        "dictionary": "mbs/census_2022.schema.json",
        "columns": {
            "record_id": "census_person_id",
            "full_name": "full_name",
            "sex": "sex",
            "age": "age",
            "date_of_birth": "date_of_birth",
            "country_of_birth": "country_of_birth",
            "citizenship": "citizenship",
            "island": "island_code",
            "atoll": "atoll_code",
            "year_of_arrival": "year_of_arrival",
            "activity_status": "activity_status",
            "attending_education": "attending_education",
            "occupation": "occupation_isco",
            "industry": "industry_isic",
        },
        "codes": {"sex": {"1": "M", "2": "F"}},
    },
    {
        "name": "national_register",
        "kind": "register_person",
        "agency": "nrd",
        "path": "nrd/national_register.xlsx",
        "format": "xlsx",
        "dictionary": "nrd/national_register.schema.json",
        "sheet": "National Register",
        "columns": {
            "national_id": "NATIONAL_ID",
            "full_name": "FULL_NAME",
            "sex": "SEX",
            "date_of_birth": "DATE_OF_BIRTH",
            "island": "ISLAND_OF_REGISTRATION",
            "date_of_death": "DATE_OF_DEATH",
            "status": "STATUS",
        },
    },
]


def source_of(kind: str) -> dict[str, Any]:
    """The synthetic source feeding canonical table ``kind`` (its project-file entry)."""
    for source in SOURCES:
        if source["kind"] == kind:
            return source
    raise KeyError(f"no synthetic source of kind {kind!r}")


def read_extract(extracts_dir: Path, kind: str) -> pa.Table:
    """A synthetic extract as text with canonical column names, read by the pipeline's own
    reader through the project file's mapping (rows the parser rejects are left out).
    For tests and benchmarks that start at a canonical table, not at a workspace."""
    from migstats.sources.read import read_raw

    source = source_of(kind)
    with read_raw(
        extracts_dir / source["path"],
        source["format"],
        encoding=source.get("encoding", "utf-8"),
        delimiter=source.get("delimiter", ","),
        sheet=source.get("sheet"),
    ) as raw:
        table = raw.table
    columns: dict[str, str] = source["columns"]
    return table.select(list(columns.values())).rename_columns(list(columns))


def synthetic_project(
    extracts_dir: Path,
    workspace: Path,
    profile: Profile | None = None,
    hmac_key_file: Path | None = None,
) -> dict[str, Any]:
    """The project settings for a synthetic country whose extracts are in ``extracts_dir``."""
    prof = profile or load_profile()
    return {
        "project": {
            "name": f"Synthetic {prof.country.name}",
            "country": prof.country.iso3,
            "workspace": str(workspace),
        },
        "storage": {"kind": "local", "root": str(extracts_dir)},
        "security": (
            {"hmac_key_file": str(hmac_key_file)}
            if hmac_key_file
            else {"hmac_key_env": "MIGSTATS_HMAC_KEY"}
        ),
        "period": {
            "start": prof.period.start.isoformat(),
            "end": prof.period.end.isoformat(),
            "census_night": prof.country.census_night.isoformat(),
        },
        "residence_rule": {
            "window_days": prof.residence_rule.window_days,
            "threshold_days": prof.residence_rule.threshold_days,
        },
        "quality": {"strictness": "warn", "max_quarantine_share": 0.01},
        "sources": SOURCES,
    }


def write_project_file(
    path: Path, extracts_dir: Path, workspace: Path, hmac_key_file: Path | None = None
) -> Path:
    """Write the synthetic country's project file (paths relative to its folder)."""
    base = path.resolve().parent
    key = Path(_relative(hmac_key_file.resolve(), base)) if hmac_key_file else None
    data = synthetic_project(
        Path(_relative(extracts_dir.resolve(), base)),
        Path(_relative(workspace.resolve(), base)),
        hmac_key_file=key,
    )
    header = "# migstats project file for the synthetic country (written by migstats demo)\n"
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def _relative(target: Path, base: Path) -> str:
    try:
        return str(target.relative_to(base))
    except ValueError:
        return str(target)
