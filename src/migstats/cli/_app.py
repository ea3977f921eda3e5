"""The shared typer application and console (kept apart to avoid import cycles)."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="migstats",
    help=(
        "Official statistics on international migration from administrative records: "
        "synthetic test country, ingest, residence rule, linkage, tables, publication."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=False, highlight=False)
