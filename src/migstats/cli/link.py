"""``migstats link``: record linkage on the harmonised zone (border deduplication and
the person spine), with the linkage quality report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from migstats.cli._app import app, console
from migstats.errors import UserInputError


@app.command()
def link(
    config: Annotated[Path, typer.Option("--config", "-c", help="The project file.")],
    threshold: Annotated[
        float, typer.Option(help="Match weight at or above which two travellers are linked.")
    ] = 5.0,
    retrain: Annotated[
        bool, typer.Option(help="Train the model again even if a saved one matches.")
    ] = False,
    truth: Annotated[
        Path | None,
        typer.Option(help="Truth folder of a synthetic country, to score the linkage."),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the border model is trained and scored: duckdb, or spark (local)."
        ),
    ] = "duckdb",
) -> None:
    """Link border records into persons and write the person spine."""
    from migstats.config import load_config
    from migstats.link import LinkSettings, deduplicate_border

    cfg = load_config(config)
    border = cfg.workspace / "harmonised" / "border_crossings.parquet"
    if not border.exists():
        raise UserInputError(
            "No harmonised border records",
            f"{border} does not exist",
            f"run `migstats harmonise --config {config}` first",
        )
    with console.status("Linking border records (travellers, model, clusters, spine)..."):
        result = deduplicate_border(
            border,
            cfg.workspace,
            settings=LinkSettings(threshold_match_weight=threshold, retrain=retrain, engine=engine),
            truth_dir=truth,
        )
    rows = [
        ("border records", f"{result.border_records:,}"),
        ("travellers (document + nationality)", f"{result.travellers:,}"),
        ("candidate traveller pairs", f"{result.candidate_pairs:,}"),
        ("links (match weight >= threshold)", f"{result.links:,}"),
        ("persons", f"{result.persons:,}"),
        ("pairs for clerical review", f"{result.review_pairs:,}"),
    ]
    for level, scores in (("record", result.record_scores), ("traveller", result.traveller_scores)):
        if scores is not None:
            rows.append(
                (
                    f"{level} pairs: precision / recall / F1",
                    f"{scores.precision:.4f} / {scores.recall:.4f} / {scores.f1:.4f}",
                )
            )
    rows += [(f"time: {k}", f"{v:.1f} s") for k, v in result.timings.items()]
    console.print(_measure_table("Border deduplication", rows))
    sizes = ", ".join(f"{n} travellers: {c:,}" for n, c in result.cluster_sizes.items())
    console.print(f"Persons by number of travellers: {sizes}")
    console.print(f"Spine: {result.person_file}, {result.crossing_file}")
    console.print(f"Model: {result.model_file}; review file: {result.review_file}")
    console.print(f"Report: {result.report_file}")
    _print_permit_links(cfg.workspace, truth)
    census = cfg.workspace / "harmonised" / "census_2022.parquet"
    if cfg.period.census_night is not None and census.is_file():
        _print_census_link(cfg.workspace, cfg.period.census_night, truth)
        _print_holder_link(
            cfg.workspace, cfg.project.country, cfg.period.census_night, cfg.period.start, truth
        )
    if (cfg.workspace / "harmonised" / "national_register.parquet").is_file():
        _print_register_link(cfg.workspace, cfg.project.country, truth)


def _print_register_link(workspace: Path, country: str, truth: Path | None) -> None:
    """Link register citizens to spine persons and census records, and report it."""
    from migstats.link.register import link_register

    with console.status("Linking register citizens to the spine and the census..."):
        result = link_register(workspace, country, truth_dir=truth)
    table = Table(title="Register citizens to spine persons and census", title_justify="left")
    for col in ("to", "linked", "precision", "recall"):
        table.add_column(col, justify="left" if col == "to" else "right")
    for label, linked, precision, recall in (
        ("spine", result.linked_to_spine, result.spine_precision, result.spine_recall),
        ("census", result.linked_to_census, result.census_precision, result.census_recall),
    ):
        table.add_row(
            label,
            f"{linked:,} of {result.registered:,}",
            "" if precision is None else f"{precision:.4f}",
            "" if recall is None else f"{recall:.4f}",
        )
    console.print(table)


def _measure_table(title: str, rows: list[tuple[str, str]]) -> Table:
    """A two-column table of measures and their values."""
    table = Table(title=title, title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def _print_census_link(workspace: Path, census_night: date, truth: Path | None) -> None:
    """Link census foreigners to spine persons present on census night, and report it."""
    from migstats.link import link_census

    with console.status("Linking census foreigners to persons present on census night..."):
        result = link_census(workspace, census_night, truth)
    rows = [
        ("census foreigners", f"{result.census_foreigners:,}"),
        ("spine persons present on census night", f"{result.candidates:,}"),
        ("candidate pairs", f"{result.candidate_pairs:,}"),
        ("linked", f"{result.linked:,} ({result.share_linked:.1%})"),
        ("pairs for clerical review", f"{result.review_pairs:,}"),
    ]
    if result.precision is not None and result.recall is not None:
        rows.append(("precision / recall", f"{result.precision:.4f} / {result.recall:.4f}"))
    console.print(_measure_table("Census foreigners to spine persons (one-to-one)", rows))
    console.print(f"Census links: {result.output_file}; review file: {result.review_file}")


def _print_holder_link(
    workspace: Path, country: str, census_night: date, start: date, truth: Path | None
) -> None:
    """Census foreigners off the spine found among permit holders who never crossed."""
    from migstats.link.holders import link_census_holders

    result = link_census_holders(workspace, country, census_night, start, truth)
    if result is None:
        return
    rows = [
        ("census foreigners not on the spine", f"{result.census_unlinked:,}"),
        ("permit holders off the spine, all permits expired", f"{result.holders_unplaced:,}"),
        ("found (name, birth or age, sex, nationality)", f"{result.linked:,}"),
    ]
    if result.precision is not None:
        rows.append(("precision", f"{result.precision:.4f}"))
    console.print(_measure_table("Census foreigners among permit holders off the spine", rows))


def _print_permit_links(workspace: Path, truth: Path | None) -> None:
    """Attach permits to the spine (document + nationality) and show how many joined."""
    from migstats.link.permits import link_permits

    links = link_permits(workspace, truth)
    if not links:
        return
    table = Table(
        title="Permits on the spine (passport, then name + birth + sex + nationality)",
        title_justify="left",
    )
    for col in ("source", "permits", "linked", "share", "precision", "recall"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for x in links:
        table.add_row(
            x.source,
            f"{x.permits:,}",
            f"{x.linked:,}",
            f"{x.share_linked:.1%}",
            "" if x.precision is None else f"{x.precision:.4f}",
            "" if x.recall is None else f"{x.recall:.4f}",
        )
    console.print(table)
