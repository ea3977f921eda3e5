"""``migstats demo``: the whole pipeline on the synthetic country, start to end.

The demo is a list of steps run in order. Each stage that exists adds its step here;
the demo ends by printing where everything is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from migstats.cli._app import app, console
from migstats.cli.synth import run_synth
from migstats.synth.project import write_project_file


@dataclass
class DemoRun:
    """What the demo steps share: the output folder, settings and what they produced."""

    out: Path
    scale: float
    seed: int
    produced: dict[str, Path] = field(default_factory=dict)


def _synthetic_country(run: DemoRun) -> None:
    result = run_synth(run.out / "synthetic", run.scale, run.seed, None)
    run.produced["agency extracts"] = result.out_dir / "extracts"
    run.produced["truth (evaluation only)"] = result.out_dir / "truth"
    # A demo-only pseudonymisation key, derived from the seed so that re-runs give the
    # same outputs. Real projects keep a random key outside the data (see migstats init).
    key = run.out / "secrets" / "demo-hmac.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text(hashlib.sha256(f"migstats demo key {run.seed}".encode()).hexdigest() + "\n")
    project = write_project_file(
        run.out / "project.yaml", result.out_dir / "extracts", run.out / "workspace", key
    )
    run.produced["project file"] = project
    console.print(f"Project file for the synthetic country: [bold]{project}[/]")


def _land(run: DemoRun) -> None:
    from migstats.cli.storage import land_command

    land_command(config=run.out / "project.yaml", source=None, rehash=False)
    run.produced["landing zone"] = run.out / "workspace" / "landing"


def _validate(run: DemoRun) -> None:
    from migstats.cli.project import run_validation

    run_validation(run.out / "project.yaml", None, None)
    run.produced["clean and quarantine zones"] = run.out / "workspace"
    run.produced["quality report"] = run.out / "workspace" / "reports" / "quality.html"


def _harmonise(run: DemoRun) -> None:
    from migstats.cli.ingest import run_harmonise

    result = run_harmonise(run.out / "project.yaml")
    run.produced["harmonised zone (pseudonymised)"] = run.out / "workspace" / "harmonised"
    run.produced["coding report"] = run.out / "workspace" / "reports" / "coding.txt"
    if result.review_file:
        run.produced["values to review"] = result.review_file


def _link(run: DemoRun) -> None:
    from migstats.cli.link import link

    # The synthetic country has a truth, so the demo scores the linkage against it.
    link(config=run.out / "project.yaml", truth=run.out / "synthetic" / "truth")
    ws = run.out / "workspace"
    run.produced["person spine"] = ws / "integrated" / "person.parquet"
    run.produced["linkage report"] = ws / "linkage" / "report.json"


def _residence(run: DemoRun) -> None:
    """The 12/16-month rule on the spine's crossings, and the long-term flows by year
    beside the synthetic country's truth."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from rich.table import Table

    from migstats.config import load_config
    from migstats.residence import ResidenceRule, classify, write_classified

    cfg = load_config(run.out / "project.yaml")
    ws = cfg.workspace
    spine = pq.read_table(ws / "integrated" / "crossing.parquet")
    crossings = spine.select(["person_key", "crossing_date", "direction"]).rename_columns(
        ["person_id", "crossing_date", "direction"]
    )
    rule = ResidenceRule(cfg.residence_rule.window_days, cfg.residence_rule.threshold_days)
    with console.status("Classifying crossings (12/16-month rule)..."):
        events = classify(crossings, rule, cfg.period.start, cfg.period.end)
    out = write_classified(events, ws / "integrated" / "residence_event.parquet")
    run.produced["residence events"] = out
    truth = pq.read_table(run.out / "synthetic" / "truth" / "migration_event.parquet")
    table = Table(title="Long-term migrations by year: the rule on linked border data vs truth")
    for col in ("year", "immigrations", "truth", "emigrations", "truth ", "still unknown"):
        table.add_column(col, justify="right")
    year = pc.year(events["crossing_date"])
    lt = events["is_long_term_migration"]
    arr = pc.equal(events["direction"], "ARR")
    t_year = pc.year(truth["event_date"])
    t_arr = pc.equal(truth["kind"], "immigration")
    for y in range(cfg.period.start.year, cfg.period.end.year + 1):
        in_year = pc.equal(year, y)
        t_in = pc.equal(t_year, y)

        def count(mask: object) -> int:
            return int(pc.sum(pc.fill_null(mask, False)).as_py() or 0)

        table.add_row(
            str(y),
            f"{count(pc.and_(pc.and_(in_year, lt), arr)):,}",
            f"{count(pc.and_(t_in, t_arr)):,}",
            f"{count(pc.and_(pc.and_(in_year, lt), pc.invert(arr))):,}",
            f"{count(pc.and_(t_in, pc.invert(t_arr))):,}",
            f"{count(pc.and_(in_year, pc.is_null(lt))):,}",
        )
    console.print(table)
    console.print(
        "[dim]Crossings near the data end stay unknown (their 16-month window is not over);"
        " before linkage to the register, citizens' status before their first crossing is "
        "inferred from it (unknown in the first year).[/]"
    )


#: The demo's steps, in pipeline order (later stages append theirs).
STEPS: list[tuple[str, Callable[[DemoRun], None]]] = [
    ("Synthetic Maldives: agency extracts and truth", _synthetic_country),
    ("Landing: immutable snapshots with manifests", _land),
    ("Validation: data dictionaries and domain rules, quarantine", _validate),
    ("Harmonisation: M49, ISCO-08, ISIC, atolls, purposes; pseudonymisation", _harmonise),
    ("Linkage: border records to persons (Splink), the person spine", _link),
    ("Residence: the outcomes-based 12/16-month rule on every crossing", _residence),
]


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for everything the demo writes.")
    ] = Path("demo-output"),
    scale: Annotated[
        float, typer.Option(help="Size of the synthetic country (1.0 = real size).")
    ] = 0.01,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
) -> None:
    """Run every pipeline stage on a small synthetic Maldives and show the results."""
    run = DemoRun(out=out, scale=scale, seed=seed)
    for i, (title, step) in enumerate(STEPS, start=1):
        console.rule(f"[bold]{i}. {title}")
        step(run)
    lines = "\n".join(f"[bold]{name}[/]: {path}" for name, path in run.produced.items())
    console.print(Panel(lines, title="Where everything is", expand=False))
