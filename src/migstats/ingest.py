"""The last ingest stage: validated (clean) tables harmonised to international codes and
pseudonymised, ready for linkage.

For each source: read ``clean/<source>.parquet`` → code countries, places, occupations,
industries, purposes and dates (:func:`migstats.harmonise.harmonise_table`, applying the
statistician's review overrides) → replace direct identifiers (passport and ID numbers)
by keyed hashes → write ``harmonised/<source>.parquet``. Writes the coding report
(``reports/coding.json``, ``reports/coding.txt``) and the list of values proposed for
review (``review/``, to fill in and import with ``migstats review import``).

Names stay (linkage needs them) inside the secure workspace; identifiers do not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.sources.canonical import CANONICAL

if TYPE_CHECKING:
    from migstats.harmonise import CodeList

log = logging.getLogger("migstats.ingest")
Progress = Callable[[str, int], None]


@dataclass
class IngestResult:
    """Rows harmonised per source, the coding reports and where things were written."""

    rows: dict[str, int] = field(default_factory=dict)
    reports: dict[str, object] = field(default_factory=dict)
    review_file: Path | None = None

    def __int__(self) -> int:
        return sum(self.rows.values())


def _typed_dates(table: pa.Table) -> pa.Table:
    """Put the parsed dates back under their canonical names (``date_of_birth`` holds a
    date again, not text); a date-time column keeps ``<stem>_date`` and the timestamp."""
    out = table
    for name in list(out.column_names):
        if not name.endswith("_date") or name == "crossing_date":
            continue
        stem = name.removesuffix("_date")
        if stem in out.column_names:
            i = out.column_names.index(stem)
            out = out.set_column(i, stem, out.column(name)).drop_columns([name])
    if "crossing_datetime" in out.column_names and "crossing_timestamp" in out.column_names:
        out = out.drop_columns(["crossing_datetime"])
    return out


def harmonise_project(
    cfg: ProjectConfig, sources: list[str] | None = None, progress: Progress | None = None
) -> IngestResult:
    """Harmonise and pseudonymise every validated source of the project."""
    from migstats.harmonise import CodingReport, export_review, harmonise_table, load_overrides
    from migstats.privacy import pseudonymise

    ws = cfg.workspace
    key = cfg.hmac_key()
    overrides = load_overrides(ws / "review")
    isco = imported_isco(cfg)
    result = IngestResult()
    reports: list[CodingReport] = []
    for source in cfg.sources:
        if sources and source.name not in sources:
            continue
        clean = ws / "clean" / f"{source.name}.parquet"
        if not clean.is_file():
            raise UserInputError(
                f"Source {source.name!r} has not been validated",
                f"no {clean}",
                "run `migstats validate --config PROJECT.yaml` first",
            )
        if progress:
            progress(f"harmonise {source.name}", 0)
        # Dates were typed by validation; harmonisation takes them as they are.
        table = pq.read_table(clean)
        coded, report = harmonise_table(
            source.kind,
            table,
            overrides,
            isco=isco,
            reference_date=cfg.period.end,
        )
        identifiers = [
            c.name for c in CANONICAL[source.kind] if c.identifier and c.name in coded.column_names
        ]
        safe = pseudonymise(_typed_dates(coded), identifiers, key)
        out = ws / "harmonised" / f"{source.name}.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        pq.write_table(safe, tmp, compression="zstd")
        tmp.replace(out)
        result.rows[source.name] = safe.num_rows
        result.reports[source.name] = report
        reports.append(report)
        if progress:
            progress(f"harmonise {source.name}", 1)
    (ws / "reports").mkdir(parents=True, exist_ok=True)
    merged = CodingReport.merge(reports, kind="project") if reports else None
    coding = {name: rep.to_dict() for name, rep in result.reports.items()}  # type: ignore[attr-defined]
    _atomic(ws / "reports" / "coding.json", json.dumps(coding, indent=2, default=str) + "\n")
    text = "\n\n".join(f"{name}\n{rep}" for name, rep in result.reports.items())
    _atomic(ws / "reports" / "coding.txt", text + "\n")
    if merged is not None and merged.review:
        result.review_file = _export_if_new(merged, ws / "review", export_review)
    log.info("harmonised %d rows from %d sources", int(result), len(result.rows))
    return result


def _export_if_new(report: object, folder: Path, export: Callable[..., Path]) -> Path:
    """Export the review list, unless it is the same as the latest one: a re-run with
    nothing new to review leaves the review folder as it was."""
    previous = sorted(folder.glob("review-*.csv"))
    path = export(report, folder)
    if previous and path != previous[-1] and path.read_bytes() == previous[-1].read_bytes():
        path.unlink()
        return previous[-1]
    return path


def imported_isco(cfg: ProjectConfig) -> CodeList | None:
    """The ISCO list imported into the workspace (``migstats refdata import-isco``), if any;
    otherwise the built-in ISCO-08 is used."""
    from migstats.harmonise import load_isco

    folder = cfg.workspace / "refdata"
    if not (folder / "isco").is_dir():
        return None
    return load_isco(folder)


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)
