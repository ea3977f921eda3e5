"""The linkage run: border records -> travellers -> person clusters -> person spine.

Each step is a module (``travellers``, ``train``, ``cluster``, ``spine``,
``quality``); this module only wires them and writes the outputs:

- ``integrated/person.parquet`` and ``integrated/crossing.parquet`` (the spine);
- ``linkage/models/border_dedup.v1.<fingerprint>.json`` (Splink model, reused);
- ``linkage/review/border_dedup.csv`` (uncertain pairs for clerical review);
- ``linkage/report.json`` (candidate pairs, weights, cluster sizes, scores).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from migstats.errors import UserInputError
from migstats.link import comparisons
from migstats.link.cluster import cluster_edges
from migstats.link.labels import apply_labels, harvest_labels, load_labels
from migstats.link.names import joined_name, name_skeleton
from migstats.link.quality import (
    PairwiseScores,
    pairwise_scores,
    weight_histogram,
    write_review_file,
)
from migstats.link.spine import build_spine
from migstats.link.train import (
    count_candidate_pairs,
    dedup_model,
    m_from_known_matches,
    model_path,
    train_or_load,
    with_fixed_m,
    within_group_frequencies,
)
from migstats.link.travellers import collapse_travellers
from migstats.refdata.countries import NOT_STATED
from migstats.sources.read import connect

__all__ = ["BorderLinkage", "LinkSettings", "deduplicate_border"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkSettings:
    """Settings of a linkage run.

    ``threshold_match_weight``: pairs at or above it are links. ``review_band``: pairs
    within this many weight units of the threshold go to clerical review.
    """

    threshold_match_weight: float = 5.0
    review_band: float = 4.0
    max_pairs_for_u: float = 2e6
    seed: int = 42
    retrain: bool = False
    #: Where Splink trains and scores the model: ``duckdb`` (in process) or ``spark``
    #: (see :mod:`migstats.link.spark_backend`).
    engine: str = "duckdb"


@dataclass
class BorderLinkage:
    """What the border deduplication produced (counts, paths, timings, scores)."""

    border_records: int
    travellers: int
    persons: int
    candidate_pairs: int
    links: int
    review_pairs: int
    labels: int
    model_file: Path
    person_file: Path
    crossing_file: Path
    review_file: Path
    report_file: Path
    cluster_sizes: dict[int, int]
    weight_histogram: dict[int, int]
    timings: dict[str, float] = field(default_factory=dict)
    record_scores: PairwiseScores | None = None
    traveller_scores: PairwiseScores | None = None


def _prepare_known_matches(con: duckdb.DuckDBPyConnection) -> None:
    # Crossings on one document set against their traveller: matches for sure.
    con.execute(
        "create or replace view known_match as select"
        " x.date_of_birth as date_of_birth_l, t.date_of_birth as date_of_birth_r,"
        f" x.full_name as full_name_l, t.full_name as full_name_r,"
        " x.surname as surname_l, t.surname as surname_r,"
        " x.given_names as given_names_l, t.given_names as given_names_r,"
        f" {name_skeleton('x.surname')} as surname_skeleton_l,"
        " t.surname_skeleton as surname_skeleton_r,"
        f" {name_skeleton('x.given_names')} as given_names_skeleton_l,"
        " t.given_names_skeleton as given_names_skeleton_r,"
        f" {name_skeleton('x.full_name')} as name_skeleton_l, t.name_skeleton as name_skeleton_r"
        f" from (select traveller_id, date_of_birth, surname, given_names,"
        f" {joined_name('given_names', 'surname')} as full_name from traveller_crossing) x"
        " join traveller t using (traveller_id)"
    )


def deduplicate_border(
    border: Path,
    workspace: Path,
    *,
    settings: LinkSettings | None = None,
    truth_dir: Path | None = None,
) -> BorderLinkage:
    """Deduplicate harmonised border records (a Parquet file) into persons.

    Writes the spine and the linkage outputs under ``workspace`` (see the module
    docstring). With ``truth_dir`` (the synthetic country's ``truth/``), scores the
    result against the truth, pairwise over border records and over travellers.

    Example (on a harmonised zone written by ``migstats demo``)::

        result = deduplicate_border(ws / "harmonised" / "border_crossings.parquet", ws)
        result.persons, result.person_file
    """
    cfg = settings or LinkSettings()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    con = connect()  # memory-capped, spills to disk
    con.execute("set enable_progress_bar = false")  # the library never prints
    con.execute(f"create view border as select * from read_parquet('{border}')")
    records = int(con.sql("select count(*) from border").fetchall()[0][0])
    travellers = collapse_travellers(con, "border")
    con.execute(
        "create or replace table traveller_input as select traveller_id as unique_id,"
        " 'border' as source_dataset, * exclude (traveller_id, nationality),"
        # A nationality stated unknown is no evidence either way.
        f" nullif(nationality, '{NOT_STATED}') as nationality from traveller"
    )
    # Names are as common as they are within the traveller's nationality.
    frequencies = tuple(
        within_group_frequencies(con, "traveller_input", part, "nationality")
        for part in ("surname", "given_names")
    )
    timings["travellers"] = time.perf_counter() - start

    t = time.perf_counter()
    _prepare_known_matches(con)
    spec = dedup_model()
    # One passport of a nationality at a time: documents used at the same time are two
    # people (a rule, not something for EM to weigh).
    spec = with_fixed_m(spec, "travel_period", {"used at the same time": 1e-4})
    spec = with_fixed_m(
        spec,
        "date_of_birth",
        m_from_known_matches(con, comparisons.birth_comparison(), "known_match"),
    )
    for part in ("surname", "given_names"):
        comparison = comparisons.name_part_comparison(part)
        spec = with_fixed_m(spec, part, m_from_known_matches(con, comparison, "known_match"))
    models_dir = workspace / "linkage" / "models"
    low = cfg.threshold_match_weight - cfg.review_band
    duckdb_model = model_path(models_dir, spec)
    if cfg.engine == "spark":
        from migstats.link.spark_backend import spark_predict

        scored, model_file = spark_predict(
            con,
            spec,
            "traveller_input",
            threshold_match_weight=low,
            workdir=workspace / "linkage" / "spark",
            models_dir=models_dir,
            retrain=cfg.retrain,
            max_pairs=cfg.max_pairs_for_u,
            seed=cfg.seed,
            term_frequencies=frequencies,
            # A model trained on the same specification by DuckDB is reused as it is.
            parameters_from=duckdb_model if duckdb_model.exists() and not cfg.retrain else None,
        )
        timings["train and predict (Spark)"] = time.perf_counter() - t
    elif cfg.engine == "duckdb":
        linker = train_or_load(
            con,
            spec,
            ["traveller_input"],
            models_dir=models_dir,
            retrain=cfg.retrain,
            max_pairs=cfg.max_pairs_for_u,
            seed=cfg.seed,
            term_frequencies=frequencies,
        )
        model_file = duckdb_model
        timings["train"] = time.perf_counter() - t
        t = time.perf_counter()
        # Only pairs that can matter are kept (links and the review band): at national
        # scale the scored candidates run to tens of millions of wide rows. They are
        # counted, not stored.
        scored = linker.inference.predict(threshold_match_weight=low).physical_name
    else:
        raise UserInputError("Unknown linkage engine", repr(cfg.engine), "use 'duckdb' or 'spark'")
    con.execute(
        "create or replace table traveller_pair as select unique_id_l, unique_id_r,"
        " match_weight, match_probability, full_name_l, full_name_r, date_of_birth_l,"
        " date_of_birth_r, sex_l, sex_r, nationality_l, nationality_r, visa_type_l,"
        " visa_type_r, first_crossing_l, first_crossing_r, last_crossing_l, last_crossing_r,"
        " first_direction_l, first_direction_r, last_direction_l, last_direction_r"
        f" from {scored}"
    )
    if cfg.engine == "spark":
        shutil.rmtree(workspace / "linkage" / "spark", ignore_errors=True)
    # Counted in DuckDB whatever the engine: the same rules give the same pairs.
    candidates = count_candidate_pairs(con, spec, ["traveller_input"])
    timings["predict"] = time.perf_counter() - t

    t = time.perf_counter()
    # Clerical decisions first: filled rows of the last review file become labels.
    review_file = workspace / "linkage" / "review" / "border_dedup.csv"
    labels_file = workspace / "linkage" / "labels" / "border_dedup.csv"
    harvest_labels(review_file, labels_file)
    labels = load_labels(con, labels_file, "traveller_label")
    apply_labels(con, "traveller_pair", "traveller_label", "traveller_edge")
    cluster_edges(
        con,
        "traveller_input",
        "traveller_edge",
        cfg.threshold_match_weight,
        table="traveller_cluster",
    )
    persons = build_spine(con, "traveller_cluster")
    timings["cluster"] = time.perf_counter() - t

    integrated = workspace / "integrated"
    integrated.mkdir(parents=True, exist_ok=True)
    for name in ("person", "crossing"):
        tmp = integrated / f".{name}.parquet.tmp"
        con.execute(f"copy {name} to '{tmp}' (format parquet)")
        tmp.replace(integrated / f"{name}.parquet")
    review = write_review_file(
        con,
        "traveller_pair",
        review_file,
        low=low,
        high=cfg.threshold_match_weight + cfg.review_band,
        columns=(
            "full_name",
            "date_of_birth",
            "sex",
            "nationality",
            "visa_type",
            "first_crossing",
            "first_direction",
            "last_crossing",
            "last_direction",
        ),
    )
    links = int(
        con.sql(
            "select count(*) from traveller_pair"
            f" where match_weight >= {cfg.threshold_match_weight}"
        ).fetchall()[0][0]
    )
    sizes = dict(
        con.sql("select travellers, count(*) from person group by 1 order by 1").fetchall()
    )
    histogram = weight_histogram(con, "traveller_pair")
    result = BorderLinkage(
        border_records=records,
        travellers=travellers,
        persons=persons,
        candidate_pairs=candidates,
        links=links,
        review_pairs=review,
        labels=labels,
        model_file=model_file,
        person_file=integrated / "person.parquet",
        crossing_file=integrated / "crossing.parquet",
        review_file=review_file,
        report_file=workspace / "linkage" / "report.json",
        cluster_sizes={int(k): int(v) for k, v in sizes.items()},
        weight_histogram=histogram,
        timings=timings,
    )
    if truth_dir is not None:
        result.record_scores, result.traveller_scores = _score_against_truth(con, truth_dir)
    _write_report(result)
    con.close()
    return result


def _score_against_truth(
    con: duckdb.DuckDBPyConnection, truth_dir: Path
) -> tuple[PairwiseScores, PairwiseScores]:
    con.execute(
        "create or replace table truth_border as select record_id, person_id"
        f" from read_parquet('{truth_dir / 'record.parquet'}') where source = 'border_crossings'"
    )
    con.execute(
        "create or replace view record_assignment as select c.record_id as item,"
        " c.person_key as cluster, t.person_id as entity from crossing c"
        " join truth_border t using (record_id)"
    )
    con.execute(
        "create or replace view traveller_assignment as select m.traveller_id as item,"
        " any_value(m.person_key) as cluster, min(t.person_id) as entity"
        " from person_member m join traveller_crossing x using (traveller_id)"
        " join truth_border t using (record_id) group by m.traveller_id"
    )
    return pairwise_scores(con, "record_assignment"), pairwise_scores(con, "traveller_assignment")


def _write_report(result: BorderLinkage) -> None:
    def scores(s: PairwiseScores | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {**asdict(s), "precision": s.precision, "recall": s.recall, "f1": s.f1}

    report = {
        "pair": "border_crossings~border_crossings (deduplication)",
        "border_records": result.border_records,
        "travellers": result.travellers,
        "persons": result.persons,
        "candidate_pairs": result.candidate_pairs,
        "links": result.links,
        "review_pairs": result.review_pairs,
        "clerical_labels": result.labels,
        "match_weight_histogram": result.weight_histogram,
        "pairs_below_review_band": result.candidate_pairs - sum(result.weight_histogram.values()),
        "persons_by_travellers": result.cluster_sizes,
        "model_file": str(result.model_file),
        "record_pairwise": scores(result.record_scores),
        "traveller_pairwise": scores(result.traveller_scores),
        "timings_seconds": result.timings,
    }
    result.report_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = result.report_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2), "utf-8")
    tmp.replace(result.report_file)
