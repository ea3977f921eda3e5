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
    #: What was written (paths) and what to run next (commands, as text).
    produced: dict[str, Path | str] = field(default_factory=dict)


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


def _statistics(run: DemoRun) -> None:
    """The residence rule on the spine, every table, the headline figures, and every
    table against the synthetic country's truth."""
    from migstats.cli.stats import print_checks, print_headlines, run_stats

    result = run_stats(run.out / "project.yaml", run.out / "synthetic" / "truth")
    print_headlines(result)
    print_checks(result.checks)
    ws = run.out / "workspace"
    run.produced["residence events"] = ws / "integrated" / "residence_event.parquet"
    run.produced["statistical tables (secure)"] = result.folder
    run.produced["evaluation report"] = ws / "reports" / "evaluation.json"


def _publication(run: DemoRun) -> None:
    """Disclosure control and the gate, the release in every format, the migration
    profile site, and a user for the analysts' secure space."""
    from migstats.cli.progress import StepProgress
    from migstats.cli.publish import protection_table
    from migstats.cli.web import ensure_demo_user
    from migstats.config import load_config
    from migstats.publish.stage import run_publication

    project = run.out / "project.yaml"
    cfg = load_config(project)
    with StepProgress(console, "Publication") as progress:
        result = run_publication(cfg, progress=progress.step)
    console.print(protection_table(result.protected, cfg.disclosure))
    user, password = ensure_demo_user(cfg.workspace)
    run.produced["protected tables"] = result.protected_dir
    run.produced[f"release {result.manifest.release}"] = result.release_dir
    run.produced["migration profile site (open in a browser, works offline)"] = (
        result.site_dir / "index.html"
    )
    if result.ddi_file is not None:
        run.produced["DDI-Codebook (secure space)"] = result.ddi_file
    login = (
        f"user {user.name!r}, password {password!r}"
        if password is not None
        else f"user {user.name!r} (password set on an earlier run)"
    )
    run.produced["serve site, API and secure space"] = (
        f"migstats serve --config {project}  ->  http://127.0.0.1:8000/  ({login})"
    )


#: The demo's steps, in pipeline order (later stages append theirs).
STEPS: list[tuple[str, Callable[[DemoRun], None]]] = [
    ("Synthetic Maldives: agency extracts and truth", _synthetic_country),
    ("Landing: immutable snapshots with manifests", _land),
    ("Validation: data dictionaries and domain rules, quarantine", _validate),
    ("Harmonisation: M49, ISCO-08, ISIC, atolls, purposes; pseudonymisation", _harmonise),
    ("Linkage: border records to persons (Splink), the person spine", _link),
    ("Statistics: residence rule, stocks, flows, mobility, workers, overstays, SDGs", _statistics),
    ("Publication: disclosure control, SDMX, Excel, open data, the profile site", _publication),
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
