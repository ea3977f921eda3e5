"""The command line as a user meets it: help, the synth command, the demo, and one-line
errors for mistakes (no tracebacks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from migstats.cli import app

runner = CliRunner()


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("synth", "demo"):
        assert command in result.output


def test_synth_writes_extracts_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "country"
    result = runner.invoke(app, ["synth", "--out", str(out), "--scale", "0.001", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert (out / "extracts/immigration/border_crossings.csv").is_file()
    assert (out / "extracts/nrd/national_register.xlsx").is_file()
    assert (out / "truth/meta.json").is_file()
    assert "border_crossings" in result.output


def test_synth_custom_period(tmp_path: Path) -> None:
    out = tmp_path / "short"
    result = runner.invoke(
        app,
        [
            "synth",
            "--out",
            str(out),
            "--scale",
            "0.001",
            "--start",
            "2021-01-01",
            "--end",
            "2023-06-30",
        ],
    )
    assert result.exit_code == 0, result.output
    meta = (out / "truth/meta.json").read_text()
    assert '"period_start": "2021-01-01"' in meta
    assert '"period_end": "2023-06-30"' in meta


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from migstats.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )


def test_user_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    bad_date = _run_cli("synth", "--out", str(tmp_path), "--start", "01/01/2020")
    assert bad_date.returncode == 2
    assert "Invalid --start" in bad_date.stdout
    assert "Traceback" not in bad_date.stdout + bad_date.stderr
    census_outside = _run_cli("synth", "--out", str(tmp_path), "--end", "2020-12-31")
    assert census_outside.returncode == 2
    assert "census night" in census_outside.stdout
    missing = _run_cli("synth", "--out", str(tmp_path), "--profile", str(tmp_path / "x.yaml"))
    assert "Profile not found" in missing.stdout
    bad_profile = tmp_path / "bad.yaml"
    bad_profile.write_text("country: {name: X}\n")
    broken = _run_cli("synth", "--out", str(tmp_path), "--profile", str(bad_profile))
    assert broken.returncode == 2
    # Every problem at once, naming the keys.
    assert "country.iso3" in broken.stdout and "workers" in broken.stdout


def test_demo_runs_and_says_where_everything_is(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--scale", "0.001"])
    assert result.exit_code == 0, result.output
    assert "Where everything is" in result.output
    assert (tmp_path / "demo/synthetic/extracts").is_dir()
    # It ends with a published release, its site, and how to serve it.
    workspace = tmp_path / "demo" / "workspace"
    assert (workspace / "published" / "2024.1" / "manifest.json").is_file()
    assert (workspace / "web" / "site" / "index.html").is_file()
    assert "migstats serve" in result.output


def test_validate_exit_code_follows_strictness(tmp_path: Path) -> None:
    deliveries = tmp_path / "deliveries" / "immigration"
    deliveries.mkdir(parents=True)
    # Two of three rows are unusable (no key; valid_to before valid_from).
    (deliveries / "permits.csv").write_text(
        "NO,TYPE,FROM,TO\nP1,Work,2020-01-01,2020-12-31\n,Work,2020-01-01,2020-12-31\n"
        "P3,Work,2021-01-01,2020-12-31\n"
    )
    project = tmp_path / "project.yaml"
    project.write_text(
        "project: {name: T, country: MDV, workspace: ws}\n"
        "storage: {kind: local, root: deliveries}\n"
        "period: {start: 2019-01-01, end: 2024-12-31}\n"
        "sources:\n"
        "  - {name: permits, kind: visa_permit, agency: immigration, path: "
        "immigration/permits.csv, format: csv,\n"
        "     columns: {permit_id: NO, permit_type: TYPE, valid_from: FROM, valid_to: TO}}\n"
    )
    assert runner.invoke(app, ["land", "--config", str(project)]).exit_code == 0
    strict = runner.invoke(app, ["validate", "--config", str(project)])
    assert strict.exit_code == 1, strict.output
    assert "REQUIRED_MISSING" in strict.output and "DATE_ORDER" in strict.output
    lenient = runner.invoke(app, ["validate", "--config", str(project), "--strictness", "warn"])
    assert lenient.exit_code == 0
    report = (tmp_path / "ws" / "reports" / "quality.json").read_text()
    assert '"quarantined": 2' in report and '"accepted": 1' in report
