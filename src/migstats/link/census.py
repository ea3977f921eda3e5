"""Census persons (foreigners) linked to the person spine.

The census has no document numbers, so a foreign census person is linked to a spine
person with a Fellegi-Sunter model (:func:`migstats.link.train.census_model`) on the
name, date of birth or age, sex and citizenship. Only spine persons in the country on
census night are candidates: the census counts people present that night, so anyone
abroad cannot be the same person, and leaving them out both speeds up the model and
removes namesakes.

Steps:

1. the candidate table: each spine person with a representative name (the most
   frequent surname and given names over their border records), sex, date of birth,
   citizenship, age at census night, presence on census night (the last crossing
   on or before census night is an arrival), and the island and occupation of their
   work permit on census night (the census records the island of usual residence and
   the occupation, which tell apart namesake workers of one age);
2. the model: trained (or reloaded) and run on census foreigners against candidates;
   the m probabilities of island and occupation are counted on pairs that agree
   exactly on name, date of birth, sex and citizenship and on nothing else of either
   side (see :func:`_known_matches`);
3. one-to-one links: a pair is kept when it is the best pair of both its census
   record and its spine person (a census counts a person once, and a spine person is
   one person) and above the threshold, or a little below it with no close rival on
   either side (see :func:`one_to_one_links`);
4. ``integrated/census_person.parquet``: every census foreigner's ``record_id`` with
   the linked ``person_key`` (null when unlinked), ``match_weight`` and
   ``match_probability``.

With a synthetic country's truth, precision is the share of links given to the true
person (a spine person stands for the true person most of its border records belong
to) and recall the share of census foreigners whose true person is a candidate that
were linked to it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import duckdb

from migstats.link import comparisons
from migstats.link.names import joined_name, name_skeleton, normalised_name
from migstats.link.quality import weight_histogram, write_review_file
from migstats.link.train import (
    ModelSpec,
    census_model,
    count_candidate_pairs,
    m_from_known_matches,
    train_or_load,
    with_fixed_m,
)
from migstats.sources.read import connect

__all__ = ["CensusLink", "build_candidates", "census_spec", "link_census", "one_to_one_links"]

logger = logging.getLogger(__name__)

#: Citizenship code of nationals: they are linked to the national register, not here.
NATIONAL = "MDV"


@dataclass(frozen=True)
class CensusLink:
    """Outcome of the census-to-spine linkage (``precision``/``recall`` with a truth)."""

    census_foreigners: int
    candidates: int
    candidate_pairs: int
    linked: int
    output_file: Path
    model_file: Path | None
    review_file: Path
    review_pairs: int
    report_file: Path
    #: match weights of the stored pairs (within the review band or above), by unit
    weight_histogram: dict[int, int] = field(default_factory=dict)
    #: candidate pairs scored below the review band (counted, not stored)
    pairs_below_review_band: int = 0
    precision: float | None = None
    recall: float | None = None
    reachable: int | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def share_linked(self) -> float:
        """Share of census foreigners linked to a spine person."""
        return self.linked / self.census_foreigners if self.census_foreigners else 0.0


def _age_at(dob: str, night: str) -> str:
    """SQL for the age in whole years at ``night`` of a person born on ``dob``."""
    birthday_later = (
        f"(month({dob}) > month({night}) or"
        f" (month({dob}) = month({night}) and day({dob}) > day({night})))"
    )
    return f"year({night}) - year({dob}) - case when {birthday_later} then 1 else 0 end"


def build_candidates(con: duckdb.DuckDBPyConnection, workspace: Path, census_night: dt.date) -> int:
    """Create table ``spine_person`` and return the number present on census night.

    ``spine_person`` has one row per spine person: ``person_key``, ``surname``,
    ``given_names``, ``full_name`` (normalised, given names first), ``name_skeleton``,
    ``sex``, ``date_of_birth``, ``nationality``, ``age`` (at census night),
    ``present_on_census_night``, and ``island_code``, ``atoll_code`` and
    ``occupation_isco`` of the person's work permit on census night (null without one;
    see :func:`_work_permit_on`).
    """
    integrated = workspace / "integrated"
    border = workspace / "harmonised" / "border_crossings.parquet"
    night = f"date '{census_night.isoformat()}'"
    _work_permit_on(con, workspace, census_night)
    con.execute(
        "create or replace table spine_person as"
        # Names vote like the spine's other attributes: most records, ties to the
        # smallest, so the name is stable across runs.
        " with names as (select c.person_key, b.surname, b.given_names, count(*) as n"
        f" from read_parquet('{integrated / 'crossing.parquet'}') c"
        f" join read_parquet('{border}') b using (record_id)"
        " where b.surname is not null or b.given_names is not null group by all),"
        " name as (select person_key,"
        " first(surname order by n desc, surname, given_names) as surname,"
        " first(given_names order by n desc, surname, given_names) as given_names"
        " from names group by 1),"
        # Presence: the direction of the last crossing on or before census night.
        " last_move as (select person_key,"
        " arg_max(direction, (crossing_date, record_id)) as direction"
        f" from read_parquet('{integrated / 'crossing.parquet'}')"
        f" where crossing_date <= {night} group by 1)"
        " select p.person_key, n.surname, n.given_names,"
        f" {joined_name('n.given_names', 'n.surname')} as full_name,"
        " p.sex, p.date_of_birth, p.citizenship as nationality,"
        f" {_age_at('p.date_of_birth', night)} as age,"
        " coalesce(m.direction = 'ARR', false) as present_on_census_night,"
        " w.island_code, w.atoll_code, w.occupation_isco"
        f" from read_parquet('{integrated / 'person.parquet'}') p"
        " left join name n using (person_key) left join last_move m using (person_key)"
        " left join work_on_night w using (person_key)"
    )
    con.execute(
        "alter table spine_person add column name_skeleton varchar;"
        f" update spine_person set name_skeleton = {name_skeleton('full_name')}"
    )
    present = int(
        con.sql("select count(*) from spine_person where present_on_census_night").fetchall()[0][0]
    )
    logger.info("census linkage: %d spine persons present on census night", present)
    return present


def _work_permit_on(con: duckdb.DuckDBPyConnection, workspace: Path, night: dt.date) -> None:
    """Create table ``work_on_night``: each spine person's work permit on census night.

    The permit valid that night, the latest issued if several; failing that, the
    latest issued before it (an expired permit still says where the worker was
    employed). Columns ``person_key``, ``island_code``, ``atoll_code``,
    ``occupation_isco``; empty when the workspace has no work permits on the spine.
    """
    linked = workspace / "integrated" / "work_permits_person.parquet"
    permits = workspace / "harmonised" / "work_permits.parquet"
    if not (linked.is_file() and permits.is_file()):
        con.execute(
            "create or replace table work_on_night (person_key varchar,"
            " island_code varchar, atoll_code varchar, occupation_isco varchar)"
        )
        return
    day = f"date '{night.isoformat()}'"
    con.execute(
        "create or replace table work_on_night as select l.person_key,"
        " arg_max({'island': w.work_island_code, 'atoll': w.work_atoll_code,"
        " 'occupation': w.occupation_isco},"
        f" (coalesce(w.valid_to >= {day}, false), w.valid_from, w.permit_id)) as permit"
        f" from read_parquet('{linked}') l join read_parquet('{permits}') w using (permit_id)"
        f" where l.person_key is not null and w.valid_from <= {day} group by l.person_key"
    )
    con.execute(
        "create or replace table work_on_night as select person_key,"
        " permit.island as island_code, permit.atoll as atoll_code,"
        " permit.occupation as occupation_isco from work_on_night"
    )


def census_spec() -> ModelSpec:
    """The census model with m probabilities held at their written values (no EM).

    EM cannot estimate them here: among candidates of one citizenship the common
    South Asian names have many namesakes of the same age and sex, so EM takes
    namesakes for matches. Blocked on the name it learnt that a match often has a
    different age (and never a different sex, which would make one coding error
    fatal); blocked on age it learnt that a third of matches have merely similar
    names. The m probabilities written in :mod:`migstats.link.comparisons` (census age
    errors of a year, rare sex errors, transliteration variants) are used as they are;
    u comes from random pairs and the prior from the deterministic rule, as usual.
    """
    spec = census_model()
    for comp in spec.settings["comparisons"]:
        if comp["output_column_name"] in ("full_name", "date_of_birth", "sex"):
            spec = with_fixed_m(
                spec,
                comp["output_column_name"],
                {
                    lvl["label_for_charts"]: lvl["m_probability"]
                    for lvl in comp["comparison_levels"]
                    if "m_probability" in lvl
                },
            )
    return ModelSpec(
        spec.name,
        spec.settings,
        (),
        spec.deterministic_rules,
        spec.deterministic_recall,
    )


def _prepare_inputs(con: duckdb.DuckDBPyConnection, census: Path) -> int:
    """Create the two model inputs (same columns) and return the census foreigners."""
    con.execute(
        "create or replace table census_input as select record_id as unique_id,"
        f" 'census' as source_dataset, {normalised_name('full_name')} as full_name,"
        " sex, date_of_birth, age, citizenship_iso3 as nationality,"
        " island_code, atoll_code, occupation_isco"
        f" from read_parquet('{census}')"
        f" where citizenship_iso3 is distinct from '{NATIONAL}'"
    )
    con.execute(
        "create or replace table spine_input as select person_key as unique_id,"
        " 'spine' as source_dataset, full_name, sex, date_of_birth, age, nationality,"
        " island_code, atoll_code, occupation_isco"
        " from spine_person where present_on_census_night"
    )
    for table in ("census_input", "spine_input"):
        con.execute(
            f"alter table {table} add column name_skeleton varchar;"
            f" update {table} set name_skeleton = {name_skeleton('full_name')}"
        )
    return int(con.sql("select count(*) from census_input").fetchall()[0][0])


def _known_matches(con: duckdb.DuckDBPyConnection) -> str:
    """Create view ``census_known_match`` and return its name.

    Pairs of a census foreigner and a candidate that agree exactly on the full name,
    the date of birth, sex and citizenship, where neither side has another record with
    that combination: at the rates of chance agreement on all four, matches for all
    practical purposes. Island and occupation played no part in choosing them, so how
    often they agree there estimates their m probabilities (the model's other m
    probabilities are written values, see :func:`census_spec`).
    """
    key = "full_name, date_of_birth, sex, nationality"
    con.execute(
        "create or replace view census_known_match as"
        f" with c as (select * from census_input where date_of_birth is not null"
        f" qualify count(*) over (partition by {key}) = 1),"
        f" s as (select * from spine_input where date_of_birth is not null"
        f" qualify count(*) over (partition by {key}) = 1)"
        " select c.island_code as island_code_l, s.island_code as island_code_r,"
        " c.atoll_code as atoll_code_l, s.atoll_code as atoll_code_r,"
        " c.occupation_isco as occupation_isco_l, s.occupation_isco as occupation_isco_r"
        " from c join s using (full_name, date_of_birth, sex, nationality)"
    )
    return "census_known_match"


def one_to_one_links(
    con: duckdb.DuckDBPyConnection,
    pairs: str,
    threshold: float,
    *,
    unique_band: float = 2.0,
    margin: float = 1.0,
) -> None:
    """Create table ``census_link``: pairs that are best for both sides and convincing.

    Ranking both sides (ties broken by id, so the result is reproducible) keeps a
    census record from taking a spine person that fits another census record better.
    A pair is convincing at or above ``threshold``, or within ``unique_band`` below it
    when it stands out on both sides: the next best pair of its census record and of
    its spine person is at least ``margin`` weaker. The model weighs a pair as if
    drawn at random; a pair with no rival on either side is likelier than that. (At
    national scale most census workers have no date of birth, only an age, and a
    common name: the weight of a true pair is then 3 to 5.)
    """
    con.execute(
        "create or replace table census_link as with p as (select"
        " case when source_dataset_l = 'census' then unique_id_l else unique_id_r end"
        " as record_id,"
        " case when source_dataset_l = 'census' then unique_id_r else unique_id_l end"
        f" as person_key, match_weight, match_probability from {pairs}),"
        " ranked as (select *, row_number() over by_census as census_rank,"
        " row_number() over by_spine as spine_rank,"
        " lead(match_weight) over by_census as census_next,"
        " lead(match_weight) over by_spine as spine_next from p"
        " window by_census as (partition by record_id order by match_weight desc, person_key),"
        " by_spine as (partition by person_key order by match_weight desc, record_id))"
        " select record_id, person_key, match_weight, match_probability from ranked"
        f" where census_rank = 1 and spine_rank = 1 and (match_weight >= {threshold}"
        f" or (match_weight >= {threshold - unique_band}"
        f" and coalesce(census_next, '-inf'::double) <= match_weight - {margin}"
        f" and coalesce(spine_next, '-inf'::double) <= match_weight - {margin}))"
    )


def link_census(
    workspace: Path,
    census_night: dt.date | str,
    truth_dir: Path | None = None,
    *,
    threshold_match_weight: float = 5.0,
    review_band: float = 4.0,
    retrain: bool = False,
    seed: int = 42,
) -> CensusLink:
    """Link census foreigners to spine persons present on ``census_night``.

    Reads ``harmonised/census_2022.parquet`` and the spine under ``workspace``, writes
    ``integrated/census_person.parquet`` and keeps the trained model under
    ``linkage/models``, the pairs within ``review_band`` of the threshold in
    ``linkage/review/census_2022.csv`` and a report in ``linkage/census_report.json``.
    With ``truth_dir`` (a synthetic country's ``truth/``) the links
    are scored against it.

    Example (after :func:`migstats.link.deduplicate_border`)::

        result = link_census(ws, "2022-09-20")
        result.linked, result.output_file
    """
    night = (
        census_night
        if isinstance(census_night, dt.date)
        else dt.date.fromisoformat(str(census_night))
    )
    timings: dict[str, float] = {}
    start = time.perf_counter()
    con = connect()  # memory-capped, spills to disk
    try:
        con.execute("set enable_progress_bar = false")
        candidates = build_candidates(con, workspace, night)
        foreigners = _prepare_inputs(con, workspace / "harmonised" / "census_2022.parquet")
        timings["prepare"] = time.perf_counter() - start

        t = time.perf_counter()
        spec = census_spec()
        known = _known_matches(con)
        for comparison in (comparisons.place_comparison(), comparisons.occupation_comparison()):
            # At least 1% for every level: a permit's island or occupation can be out of
            # date (a worker who changed employer), which the known pairs, drawn from
            # records complete enough to carry a date of birth, may not show.
            m = m_from_known_matches(con, comparison, known, floor=0.01)
            # Three significant digits, so that a re-run on the same data keeps the
            # model's fingerprint (and a floored level stays above zero).
            m = {label: float(f"{value:.3g}") for label, value in m.items()}
            spec = with_fixed_m(spec, comparison["output_column_name"], m)
        models_dir = workspace / "linkage" / "models"
        linker = train_or_load(
            con,
            spec,
            ["census_input", "spine_input"],
            models_dir=models_dir,
            retrain=retrain,
            seed=seed,
        )
        timings["train"] = time.perf_counter() - t

        t = time.perf_counter()
        # Pairs far below the threshold are counted, not stored (see count_candidate_pairs).
        predictions = linker.inference.predict(
            threshold_match_weight=threshold_match_weight - review_band
        )
        con.execute(
            f"create or replace table census_pair as select * from {predictions.physical_name}"
        )
        pairs = count_candidate_pairs(con, spec, ["census_input", "spine_input"])
        one_to_one_links(con, "census_pair", threshold_match_weight)
        timings["predict"] = time.perf_counter() - t

        con.execute(
            "create or replace table census_person as select c.unique_id as record_id,"
            " l.person_key, l.match_weight, l.match_probability from census_input c"
            " left join census_link l on l.record_id = c.unique_id order by c.unique_id"
        )
        out = workspace / "integrated" / "census_person.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        con.execute(f"copy census_person to '{tmp}' (format parquet)")
        tmp.replace(out)
        linked = int(con.sql("select count(person_key) from census_person").fetchall()[0][0])
        model_files = sorted(models_dir.glob(f"{spec.name}.v*.{spec.fingerprint()}.json"))
        review_file = workspace / "linkage" / "review" / "census_2022.csv"
        review = write_review_file(
            con,
            "census_pair",
            review_file,
            low=threshold_match_weight - review_band,
            high=threshold_match_weight + review_band,
            columns=(
                "full_name",
                "date_of_birth",
                "age",
                "sex",
                "nationality",
                "island_code",
                "occupation_isco",
            ),
        )
        histogram = weight_histogram(con, "census_pair")
        result = CensusLink(
            census_foreigners=foreigners,
            candidates=candidates,
            candidate_pairs=pairs,
            linked=linked,
            output_file=out,
            model_file=model_files[0] if model_files else None,
            review_file=review_file,
            review_pairs=review,
            report_file=workspace / "linkage" / "census_report.json",
            weight_histogram=histogram,
            pairs_below_review_band=pairs - sum(histogram.values()),
            timings=timings,
        )
        if truth_dir is not None:
            result = _score(con, result, workspace, truth_dir)
        _write_report(result, threshold_match_weight)
    finally:
        con.close()
    logger.info(
        "census linkage: %d of %d census foreigners linked (%d candidate pairs),"
        " precision %s, recall %s",
        result.linked,
        result.census_foreigners,
        result.candidate_pairs,
        result.precision,
        result.recall,
    )
    return result


def _score(
    con: duckdb.DuckDBPyConnection, result: CensusLink, workspace: Path, truth_dir: Path
) -> CensusLink:
    """Precision and recall of the census links against the synthetic truth."""
    record = truth_dir / "record.parquet"
    crossing = workspace / "integrated" / "crossing.parquet"
    # Each spine person stands for the true person most of its border records belong to.
    con.execute(
        "create or replace table truth_of_key as select person_key,"
        f" mode(t.person_id) as person_id from read_parquet('{crossing}') c"
        f" join read_parquet('{record}') t on t.record_id = c.record_id"
        " and cast(t.source as varchar) = 'border_crossings' group by person_key"
    )
    row = con.sql(
        "with truth as (select record_id, person_id from"
        f" read_parquet('{record}') where cast(source as varchar) = 'census_2022'),"
        # A census foreigner is reachable when its true person is a candidate.
        " reachable as (select distinct k.person_id from truth_of_key k"
        " join spine_input s on s.unique_id = k.person_key),"
        " scored as (select l.person_key, t.person_id as true_person,"
        " k.person_id as key_person, t.person_id in (select person_id from reachable)"
        " as on_spine from census_person l join truth t using (record_id)"
        " left join truth_of_key k using (person_key))"
        " select count(*) filter (where person_key is not null),"
        " count(*) filter (where key_person = true_person),"
        " count(*) filter (where on_spine),"
        " count(*) filter (where on_spine and key_person = true_person) from scored"
    ).fetchall()[0]
    linked, correct, reachable, correct_reachable = (int(x) for x in row)
    return replace(
        result,
        precision=correct / linked if linked else None,
        recall=correct_reachable / reachable if reachable else None,
        reachable=reachable,
    )


def _write_report(result: CensusLink, threshold: float) -> None:
    """The linkage report of the census~spine source pair, as JSON."""
    report = {
        "pair": "census_2022~person spine (foreigners, present on census night)",
        "threshold_match_weight": threshold,
        **{
            k: str(v) if isinstance(v, Path) else v
            for k, v in asdict(result).items()
            if k != "weight_histogram"
        },
        "match_rate": result.share_linked,
        "match_weight_histogram": result.weight_histogram,
    }
    result.report_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = result.report_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2), "utf-8")
    tmp.replace(result.report_file)
