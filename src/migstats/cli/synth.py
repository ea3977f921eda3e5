"""``migstats synth``: generate the synthetic country."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from migstats.cli._app import app, console
from migstats.cli.progress import StepProgress
from migstats.errors import UserInputError
from migstats.synth.generate import SynthResult, generate


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserInputError(
            f"Invalid {option}", repr(text), "write the date as YYYY-MM-DD"
        ) from None


def run_synth(
    out: Path,
    scale: float,
    seed: int,
    profile: Path | None,
    start: date | None = None,
    end: date | None = None,
) -> SynthResult:
    """Generate with a progress display, and print a summary table."""
    with StepProgress(console, "Synthetic country") as progress:
        result = generate(
            out,
            scale=scale,
            seed=seed,
            profile=profile,
            start=start,
            end=end,
            progress=progress.step,
        )
    summary = Table(title=f"Synthetic country in {out}", show_lines=False)
    summary.add_column("extract or truth table")
    summary.add_column("rows", justify="right")
    summary.add_column("file")
    for name, rows in result.rows.items():
        path = result.files.get(name)
        summary.add_row(name, f"{rows:,}", str(path.relative_to(out)) if path else "")
    console.print(summary)
    return result


@app.command()
def synth(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write extracts/ and truth/ into.")
    ],
    scale: Annotated[
        float,
        typer.Option(
            help="Size relative to the real country "
            "(1.0 = about 515,000 residents and 2 million tourist arrivals a year)."
        ),
    ] = 0.01,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 1,
    profile: Annotated[
        Path | None,
        typer.Option(help="Country profile YAML (default: the built-in Maldives profile)."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="First day of the data period, YYYY-MM-DD (default from the profile: 2019-01-01)."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            help="Last day of the data period, YYYY-MM-DD (default from the profile: 2024-12-31)."
        ),
    ] = None,
) -> None:
    """Generate a synthetic country: agency extracts as delivered, and the truth aside.

    Writes one extract per agency (border crossings, visas and permits, work permits,
    census, national register) in its native shape with its data dictionary, plus the
    truth (true people, complete travel histories, residence status) for evaluation.
    """
    run_synth(out, scale, seed, profile, _date(start, "--start"), _date(end, "--end"))
