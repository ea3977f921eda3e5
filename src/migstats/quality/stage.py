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

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.quality.report import QualityReport
from migstats.quality.validate import validate_source
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
        with read_raw(
            snap.data_path,
            source.format,
            encoding=source.encoding,
            delimiter=source.delimiter,
            sheet=source.sheet,
        ) as raw:
            result = validate_source(
                raw,
                source,
                _dictionary(snap.dictionary_path),
                cfg.period,
                cfg.quality,
                clean_path=ws / "clean" / f"{source.name}.parquet",
                quarantine_path=ws / "quarantine" / f"{source.name}.parquet",
                tags={"_source": source.name, "_snapshot": snap.manifest.snapshot_id},
            )
        report.sources.append(result)
        if progress:
            progress(f"validate {source.name}", 1)
    report.write(ws / "reports")
    return report
