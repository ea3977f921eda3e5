"""The validation stage: every landed source of a project, checked and split into the
clean zone (typed canonical rows) and the quarantine zone (rows set aside, with reasons).

Zones under the workspace::

    clean/<source>.parquet        accepted rows: _record, canonical columns, typed
    quarantine/<source>.parquet   rejected rows: _record, delivered columns, reasons
    reports/quality.json|.html    the quality report
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.quality.report import QualityReport
from migstats.quality.validate import SourceValidation, validate_source
from migstats.sources.read import read_raw

Progress = Callable[[str, int], None]


def _dictionary(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as err:
        raise UserInputError(
            f"Data dictionary {path.name} is not valid JSON", str(err), "fix the Table Schema"
        ) from None
    return data


def validate_project(
    cfg: ProjectConfig,
    sources: list[str] | None = None,
    progress: Progress | None = None,
) -> QualityReport:
    """Validate the latest landed snapshot of each source and write the zones and report."""
    from migstats.storage import latest_snapshot, load_snapshot

    report = QualityReport(cfg.quality.strictness, cfg.quality.max_quarantine_share)
    ws = cfg.workspace
    for source in cfg.sources:
        if sources and source.name not in sources:
            continue
        if progress:
            progress(f"validate {source.name}", 0)
        snap = load_snapshot(latest_snapshot(cfg, source.name))
        raw = read_raw(
            snap.data_path,
            source.format,
            encoding=source.encoding,
            delimiter=source.delimiter,
            sheet=source.sheet,
        )
        result = validate_source(
            raw, source, _dictionary(snap.dictionary_path), cfg.period, cfg.quality
        )
        _write_zone(ws / "clean" / f"{source.name}.parquet", result, snap.manifest.snapshot_id)
        pq.write_table(result.quarantine, _tmp(ws / "quarantine" / f"{source.name}.parquet"))
        _commit(ws / "quarantine" / f"{source.name}.parquet")
        # The clean table is on disk now; keep only the counts in memory.
        result.clean = result.clean.slice(0, 0)
        report.sources.append(result)
        if progress:
            progress(f"validate {source.name}", 1)
    report.write(ws / "reports")
    return report


def _tmp(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + ".tmp")


def _commit(path: Path) -> None:
    path.with_name(path.name + ".tmp").replace(path)


def _write_zone(path: Path, result: SourceValidation, snapshot: str) -> None:
    n = result.clean.num_rows
    table = result.clean.append_column(
        "_source", pa.repeat(pa.scalar(result.source), n)
    ).append_column("_snapshot", pa.repeat(pa.scalar(snapshot), n))
    pq.write_table(table, _tmp(path), compression="zstd")
    _commit(path)
