"""``migstats demo``: the whole pipeline on the synthetic country, start to end.

The demo is a list of steps run in order. Each stage that exists adds its step here;
the demo ends by printing where everything is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from migstats.cli._app import app, console
from migstats.cli.synth import run_synth


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


#: The demo's steps, in pipeline order (later stages append theirs).
STEPS: list[tuple[str, Callable[[DemoRun], None]]] = [
    ("Synthetic Maldives: agency extracts and truth", _synthetic_country),
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
