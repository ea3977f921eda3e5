"""Model specifications and training: u by random sampling, m by EM, saved as JSON.

A model is a Splink settings dictionary. Training follows the usual order: the
prior (probability that two random records match) from deterministic rules with an
assumed recall, u from random pairs, m from EM on each training block. The trained
model is written as Splink's own settings JSON under a name that carries the model's
version and a fingerprint of its specification; a later run with the same
specification loads it instead of training again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from migstats.link import blocking, comparisons

__all__ = [
    "MODEL_VERSION",
    "ModelSpec",
    "census_model",
    "dedup_model",
    "fit_and_save",
    "m_from_known_matches",
    "model_path",
    "permit_model",
    "train_or_load",
    "with_fixed_m",
    "within_group_frequencies",
]

logger = logging.getLogger(__name__)

#: Bumped when the meaning of a model specification changes.
MODEL_VERSION = 1


@dataclass(frozen=True)
class ModelSpec:
    """What a linkage model compares and how it is trained.

    >>> spec = dedup_model()
    >>> spec.name, spec.settings["link_type"]
    ('border_dedup', 'dedupe_only')
    >>> len(spec.fingerprint())
    12
    """

    name: str
    settings: dict[str, Any]
    training_rules: tuple[dict[str, Any], ...]
    deterministic_rules: tuple[str, ...]
    deterministic_recall: float

    def fingerprint(self) -> str:
        """A short hash of the specification (not of trained parameters)."""
        text = json.dumps(
            [self.settings, self.training_rules, self.deterministic_rules], sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _settings(
    link_type: str,
    comps: list[dict[str, Any]],
    rules: list[Any],
    retain: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "additional_columns_to_retain": list(retain),
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "source_dataset_column_name": "source_dataset",
        "comparisons": comps,
        "blocking_rules_to_generate_predictions": rules,
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": False,
        "em_convergence": 0.001,
        "max_iterations": 25,
        "sql_dialect": "duckdb",
    }


def dedup_model() -> ModelSpec:
    """Traveller deduplication (travellers are collapsed crossings, one per document).

    Border records keep surname and given names apart, so they are compared apart.
    Names are common or rare *within a nationality* (WANG is rare among all travellers
    but common among Chinese ones, and nearly all candidates share a nationality), so an
    exact name counts by its frequency within the nationality (the
    ``<part>_in_nationality`` keys, see :func:`within_group_frequencies`) and the
    nationality by its own frequency: together, the frequency of that name in that
    nationality. The visa type, by its frequency too, and when each document was used
    (:func:`~migstats.link.comparisons.travel_period_comparison`) tell namesakes apart.
    """
    comps = [
        comparisons.name_part_comparison("surname", "surname_in_nationality"),
        comparisons.name_part_comparison("given_names", "given_names_in_nationality"),
        comparisons.birth_comparison(),
        comparisons.categorical_comparison("sex"),
        comparisons.categorical_comparison("nationality", term_frequencies=True),
        comparisons.categorical_comparison("visa_type", term_frequencies=True),
        comparisons.travel_period_comparison(),
    ]
    return ModelSpec(
        name="border_dedup",
        settings=_settings(
            "dedupe_only",
            comps,
            blocking.dedup_prediction_rules(),
            retain=("full_name",),  # for the clerical review file
        ),
        training_rules=tuple(blocking.dedup_training_rules()),
        deterministic_rules=(
            'l."full_name" = r."full_name" and l."date_of_birth" = r."date_of_birth"',
        ),
        deterministic_recall=0.8,
    )


def census_model(*, presence: bool = False) -> ModelSpec:
    """Census persons (foreigners) to border persons.

    ``presence`` adds the census-night presence comparison; leave it out when the
    border side is already restricted to persons present on census night (every pair
    would then fall in one level, which EM cannot estimate). The island and the
    occupation (of the census, against the spine person's work permit) tell apart
    namesake workers of one age and citizenship, whom the census often records
    without a date of birth.
    """
    comps = [
        comparisons.name_comparison(),
        comparisons.birth_comparison(age="age"),
        comparisons.categorical_comparison("sex"),
        comparisons.categorical_comparison("nationality"),
        comparisons.place_comparison(),
        comparisons.occupation_comparison(),
    ]
    if presence:
        comps.append(comparisons.presence_comparison())
    return ModelSpec(
        name="census_border",
        settings=_settings("link_only", comps, blocking.census_prediction_rules()),
        training_rules=tuple(blocking.census_training_rules()),
        deterministic_rules=('l."full_name" = r."full_name" and l."age" = r."age"',),
        deterministic_recall=0.7,
    )


def permit_model(name: str) -> ModelSpec:
    """Permit holders (visas, work permits) to border persons."""
    comps = [
        comparisons.name_comparison(),
        comparisons.birth_comparison(),
        comparisons.categorical_comparison("sex"),
        comparisons.categorical_comparison("nationality"),
    ]
    return ModelSpec(
        name=f"{name}_border",
        settings=_settings("link_only", comps, blocking.permit_prediction_rules()),
        training_rules=tuple(blocking.dedup_training_rules()),
        deterministic_rules=(
            'l."full_name" = r."full_name" and l."date_of_birth" = r."date_of_birth"',
        ),
        deterministic_recall=0.8,
    )


def m_from_known_matches(
    con: duckdb.DuckDBPyConnection,
    comparison: dict[str, Any],
    pairs: str,
    *,
    floor: float = 1e-4,
) -> dict[str, float]:
    """m probabilities of ``comparison``'s levels, counted on known matching ``pairs``.

    ``pairs`` names a relation with the ``_l``/``_r`` columns the levels refer to, e.g.
    crossings on one document set against their traveller (same person for sure). The
    levels' own SQL classifies each pair, so the counts mean exactly what the model
    compares. Null levels are left out; every other level gets at least ``floor``, so
    no level is ever impossible.

    >>> con = duckdb.connect()
    >>> _ = con.execute("create table p as select * from (values (date '1990-01-02',"
    ...     " date '1990-01-02'), (date '1990-02-01', date '1990-01-02')) v(date_of_birth_l,"
    ...     " date_of_birth_r)")
    >>> m = m_from_known_matches(con, comparisons.birth_comparison(), "p")
    >>> round(m["date exact"], 2), round(m["day and month swapped"], 2)
    (0.5, 0.5)
    """
    levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
    null_sql = " or ".join(
        f"({lvl['sql_condition']})"
        for lvl in comparison["comparison_levels"]
        if lvl.get("is_null_level")
    )
    cases = " ".join(
        f"when {lvl['sql_condition']} then {i}"
        for i, lvl in enumerate(levels)
        if lvl["sql_condition"] != "else"
    )
    where = f"where not ({null_sql})" if null_sql else ""
    rows = con.sql(
        f"select case {cases} else {len(levels) - 1} end as level, count(*) from {pairs}"
        f" {where} group by 1"
    ).fetchall()
    counts = {int(level): int(n) for level, n in rows}
    total = max(sum(counts.values()), 1)
    m = [max(counts.get(i, 0) / total, floor) for i in range(len(levels))]
    # Floors raise the sum above one; scaled back, the m probabilities are a distribution.
    return {lvl["label_for_charts"]: p / sum(m) for lvl, p in zip(levels, m, strict=True)}


def with_fixed_m(spec: ModelSpec, column: str, m: dict[str, float]) -> ModelSpec:
    """A copy of ``spec`` whose ``column`` comparison has fixed m probabilities ``m``."""
    settings = json.loads(json.dumps(spec.settings))
    for comp in settings["comparisons"]:
        if comp["output_column_name"] == column:
            for lvl in comp["comparison_levels"]:
                if lvl["label_for_charts"] in m:
                    lvl["m_probability"] = m[lvl["label_for_charts"]]
                    lvl["fix_m_probability"] = True
    return ModelSpec(
        spec.name,
        settings,
        spec.training_rules,
        spec.deterministic_rules,
        spec.deterministic_recall,
    )


def count_candidate_pairs(
    con: duckdb.DuckDBPyConnection, spec: ModelSpec, tables: list[str]
) -> int:
    """Pairs ``spec``'s prediction blocking rules generate over ``tables`` (relations in
    ``con``), counted in the database: at national scale they are far too many to
    store, and only those near or above the threshold are kept."""
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register(t) for t in tables]
    records = count_comparisons_from_blocking_rules(
        frames[0] if len(frames) == 1 else frames,
        blocking_rules=spec.settings["blocking_rules_to_generate_predictions"],
        link_type=spec.settings["link_type"],
        source_dataset_column_name=spec.settings.get("source_dataset_column_name"),
        record_sample_proportion=1.0,
    )
    return int(sum(r["marginal_comparison_count"] for r in records))


def _register_frequencies(linker: Any, db_api: Any, keys: tuple[str, ...]) -> None:
    for key in keys:
        linker.table_management.register_term_frequency_lookup(db_api.register(f"tf_{key}"), key)


def model_path(models_dir: Path, spec: ModelSpec) -> Path:
    """Where the trained model of ``spec`` is kept: name, version and fingerprint."""
    return models_dir / f"{spec.name}.v{MODEL_VERSION}.{spec.fingerprint()}.json"


def within_group_frequencies(
    con: duckdb.DuckDBPyConnection, table: str, column: str, group: str
) -> str:
    """Term frequencies of ``column`` within each ``group``, for Splink; returns the key.

    Adds column ``<column>_in_<group>`` (``group|value``) to ``table`` and creates table
    ``tf_<column>_in_<group>`` with each key's share of its group's non-null values:
    the chance that a record of that group carries the value. Register it with
    :func:`train_or_load` (``term_frequencies``) and name the key as a comparison
    level's ``tf_adjustment_column``.

    >>> con = duckdb.connect()
    >>> _ = con.execute("create table t as select * from (values ('CHN', 'WANG'),"
    ...     " ('CHN', 'WANG'), ('CHN', 'LI'), ('GBR', 'WANG')) v(nationality, surname)")
    >>> within_group_frequencies(con, "t", "surname", "nationality")
    'surname_in_nationality'
    >>> con.sql("select surname_in_nationality, round(tf_surname_in_nationality, 2)"
    ...         " from tf_surname_in_nationality order by 1").fetchall()
    [('CHN|LI', 0.33), ('CHN|WANG', 0.67), ('GBR|WANG', 1.0)]
    """
    key = f"{column}_in_{group}"
    con.execute(
        f"alter table {table} add column if not exists {key} varchar;"
        f" update {table} set {key} = case when {column} is not null"
        f" then concat(coalesce({group}, ''), '|', {column}) end"
    )
    con.execute(
        f"create or replace table tf_{key} as select {key}, count(*)::double"
        f" / sum(count(*)) over (partition by any_value({group})) as tf_{key}"
        f" from {table} where {key} is not null group by {key}"
    )
    return key


def train_or_load(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    tables: list[str],
    *,
    models_dir: Path | None = None,
    retrain: bool = False,
    max_pairs: float = 2e6,
    seed: int = 42,
    term_frequencies: tuple[str, ...] = (),
) -> Any:
    """A Splink linker on ``tables`` (relations in ``con``) with a trained model.

    If ``models_dir`` holds a model trained on the same specification it is loaded
    (unless ``retrain``); otherwise the model is trained and saved there.
    ``term_frequencies`` names keys whose frequencies were computed beforehand (table
    ``tf_<key>``, see :func:`within_group_frequencies`) rather than by Splink over all
    records. Returns the :class:`splink.Linker`.
    """
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register(t, dataset_display_name=t) for t in tables]
    source = frames[0] if len(frames) == 1 else frames
    path = model_path(models_dir, spec) if models_dir is not None else None
    if path is not None and path.exists() and not retrain:
        logger.info("%s: reusing trained model %s", spec.name, path)
        linker = Linker(source, json.loads(path.read_text("utf-8")), log_level=None)
        _register_frequencies(linker, db_api, term_frequencies)
        return linker
    linker = Linker(source, dict(spec.settings), log_level=None)
    _register_frequencies(linker, db_api, term_frequencies)
    fit_and_save(linker, spec, path, max_pairs=max_pairs, seed=seed)
    return linker


def fit_and_save(
    linker: Any, spec: ModelSpec, path: Path | None, *, max_pairs: float, seed: int
) -> None:
    """Train ``linker`` (any Splink backend) as ``spec`` says; save it at ``path``.

    The prior from the deterministic rules, u from random pairs, m by EM on each
    training block (levels whose m is fixed keep it).
    """
    linker.training.estimate_probability_two_random_records_match(
        list(spec.deterministic_rules), recall=spec.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in spec.training_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule["blocking_rule"], estimate_without_term_frequencies=True
        )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        model = linker.misc.save_model_to_json()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(model, indent=2, sort_keys=True), "utf-8")
        tmp.replace(path)
        logger.info("%s: trained model saved to %s", spec.name, path)
