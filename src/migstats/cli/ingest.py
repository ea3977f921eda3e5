"""``migstats harmonise``, ``migstats review import`` and ``migstats refdata import-isco``:
codes to international standards, the statistician's review loop, official code lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from migstats.cli._app import app, console
from migstats.cli.progress import StepProgress
from migstats.cli.project import ConfigOption
from migstats.config import load_config
from migstats.ingest import IngestResult

review_app = typer.Typer(help="The review list: values the coders could not code for sure.")
refdata_app = typer.Typer(help="Reference data: import official code lists.")
app.add_typer(review_app, name="review")
app.add_typer(refdata_app, name="refdata")


def run_harmonise(config: Path, sources: list[str] | None = None) -> IngestResult:
    """Harmonise and pseudonymise validated sources, and print the coding report."""
    from migstats.ingest import harmonise_project

    cfg = load_config(config)
    with StepProgress(console, "Harmonisation") as progress:
        result = harmonise_project(cfg, sources, progress=progress.step)
    table = Table(title="Coding report (share of rows)", title_justify="left")
    for col in ("source", "variable", "rows", "exact", "rule", "manual", "review", "uncoded"):
        table.add_column(col, justify="left" if col in ("source", "variable") else "right")
    for name, report in result.reports.items():
        for v in report.variables:  # type: ignore[attr-defined]
            table.add_row(
                name,
                v.column,
                f"{v.rows:,}",
                *(f"{v.share(m):.1%}" for m in ("exact", "rule", "manual", "review", "uncoded")),
            )
    console.print(table)
    ws = cfg.workspace
    console.print(f"Harmonised zone: {ws / 'harmonised'}; report: {ws / 'reports' / 'coding.txt'}")
    if result.review_file:
        console.print(
            f"Values to review: [bold]{result.review_file}[/] (fill the `code` column, then "
            f"`migstats review import FILE --config {config}`)"
        )
    return result


@app.command()
def harmonise(
    config: ConfigOption,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
) -> None:
    """Code countries (UN M49), places (atolls, islands), occupations (ISCO-08), industries
    (ISIC Rev.4), visa purposes and dates in validated sources; pseudonymise passport and
    ID numbers with the project's key; write the harmonised zone, coding report and review
    list."""
    run_harmonise(config, source)


@review_app.command("import")
def review_import(
    filled: Annotated[Path, typer.Argument(help="A review file with the `code` column filled.")],
    config: ConfigOption,
) -> None:
    """Import a filled review file; the next `migstats harmonise` applies its codes first."""
    from migstats.harmonise import import_review
    from migstats.ingest import imported_isco

    cfg = load_config(config)
    overrides = import_review(filled, cfg.workspace / "review", isco=imported_isco(cfg))
    console.print(f"Imported as overrides version {overrides.version}; run `migstats harmonise`.")


@refdata_app.command("import-isco")
def import_isco_command(
    path: Annotated[Path, typer.Argument(help="ILO ISCO-08 structure file (CSV or xlsx).")],
    config: ConfigOption,
    version: Annotated[str, typer.Option(help="Version label of the list.")] = "ISCO-08",
) -> None:
    """Import the official ISCO structure as versioned reference data of the project."""
    from migstats.harmonise import import_isco

    cfg = load_config(config)
    codes = import_isco(path, cfg.workspace / "refdata", version=version)
    console.print(f"Imported {version}: {codes!s:.200}")
