"""``migstats stats`` and ``migstats evaluate``: the official statistics, and how close
they come to a synthetic country's truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table

from migstats.cli._app import app, console
from migstats.cli.progress import StepProgress
from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable
from migstats.stats.evaluate import Check
from migstats.stats.stage import StatisticsRun

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The project file.")]


def run_stats(config: Path, truth: Path | None) -> StatisticsRun:
    """Run the statistics stage with a progress display; returns what it produced."""
    from migstats.config import load_config
    from migstats.stats.stage import run_statistics

    cfg = load_config(config)
    if truth is not None and not (truth / "person.parquet").is_file():
        raise UserInputError(
            "Not a synthetic country's truth",
            f"{truth} has no person.parquet",
            "pass the truth/ folder written by `migstats synth`",
        )
    with StepProgress(console, "Statistics") as progress:
        return run_statistics(cfg, truth_dir=truth, progress=progress.step)


def print_headlines(run: StatisticsRun) -> None:
    """The figures a release leads with, from whichever tables were built."""
    table = Table(title="Headline figures", title_justify="left")
    for col in ("statistic", "reference", "value", "status"):
        table.add_column(col, justify="right" if col == "value" else "left")
    stock = run.tables.get("1.1")
    if stock is not None:
        for ref in ("census_night", *sorted(r for r in _refs(stock) if r.startswith("year"))):
            for measure, label in (
                ("FOREIGN_CITIZENS", "migrant stock (foreign citizens)"),
                ("FOREIGN_BORN", "migrant stock (foreign-born)"),
            ):
                row = _total_row(stock.data, REF_DATE=ref, MEASURE=measure)
                if row:
                    table.add_row(label, ref, f"{row['OBS_VALUE']:,.0f}", str(row["OBS_STATUS"]))
    for table_id, label in (("1.2", "immigrants"), ("1.3", "emigrants"), ("1.4N", "net")):
        flows = run.tables.get(table_id)
        if flows is None:
            continue
        for year in sorted(set(flows.data.column("TIME_PERIOD").to_pylist())):
            row = _total_row(flows.data, TIME_PERIOD=year)
            if row:
                table.add_row(label, year, f"{row['OBS_VALUE']:,.0f}", str(row["OBS_STATUS"]))
    console.print(table)
    console.print(
        "[dim]Status: A normal, E estimated (corrected for missed departures), "
        "P provisional (windows still open at the data end).[/]"
    )


def _refs(table: ObservationTable) -> set[str]:
    return {str(r) for r in table.data.column("REF_DATE").to_pylist()}


def _total_row(data: pa.Table, **codes: str) -> dict[str, Any] | None:
    """The row with the given codes and every other dimension at ``_T``."""
    value_cols = {"OBS_VALUE", "OBS_STATUS", "LOWER", "UPPER"}
    for row in data.to_pylist():
        if all(row[c] == codes.get(c, "_T") for c in data.column_names if c not in value_cols):
            return dict(row)
    return None


def print_checks(checks: list[Check]) -> None:
    """Every published value against the truth."""
    table = Table(title="Evaluation against the synthetic country's truth", title_justify="left")
    for col in ("table", "value", "estimate", "truth", "error", "interval", "goal"):
        table.add_column(col, justify="left" if col in ("table", "value") else "right")
    for c in checks:
        interval = "" if c.lower is None else f"{c.lower:,.0f}-{c.upper:,.0f}"
        if c.covered is not None:
            interval += " ok" if c.covered else " misses"
        goal = "" if c.goal is None else ("met" if c.meets_goal else f"missed ({c.goal:.0%})")
        table.add_row(
            c.table_id, c.what, f"{c.estimate:,.1f}", f"{c.truth:,.1f}",
            f"{c.relative_error:+.1%}", interval, goal,
        )  # fmt: skip
    console.print(table)
    with_goal = [c for c in checks if c.goal is not None]
    console.print(f"Goals met: {sum(bool(c.meets_goal) for c in with_goal)} of {len(with_goal)}")


@app.command()
def stats(
    config: ConfigOption,
    truth: Annotated[
        Path | None,
        typer.Option(help="Truth folder of a synthetic country, to evaluate every table."),
    ] = None,
) -> None:
    """Compute the official statistics (stocks, flows, mobility, workers, overstays,
    SDG indicators, accounts) from the linked data; they stay in the secure space."""
    run = run_stats(config, truth)
    print_headlines(run)
    if run.checks:
        print_checks(run.checks)
    console.print(f"Tables: {run.folder} ({len(run.tables)} tables, index tables.json)")


@app.command()
def evaluate(
    config: ConfigOption,
    truth: Annotated[Path, typer.Option(help="Truth folder of the synthetic country.")],
) -> None:
    """Compare every table with the synthetic country's truth and print the errors."""
    run = run_stats(config, truth)
    print_checks(run.checks)
