"""``migstats init`` and ``migstats validate``: the project file and data quality."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from migstats.cli._app import app, console
from migstats.cli.progress import StepProgress
from migstats.config import load_config
from migstats.errors import UserInputError
from migstats.quality.report import QualityReport

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The project file (write one with `migstats init`).")
]


def starter_text() -> str:
    """The commented starter project file."""
    return resources.files("migstats.templates").joinpath("project.yaml").read_text("utf-8")


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the project file.")] = Path(
        "project.yaml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter project file to edit for your country and agencies."""
    if path.exists() and not force:
        raise UserInputError("File exists", str(path), "choose another path or pass --force")
    path.write_text(starter_text(), "utf-8")
    load_config(path)  # the starter must itself be valid
    console.print(f"Wrote [bold]{path}[/]; edit it, then run `migstats land --config {path}`.")


def run_validation(
    config: Path, sources: list[str] | None, strictness: str | None
) -> QualityReport:
    """Validate the landed sources of a project, print the report, apply strictness."""
    from migstats.quality.stage import validate_project

    cfg = load_config(config)
    if strictness:
        cfg = cfg.model_copy(
            update={"quality": cfg.quality.model_copy(update={"strictness": strictness})}
        )
    with StepProgress(console, "Validation") as progress:
        report = validate_project(cfg, sources, progress=progress.step)
    report.print(console)
    console.print(f"Report: {cfg.workspace / 'reports' / 'quality.html'}")
    return report


@app.command()
def validate(
    config: ConfigOption,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    strictness: Annotated[
        str | None,
        typer.Option(help="Override the project's strictness: ignore, warn or raise."),
    ] = None,
) -> None:
    """Check landed sources against their data dictionaries and the domain's rules.

    Writes the clean zone (typed canonical rows), the quarantine zone (rows set aside,
    with reasons) and the quality report (JSON and HTML). Exits with code 1 when a source
    is invalid and strictness is `raise`.
    """
    if strictness not in (None, "ignore", "warn", "raise"):
        raise UserInputError("Invalid --strictness", repr(strictness), "use ignore, warn or raise")
    report = run_validation(config, source, strictness)
    if not report.valid:
        if report.strictness == "raise":
            console.print("[bold red]Invalid sources[/]: see the report.")
            raise typer.Exit(1)
        if report.strictness == "warn":
            console.print("[yellow]warning:[/] some sources are invalid; see the report.")
