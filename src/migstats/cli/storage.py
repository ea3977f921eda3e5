"""``migstats land``: copy deliveries into the landing zone; ``migstats storage-policies``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from migstats.cli._app import app, console
from migstats.config import load_config
from migstats.errors import UserInputError
from migstats.storage import LandingReport, land
from migstats.storage.policy import deployment_policies

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The project file (see `migstats init`).")
]
#: Files smaller than this land too fast for a progress bar to be worth showing.
_BAR_FROM_BYTES = 32 << 20


class _Bars:
    """One transfer bar per large file, fed by :func:`land`'s progress callback."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, source: str, done: int, total: int) -> None:
        if total < _BAR_FROM_BYTES:
            return
        if source not in self.tasks:
            self.tasks[source] = self.progress.add_task(source, total=total)
        self.progress.update(self.tasks[source], completed=done)


def _summary(report: LandingReport, title: str) -> Table:
    table = Table(title=title)
    table.add_column("source", no_wrap=True)
    table.add_column("agency")
    table.add_column("snapshot", no_wrap=True)
    for name in ("MB", "rows"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("s", justify="right")
    colour = {"new": "green", "unchanged": "dim", "restored": "yellow"}
    for item in report.landed:
        table.add_row(
            item.source,
            item.agency,
            # Short like a git commit; the full id is the snapshot's folder name.
            item.snapshot_id.removeprefix(f"{item.source}-")[:8],
            f"{item.bytes / 1e6:,.1f}",
            f"{item.rows:,}",
            f"[{colour[item.status]}]{item.status}[/]",
            f"{item.seconds:.1f}",
        )
    return table


@app.command("land")
def land_command(
    config: ConfigOption = Path("project.yaml"),
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Land only this source (repeatable)."),
    ] = None,
    rehash: Annotated[
        bool,
        typer.Option(help="Read every delivery even when its ETag says it is unchanged."),
    ] = False,
) -> None:
    """Land deliveries: each changed file becomes an immutable snapshot with a manifest."""
    cfg = load_config(config)
    if not cfg.sources:
        raise UserInputError("Nothing to land", f"{config} lists no sources", "add sources")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        report = land(cfg, source or None, progress=_Bars(progress))
    landing = cfg.workspace / "landing"
    console.print(_summary(report, f"Landing zone {landing}"))
    console.print(
        f"{report.count('new')} new, {report.count('unchanged')} unchanged, "
        f"{report.count('restored')} restored snapshot(s)"
    )


@app.command("storage-policies")
def storage_policies(
    config: ConfigOption = Path("project.yaml"),
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the policy JSON files to.")
    ] = Path("policies"),
    principal: Annotated[
        list[str] | None,
        typer.Option(help="AGENCY=ARN of an agency's user, for a bucket policy (repeatable)."),
    ] = None,
    reader: Annotated[
        str | None, typer.Option(help="ARN of the statistics office's reader user.")
    ] = None,
) -> None:
    """Write bucket access policies: each agency writes only under its own prefix."""
    cfg = load_config(config)
    principals: dict[str, str] = {}
    for item in principal or []:
        agency, sep, arn = item.partition("=")
        if not sep or not arn:
            raise UserInputError("Invalid --principal", repr(item), "write AGENCY=ARN")
        principals[agency] = arn
    docs = deployment_policies(cfg, principals or None, reader)
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in docs.items():
        (out / name).write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
        console.print(f"  wrote {out / name}")
