"""``migstats land`` and ``migstats storage-policies`` as a user meets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml
from typer.testing import CliRunner

from migstats.cli import app
from tests.storage.conftest import Project

runner = CliRunner()


def _project_file(cfg_dir: Path) -> Path:
    return cfg_dir / "project.yaml"


def test_land_shows_a_table_and_then_unchanged(
    local_project: Callable[[], Project], tmp_path: Path
) -> None:
    cfg, _ = local_project()
    file = _project_file(tmp_path)
    first = runner.invoke(app, ["land", "--config", str(file)], terminal_width=200)
    assert first.exit_code == 0, first.output
    for src in cfg.sources:
        assert src.name in first.output
    assert f"{len(cfg.sources)} new, 0 unchanged" in first.output
    again = runner.invoke(
        app, ["land", "-c", str(file), "--source", "census_2022"], terminal_width=200
    )
    assert again.exit_code == 0, again.output
    assert "0 new, 1 unchanged" in again.output


def test_missing_credentials_are_one_line(tmp_path: Path) -> None:
    file = tmp_path / "project.yaml"
    data = {
        "project": {"name": "T", "country": "MDV", "workspace": "ws"},
        "storage": {
            "kind": "s3",
            "endpoint_url": "http://127.0.0.1:9",
            "bucket": "b",
            "access_key_env": "MIGSTATS_TEST_NO_SUCH_KEY",
            "secret_key_env": "MIGSTATS_TEST_NO_SUCH_SECRET",
        },
        "period": {"start": "2019-01-01", "end": "2024-12-31"},
        "sources": [
            {"name": "x", "kind": "census_person", "agency": "mbs", "path": "mbs/x.parquet",
             "format": "parquet"}
        ],
    }  # fmt: skip
    file.write_text(yaml.safe_dump(data))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGSTATS_TEST_NO_SUCH")}
    done = subprocess.run(
        [sys.executable, "-c", "from migstats.cli import main; main()", "land", "-c", str(file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "MIGSTATS_TEST_NO_SUCH_KEY" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_storage_policies_writes_json(local_project: Callable[[], Project], tmp_path: Path) -> None:
    local_project()
    out = tmp_path / "policies"
    result = runner.invoke(
        app, ["storage-policies", "-c", str(_project_file(tmp_path)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert "nso-read.json" in names and "agency-immigration.json" in names
    doc = json.loads((out / "agency-xpat.json").read_text())
    assert doc["Statement"][1]["Resource"] == ["arn:aws:s3:::BUCKET/xpat/*"]
