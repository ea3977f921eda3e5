"""Border deduplication with Splink's Spark backend: the same persons as with DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from migstats.link import LinkSettings, deduplicate_border
from migstats.link.spark_backend import spark_spec, to_spark_sql
from migstats.link.train import dedup_model

pytestmark = pytest.mark.spark


def _assignment(ws: Path) -> dict[str, str]:
    table = pq.read_table(
        ws / "integrated" / "crossing.parquet", columns=["record_id", "person_key"]
    )
    return dict(zip(table["record_id"].to_pylist(), table["person_key"].to_pylist(), strict=True))


def test_spark_sql_of_the_border_model() -> None:
    spec = spark_spec(dedup_model())
    sql = " ".join(
        lvl["sql_condition"]
        for comp in spec.settings["comparisons"]
        for lvl in comp["comparison_levels"]
    )
    assert spec.settings["sql_dialect"] == "spark"
    # Splink's jar names Jaro-Winkler differently from DuckDB; quotes become backticks.
    assert "jaro_winkler(`surname_l`, `surname_r`)" in sql
    assert "jaro_winkler_similarity" not in sql.lower() and '"' not in sql
    assert to_spark_sql("else") == "else"


def test_spark_links_the_same_travellers_as_duckdb(spark_local: Any, harmonised: Path) -> None:
    ws = harmonised / "workspace"
    border = ws / "harmonised" / "border_crossings.parquet"
    truth = harmonised / "synthetic" / "truth"
    duck = deduplicate_border(border, ws, truth_dir=truth)
    duck_persons = _assignment(ws)
    # The DuckDB model is on file: Spark scores every pair with its parameters.
    on_spark = deduplicate_border(
        border, ws, settings=LinkSettings(engine="spark"), truth_dir=truth
    )
    assert on_spark.links == duck.links and on_spark.persons == duck.persons
    assert on_spark.candidate_pairs == duck.candidate_pairs
    assert _assignment(ws) == duck_persons
    assert on_spark.model_file != duck.model_file and on_spark.model_file.is_file()
    assert not (ws / "linkage" / "spark").exists()  # the working Parquet is removed


def test_spark_trains_its_own_model(spark_local: Any, harmonised: Path) -> None:
    ws = harmonised / "workspace"
    on_spark = deduplicate_border(
        ws / "harmonised" / "border_crossings.parquet",
        ws,
        settings=LinkSettings(engine="spark", retrain=True),
        truth_dir=harmonised / "synthetic" / "truth",
    )
    scores = on_spark.traveller_scores
    assert scores is not None
    # The DuckDB model scores 0.99 on this country; EM on Spark samples differently.
    assert scores.precision >= 0.97 and scores.recall >= 0.97, scores
    assert on_spark.record_scores is not None and on_spark.record_scores.f1 >= 0.99


def test_unknown_engine_is_refused(harmonised: Path) -> None:
    from migstats.errors import UserInputError

    ws = harmonised / "workspace"
    with pytest.raises(UserInputError, match="engine"):
        deduplicate_border(
            ws / "harmonised" / "border_crossings.parquet",
            ws,
            settings=LinkSettings(engine="polars"),
        )
