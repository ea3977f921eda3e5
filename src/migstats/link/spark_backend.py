"""Splink on Spark: the border model trained and scored by Spark instead of DuckDB.

For a country whose travellers outgrow one machine. Everything before and after the
model stays in DuckDB (collapsing crossings into travellers, term frequencies,
clusters, the spine); only the two steps that grow with the square of the blocks,
training and scoring the candidate pairs, move to Spark:

1. the model inputs (``traveller_input`` and the ``tf_*`` frequency tables) are
   written as Parquet into a working folder and read by Spark;
2. the model specification is translated to Spark SQL (:func:`spark_spec`: sqlglot
   for the comparison levels, and Splink's own Jaro-Winkler from the jar it ships);
3. Splink trains (or reloads) the model with its Spark backend, exactly as
   :func:`migstats.link.train.train_or_load` does with DuckDB, and scores the pairs;
4. the pairs at or above the review band come back to DuckDB through Parquet.

The Spark model is its own file (its comparison SQL differs, so its fingerprint
does too). Its parameters can be taken from a DuckDB-trained model of the same
specification (:func:`with_parameters_of`), which makes the two backends score every
pair alike: the test suite checks that they link the same travellers.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import duckdb

from migstats.link.train import ModelSpec, fit_and_save, model_path

__all__ = ["spark_predict", "spark_spec", "with_parameters_of"]

logger = logging.getLogger(__name__)

#: DuckDB functions whose Spark counterparts have other names (Splink's jar UDFs).
_FUNCTIONS = {"JAROWINKLER_SIMILARITY": "jaro_winkler"}


def to_spark_sql(condition: str) -> str:
    """A comparison level's DuckDB SQL condition in Spark SQL.

    >>> to_spark_sql('jaro_winkler_similarity("surname_l", "surname_r") >= 0.92')
    'jaro_winkler(`surname_l`, `surname_r`) >= 0.92'
    >>> to_spark_sql("datediff('day', \\"a_l\\", \\"a_r\\") <= 31")
    'DATEDIFF(DAY, `a_l`, `a_r`) <= 31'
    """
    import sqlglot

    if condition.strip().lower() == "else":
        return condition
    sql = sqlglot.transpile(condition, read="duckdb", write="spark")[0]
    for duck, spark in _FUNCTIONS.items():
        sql = re.sub(rf"\b{duck}\(", f"{spark}(", sql)
    return sql


def spark_spec(spec: ModelSpec) -> ModelSpec:
    """``spec`` with every comparison level and blocking rule in Spark SQL."""
    settings = json.loads(json.dumps(spec.settings))
    settings["sql_dialect"] = "spark"
    for comp in settings["comparisons"]:
        for lvl in comp["comparison_levels"]:
            lvl["sql_condition"] = to_spark_sql(lvl["sql_condition"])

    def rule(r: Any) -> Any:
        if isinstance(r, dict):
            return {"blocking_rule": to_spark_sql(r["blocking_rule"]), "sql_dialect": "spark"}
        return to_spark_sql(r)

    settings["blocking_rules_to_generate_predictions"] = [
        rule(r) for r in settings["blocking_rules_to_generate_predictions"]
    ]
    return ModelSpec(
        spec.name,
        settings,
        tuple(rule(r) for r in spec.training_rules),
        tuple(to_spark_sql(r) for r in spec.deterministic_rules),
        spec.deterministic_recall,
    )


def with_parameters_of(spark_model: dict[str, Any], trained: dict[str, Any]) -> dict[str, Any]:
    """``spark_model`` (Splink settings) with the prior, m and u of ``trained``.

    Levels are matched by comparison and label, so ``trained`` may come from another
    backend (a DuckDB-trained model of the same specification).
    """
    out: dict[str, Any] = json.loads(json.dumps(spark_model))
    out["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    source = {
        (c["output_column_name"], lvl["label_for_charts"]): lvl
        for c in trained["comparisons"]
        for lvl in c["comparison_levels"]
    }
    for comp in out["comparisons"]:
        for lvl in comp["comparison_levels"]:
            src = source.get((comp["output_column_name"], lvl["label_for_charts"]))
            if src is None:
                continue
            for key in ("m_probability", "u_probability"):
                if key in src:
                    lvl[key] = src[key]
    return out


def spark_predict(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    table: str,
    *,
    threshold_match_weight: float,
    workdir: Path,
    models_dir: Path,
    retrain: bool = False,
    max_pairs: float = 2e6,
    seed: int = 42,
    term_frequencies: tuple[str, ...] = (),
    parameters_from: Path | None = None,
    session: Any = None,
) -> tuple[str, Path]:
    """Train (or reload) ``spec`` on Spark over DuckDB ``table``, score its pairs.

    Pairs at or above ``threshold_match_weight`` are written under ``workdir`` and
    viewed in ``con`` as ``spark_prediction`` (Splink's prediction columns). Returns
    that view's name and the Spark model's file. ``parameters_from`` names a trained
    model (of any backend) whose parameters are used instead of training.
    """
    from splink import Linker, SparkAPI

    from migstats.engine import spark_session

    spark = session or spark_session()
    workdir.mkdir(parents=True, exist_ok=True)
    frames: dict[str, Any] = {}
    for name in (table, *(f"tf_{key}" for key in term_frequencies)):
        path = workdir / f"{name}.parquet"
        con.execute(f"copy {name} to '{path}' (format parquet)")
        frames[name] = spark.read.parquet(str(path))
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")  # type: ignore[no-untyped-call]
    sspec = spark_spec(spec)
    path = model_path(models_dir, sspec)
    settings: dict[str, Any]
    if parameters_from is not None:
        settings = with_parameters_of(sspec.settings, json.loads(parameters_from.read_text()))
    elif path.exists() and not retrain:
        logger.info("%s: reusing trained Spark model %s", spec.name, path)
        settings = json.loads(path.read_text("utf-8"))
    else:
        settings = {}
    # A session runs many linkages: an input view of the last one is replaced.
    spark.catalog.dropTempView(table)
    source = db_api.register(frames[table], dataset_display_name=table)
    linker = Linker(source, settings or dict(sspec.settings), log_level=None)
    for key in term_frequencies:
        lookup = db_api.register(frames[f"tf_{key}"])
        linker.table_management.register_term_frequency_lookup(lookup, key)
    if not settings:
        fit_and_save(linker, sspec, path, max_pairs=max_pairs, seed=seed)
    elif parameters_from is not None:
        _save(linker, path)
    scored = linker.inference.predict(threshold_match_weight=threshold_match_weight)
    out = workdir / "prediction"
    scored.as_spark_dataframe().write.mode("overwrite").parquet(str(out))
    con.execute(
        f"create or replace view spark_prediction as select * from read_parquet('{out}/*.parquet')"
    )
    return "spark_prediction", path


def _save(linker: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(linker.misc.save_model_to_json(), indent=2, sort_keys=True))
    tmp.replace(path)
