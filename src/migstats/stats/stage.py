"""The statistics stage: residence on the spine, populations, every table, written.

Each table family is a module of :mod:`migstats.stats` offering
``build(frame) -> list[ObservationTable]`` and, optionally,
``evaluate(frame, tables) -> list[Check]`` (see :mod:`migstats.stats.evaluate`). The
stage runs them in :data:`TABLE_MODULES` order (later modules may use earlier tables
through ``frame.tables``) and writes ``statistics/<id>.parquet`` plus
``statistics/tables.json`` under the workspace. Everything it writes is unprotected
microdata-derived output: it stays in the secure space until disclosure control.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migstats.config import ProjectConfig
from migstats.stats.cube import ObservationTable, write_tables
from migstats.stats.evaluate import Check, attach_truth, write_report
from migstats.stats.frame import open_frame
from migstats.stats.initial import classify_spine
from migstats.stats.population import build_population_status

__all__ = ["TABLE_MODULES", "StatisticsRun", "run_statistics"]

log = logging.getLogger("migstats.stats")

#: Table families, in the order they are built.
TABLE_MODULES: tuple[str, ...] = (
    "migstats.stats.stocks",
    "migstats.stats.flows",
    "migstats.stats.mobility",
    "migstats.stats.workers",
    "migstats.stats.overstay",
    "migstats.stats.sdg",
    "migstats.stats.accounts",
    "migstats.stats.reconcile",
    "migstats.stats.signs_of_life",
    "migstats.stats.provisional",
)


@dataclass
class StatisticsRun:
    """What a run produced: tables by id, files, timings and (with a truth) checks."""

    tables: dict[str, ObservationTable]
    folder: Path
    timings: dict[str, float] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    residence: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def run_statistics(
    cfg: ProjectConfig,
    *,
    truth_dir: Path | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> StatisticsRun:
    """Run the stage on ``cfg``'s workspace; with ``truth_dir`` also evaluate.

    ``progress`` is called with ``(step, 0)`` when a step starts and ``(step, 1)`` when
    it ends (see :class:`migstats.cli.progress.StepProgress`).
    """
    say = progress or (lambda _name, _done: None)
    frame = open_frame(cfg)
    timings: dict[str, float] = {}
    try:
        start = time.perf_counter()
        say("residence rule on the spine", 0)
        events = cfg.workspace / "integrated" / "residence_event.parquet"
        residence = classify_spine(frame, events)
        frame.use_events(events)
        timings["residence"] = time.perf_counter() - start
        say("residence rule on the spine", 1)

        start = time.perf_counter()
        say("population at reference dates", 0)
        build_population_status(frame)
        timings["population"] = time.perf_counter() - start
        say("population at reference dates", 1)

        tables: dict[str, ObservationTable] = {}
        frame.tables = tables
        skipped = []
        for name in TABLE_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name != name:
                    raise
                skipped.append(name)
                continue
            start = time.perf_counter()
            step = name.rsplit(".", 1)[-1]
            say(step.replace("_", " "), 0)
            for table in module.build(frame):
                tables[table.table_id] = table
            timings[step] = time.perf_counter() - start
            say(step.replace("_", " "), 1)
        folder = cfg.workspace / "statistics"
        write_tables(tables.values(), folder)

        checks: list[Check] = []
        if truth_dir is not None:
            say("evaluation against the truth", 0)
            attach_truth(frame, truth_dir)
            for name in TABLE_MODULES:
                if name in skipped:
                    continue
                module = importlib.import_module(name)
                if hasattr(module, "evaluate"):
                    checks.extend(module.evaluate(frame, tables))
            write_report(checks, cfg.workspace / "reports" / "evaluation.json")
            say("evaluation against the truth", 1)
        return StatisticsRun(tables, folder, timings, checks, residence, skipped)
    finally:
        frame.close()
