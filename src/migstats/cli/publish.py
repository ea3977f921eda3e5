"""``migstats disclose`` and ``migstats publish``: protect every table, refuse what fails
its rule, and publish the rest as SDMX, Excel, CSV, Open SDG and the profile site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from migstats.cli._app import app, console
from migstats.cli.progress import StepProgress
from migstats.disclosure.rules import DisclosureSection
from migstats.stats.cube import ObservationTable

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The project file.")]


def protection_table(tables: dict[str, ObservationTable], section: DisclosureSection) -> Table:
    """One line per protected table: its rule, cells, and cells published without value."""
    from migstats.disclosure import describe

    table = Table(title="Disclosure control (every table passed its rule)", title_justify="left")
    for col in ("table", "rule", "cells", "withheld"):
        table.add_column(col, justify="right" if col in ("cells", "withheld") else "left")
    for table_id, t in tables.items():
        withheld = t.data.column("OBS_VALUE").null_count
        table.add_row(
            table_id,
            describe(section.rule_for(table_id)),
            f"{t.data.num_rows:,}",
            f"{withheld:,}",
        )
    return table


@app.command()
def disclose(config: ConfigOption) -> None:
    """Protect every statistical table (rules under `disclosure:`) and check each again.

    Writes the protected tables to workspace/protected/; refuses, naming the table and
    the rule, if any table fails its check.
    """
    from migstats.config import load_config
    from migstats.publish.stage import protect_statistics

    cfg = load_config(config)
    with console.status("Protecting the tables..."):
        protected = protect_statistics(cfg)
    console.print(protection_table(protected, cfg.disclosure))
    console.print(f"Protected tables: {cfg.workspace / 'protected'}")


@app.command()
def publish(config: ConfigOption) -> None:
    """Disclosure control, the gate, then the release (SDMX, Excel, CSV, Open SDG, data
    package), the migration profile site and the DDI-Codebook of the microdata."""
    from migstats.config import load_config
    from migstats.publish.stage import run_publication

    cfg = load_config(config)
    with StepProgress(console, "Publication") as progress:
        run = run_publication(cfg, progress=progress.step)
    console.print(protection_table(run.protected, cfg.disclosure))
    files = len(run.manifest.files)
    console.print(f"Release {run.manifest.release}: {files} files in {run.release_dir}")
    console.print(f"Site (works offline): {run.site_dir / 'index.html'}")
    if run.ddi_file is not None:
        console.print(f"DDI-Codebook (secure space): {run.ddi_file}")
    console.print(f"Serve the site, the API and the secure space: migstats serve --config {config}")
