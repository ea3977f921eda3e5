"""The engine layer itself: choosing engines, SQL errors, grouping, the Spark extra."""

from __future__ import annotations

import builtins
import itertools
import sys
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from migstats.engine import DuckDBEngine, EngineError, get_engine, grouping, transpile
from migstats.engine.grouping import chunk_bounds, group_codes, group_order
from migstats.errors import MissingExtraError, UserInputError


def test_unknown_engine_suggests_the_closest() -> None:
    with pytest.raises(UserInputError, match="did you mean 'spark'"):
        get_engine("sprak")


def test_engine_instances_pass_through() -> None:
    with DuckDBEngine() as engine:
        assert get_engine(engine) is engine


def test_sql_errors_carry_the_query_and_tables() -> None:
    with DuckDBEngine() as engine, pytest.raises(EngineError) as info:
        engine.sql("SELECT nope FROM crossing", {"crossing": pa.table({"a": [1]})})
    assert "SELECT nope FROM crossing" in str(info.value)
    assert info.value.tables == ("crossing",)


def test_sql_results_are_nullable_whatever_the_engine_proves() -> None:
    with DuckDBEngine() as engine:
        out = engine.sql("SELECT 1 AS one", {})
    assert out.schema.field("one").nullable


def test_transpile_leaves_duckdb_alone_and_translates_for_spark() -> None:
    query = "SELECT date_diff('day', a, b) AS n FROM t"
    assert transpile(query, "duckdb") == query
    assert "DATEDIFF" in transpile(query, "spark")


def test_missing_pyspark_gives_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pyspark(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    for module in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(MissingExtraError) as info:
        get_engine("spark")
    assert "pip install 'migstats[spark]'" in str(info.value)


@pytest.mark.parametrize("threads", [1, 3], ids=["one sort", "partitions on threads"])
@pytest.mark.parametrize("span", [10, 2**40], ids=["packed in one key", "ties sorted apart"])
def test_group_order_matches_a_stable_sort(
    span: int, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grouping, "PARALLEL_ROWS", 0)  # partition even this small table
    rng = np.random.default_rng(3)
    n = 5_000
    table = pa.table(
        {
            "g": rng.integers(0, 300, n) * 7,
            "d": rng.integers(0, 4, n) * span,
            "r": np.arange(n),
        }
    )
    order = group_order(table, "g", ["d", "r"], threads=threads)
    g, d = table.column("g").to_numpy(), table.column("d").to_numpy()
    assert sorted(order.tolist()) == list(range(n))
    # Groups contiguous, each sorted by d then r.
    keys = list(zip(g[order], d[order], order, strict=True))
    firsts: dict[int, int] = {}
    for i, (gi, _, _) in enumerate(keys):
        firsts.setdefault(int(gi), i)
    for a, b in itertools.pairwise(keys):
        if a[0] == b[0]:
            assert (a[1], a[2]) < (b[1], b[2])
        else:
            assert firsts[int(b[0])] > firsts[int(a[0])]


@pytest.mark.parametrize(
    "keys",
    [
        [["a", "a", "b"], ["b", "c"]],  # sorted: coded where the key changes
        [["b", "a", "b"], ["b", "c"]],  # unsorted: hashed
        [["b", None, "b"], [None, "a"]],  # nulls form one group
        [[7, 3], [7, 900_000_000_000]],  # sparse integers
    ],
    ids=["sorted text", "unsorted text", "nulls", "sparse integers"],
)
def test_group_codes_are_equal_exactly_where_the_keys_are(keys: list[list[object]]) -> None:
    column = pa.chunked_array(keys)
    codes = group_codes(column).tolist()
    values = column.to_pylist()
    for (i, a), (j, b) in itertools.combinations(enumerate(values), 2):
        assert (codes[i] == codes[j]) == (a == b), (i, j)
    assert min(codes) >= -1 and max(codes) < len(values)


def test_chunks_never_split_a_group() -> None:
    codes = np.repeat(np.arange(100), np.arange(1, 101))
    bounds = chunk_bounds(codes, 37)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(codes)
    for (_, stop), (start, _) in itertools.pairwise(bounds):
        assert stop == start and codes[start] != codes[start - 1]


def test_map_groups_with_text_keys_sorts_in_duckdb() -> None:
    table = pa.table({"p": ["b", "a", "b", "a"], "d": ["y", "x", "x", "z"]})
    with DuckDBEngine(batch_rows=1) as engine:
        batches = list(
            engine.map_groups(table, lambda t: t, key="p", order_by=["d"], schema=table.schema)
        )
    assert sorted(b.to_pylist()[0]["p"] for b in batches) == ["a", "b"]
    for batch in batches:
        assert batch.column("d").to_pylist() == sorted(batch.column("d").to_pylist())
