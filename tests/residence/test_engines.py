"""Both engines give identical output: on the hand-derived cases and on random data.

Spark starts once per test worker (see conftest.py) and only for tests marked spark.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pyarrow as pa
import pytest

from migstats.engine import DuckDBEngine, Engine
from migstats.residence import METADATA_KEY, classify, long_term_migrations

from .cases import ALL_CASES, Case, with_mirrors
from .histories import random_crossings


def without_engine_name(table: pa.Table) -> pa.Table:
    return table.replace_schema_metadata(None)


def classify_all_cases(engine: Engine) -> dict[str, pa.Table]:
    """Every case, mirrored too, in as few engine calls as there are periods."""
    groups: dict[tuple[str | None, str], list[Case]] = defaultdict(list)
    for case in with_mirrors(ALL_CASES):
        groups[(case.start, case.end)].append(case)
    results = {}
    for (start, end), cases in groups.items():
        tables = [c.table(person_id=k) for k, c in enumerate(cases)]
        names = sorted({n for t in tables for n in t.column_names})
        tables = [
            t.append_column("initial_status", pa.nulls(t.num_rows, pa.string()))
            if "initial_status" not in t.column_names
            else t
            for t in tables
        ]
        merged = pa.concat_tables([t.select(names) for t in tables])
        out = classify(merged, observation_start=start, observation_end=end, engine=engine)
        offset = 0
        for case, table in zip(cases, tables, strict=True):
            results[case.name] = out.slice(offset, table.num_rows)
            offset += table.num_rows
    return results


def as_expected(table: pa.Table) -> list[tuple[object, ...]]:
    finals = [d.isoformat() if d else None for d in table.column("date_final").to_pylist()]
    return list(
        zip(
            table.column("res_status_before").to_pylist(),
            table.column("res_status_after").to_pylist(),
            table.column("is_long_term_migration").to_pylist(),
            finals,
            strict=True,
        )
    )


def test_all_cases_in_one_batch_on_duckdb() -> None:
    # Many persons per batch, batches of 64 rows: no person leaks into another.
    with DuckDBEngine(batch_rows=64) as engine:
        results = classify_all_cases(engine)
    for case in with_mirrors(ALL_CASES):
        assert as_expected(results[case.name]) == case.expected, case.name


def test_batch_size_and_threads_do_not_change_results() -> None:
    crossings = random_crossings(400, seed=5)
    tables = []
    for threads, batch_rows in ((1, 1_000_000), (2, 50), (2, 7)):
        with DuckDBEngine(threads=threads, batch_rows=batch_rows) as engine:
            tables.append(without_engine_name(classify(crossings, engine=engine)))
    assert tables[0].equals(tables[1]) and tables[0].equals(tables[2])


def test_text_person_ids_sort_through_duckdb() -> None:
    crossings = random_crossings(200, seed=9)
    as_text = crossings.set_column(0, "person_id", crossings.column("person_id").cast(pa.string()))
    expected = classify(crossings).drop_columns(["person_id"])
    got = classify(as_text).drop_columns(["person_id"])
    assert without_engine_name(got).equals(without_engine_name(expected))


@pytest.mark.spark
def test_spark_reproduces_every_hand_derived_case(spark_engine: Engine) -> None:
    with DuckDBEngine() as duck:
        expected = classify_all_cases(duck)
    got = classify_all_cases(spark_engine)
    for case in with_mirrors(ALL_CASES):
        assert as_expected(got[case.name]) == case.expected, case.name
        assert without_engine_name(got[case.name]).equals(
            without_engine_name(expected[case.name])
        ), case.name


@pytest.mark.spark
def test_spark_and_duckdb_identical_on_random_histories(spark_engine: Engine) -> None:
    crossings = random_crossings(3_000, seed=1)
    period = {"observation_start": date(2016, 6, 1), "observation_end": date(2021, 6, 30)}
    duck = classify(crossings, **period)
    spark = classify(crossings, engine=spark_engine, **period)
    assert (
        spark.schema.metadata[METADATA_KEY.encode()] != duck.schema.metadata[METADATA_KEY.encode()]
    )  # they name their engine
    assert without_engine_name(spark).equals(without_engine_name(duck))
    # The data really exercise the rule: every repair, unknowns, migrations.
    repairs = set(duck.column("repair").to_pylist())
    assert {"duplicate", "missing_dep_imputed", "missing_arr_imputed", "outside_period"} <= repairs
    assert 0 < duck.column("is_long_term_migration").null_count < duck.num_rows

    events_duck = long_term_migrations(crossings, home_country="MDV", **period)
    events_spark = long_term_migrations(
        crossings, home_country="MDV", engine=spark_engine, **period
    )
    assert events_duck.num_rows > 100
    assert without_engine_name(events_spark).equals(without_engine_name(events_duck))


@pytest.mark.spark
def test_spark_sql_is_transpiled(spark_engine: Engine) -> None:
    table = pa.table({"d": [date(2017, 1, 1)], "e": [date(2018, 1, 6)]})
    query = "SELECT date_diff('day', d, e) AS days, d + INTERVAL 3 DAY AS later FROM t"
    with DuckDBEngine() as duck:
        expected = duck.sql(query, {"t": table})
    got = spark_engine.sql(query, {"t": table})
    assert got.column("days").to_pylist() == expected.column("days").to_pylist() == [370]
