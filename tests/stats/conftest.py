"""Shared fixtures of the statistics tests: one linked synthetic country per session.

``linked_country`` runs the demo's steps up to linkage (scale 0.01, seed 5) once per
test worker. ``frame`` opens it, runs the residence rule on the spine and builds the
population at reference dates, with the truth attached as ``truth_*`` views; each test
module gets its own frame (and connection), so modules may add tables freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from migstats.config import load_config
from migstats.stats.evaluate import attach_truth
from migstats.stats.frame import StatFrame, open_frame
from migstats.stats.initial import classify_spine
from migstats.stats.population import build_population_status


@pytest.fixture(scope="session")
def linked_country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from migstats.cli.demo import DemoRun, _harmonise, _land, _link, _synthetic_country, _validate

    out = tmp_path_factory.mktemp("stats-country")
    run = DemoRun(out=out, scale=0.01, seed=5)
    for step in (_synthetic_country, _land, _validate, _harmonise, _link):
        step(run)
    cfg = load_config(out / "project.yaml")
    frame = open_frame(cfg)
    events = cfg.workspace / "integrated" / "residence_event.parquet"
    classify_spine(frame, events)
    frame.close()
    return out


@pytest.fixture(scope="module")
def frame(linked_country: Path) -> Iterator[StatFrame]:
    cfg = load_config(linked_country / "project.yaml")
    opened = open_frame(cfg)
    build_population_status(opened)
    attach_truth(opened, linked_country / "synthetic" / "truth")
    yield opened
    opened.close()
