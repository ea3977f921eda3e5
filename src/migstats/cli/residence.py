"""``migstats residence classify``: the outcomes-based residence rule on a file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from migstats.cli._app import app, console
from migstats.cli.progress import StepProgress
from migstats.residence import ResidenceRule, read_crossings, run_classification, write_classified

residence_app = typer.Typer(
    name="residence",
    help="Residence status before and after every border crossing (12/16-month rule).",
    no_args_is_help=True,
)
app.add_typer(residence_app, name="residence")


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


@residence_app.command()
def classify(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="Crossings, CSV or Parquet: person_id, crossing_date, direction (ARR/DEP), "
            "optional initial_status (resident/non_resident).",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the classified crossings (.csv or .parquet). CSV gets a "
            "sidecar OUTPUT.meta.json with the rule's settings.",
        ),
    ],
    window_days: Annotated[int, typer.Option(help="Window W in days (option (a): 365).")] = 487,
    threshold_days: Annotated[
        int, typer.Option(help="Threshold T in days (option (a): 183).")
    ] = 365,
    observation_start: Annotated[
        str | None,
        typer.Option(help="First day of the data, YYYY-MM-DD (default: earliest crossing)."),
    ] = None,
    observation_end: Annotated[
        str | None,
        typer.Option(
            help="Last day of the data (the cut-off), YYYY-MM-DD (default: latest crossing). "
            "Windows running past it stay unknown unless already decided."
        ),
    ] = None,
    engine: Annotated[EngineName, typer.Option(help="Where to compute.")] = EngineName.duckdb,
) -> None:
    """Classify every crossing: status before and after, long-term migration, date final."""
    rule = ResidenceRule(window_days=window_days, threshold_days=threshold_days)
    with StepProgress(console, "Residence rule") as progress:
        progress.step(f"read {input_path.name}", 0)
        crossings = read_crossings(input_path)
        progress.step(f"read {input_path.name}", 1)
        name = f"classify {crossings.num_rows:,} crossings ({engine.value})"
        progress.step(name, 0)
        result = run_classification(
            crossings, rule, observation_start, observation_end, engine.value
        )
        progress.step(name, 1)
        progress.step(f"write {output.name}", 0)
        metadata_at = write_classified(result.table, output)
        progress.step(f"write {output.name}", 1)

    counts = result.metadata["counts"]
    summary = Table(title=f"Residence rule W={window_days}, T={threshold_days}")
    summary.add_column("")
    summary.add_column("crossings", justify="right")
    summary.add_row("classified", f"{counts['crossings']:,}")
    summary.add_row("long-term migrations", f"{counts['long_term_migrations']:,}")
    summary.add_row("long-term flag unknown", f"{counts['long_term_unknown']:,}")
    summary.add_row("status after unknown", f"{counts['unknown_status_after']:,}")
    for code, rows in counts["repairs"].items():
        if rows:
            summary.add_row(f"repaired: {code}", f"{rows:,}")
    console.print(summary)
    console.print(
        f"period {result.metadata['observation_start']} to {result.metadata['observation_end']}; "
        f"wrote {output}" + (f" and {metadata_at}" if metadata_at != output else "")
    )
