"""Reading and writing crossings files; metadata travels with every output."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from migstats.errors import UserInputError
from migstats.residence import classify, read_crossings, write_classified
from migstats.residence.io import sidecar_path, table_metadata


def classified() -> pa.Table:
    crossings = pa.table(
        {
            "person_id": ["A1", "A1"],
            "crossing_date": [date(2017, 1, 1), date(2017, 1, 11)],
            "direction": ["ARR", "DEP"],
            "note": ['said "hello", left', None],
        }
    )
    return classify(crossings, observation_end="2020-01-01")


def test_csv_round_trip_quotes_only_when_needed(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    assert write_classified(classified(), out) == sidecar_path(out)
    text = out.read_text()
    assert '"said ""hello"", left"' in text
    back = read_crossings(out)
    assert back.column("note").to_pylist() == ['said "hello", left', None]
    # No initial status: the 10-day stay is certainly not long-term; whether leaving
    # for good was an emigration is unknown, written as an empty field.
    assert back.column("is_long_term_migration").to_pylist() == ["false", None]
    assert json.loads(sidecar_path(out).read_text())["counts"]["crossings"] == 2


def test_parquet_keeps_types_and_metadata(tmp_path: Path) -> None:
    table = classified()
    out = tmp_path / "nested" / "c.parquet"
    assert write_classified(table, out) == out
    back = pq.read_table(out)
    assert back.column("date_final").type == pa.date32()
    assert back.column("is_long_term_migration").type == pa.bool_()
    assert back.column("res_status_after").to_pylist() == ["unknown", "non_resident"]
    assert table_metadata(back)["rule"] == {**table_metadata(table)["rule"]}
    assert not list(out.parent.glob(".*tmp"))  # written atomically, nothing left over


def test_read_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.parquet"
    bad.write_text("not parquet")
    with pytest.raises(UserInputError, match="Unreadable Parquet"):
        read_crossings(bad)
    ragged = tmp_path / "r.csv"
    ragged.write_text("person_id,crossing_date,direction\n1,2017-01-01\n")
    with pytest.raises(UserInputError, match="Unreadable CSV"):
        read_crossings(ragged)
    with pytest.raises(UserInputError, match="Unknown input format"):
        read_crossings(tmp_path / "x.txt")


def test_metadata_records_rule_period_and_counts() -> None:
    meta = table_metadata(classified())
    assert meta["rule"]["window_days"] == 487
    assert meta["observation_start"] == "2017-01-01"
    assert meta["observation_end"] == "2020-01-01"
    assert meta["engine"] == "duckdb"
    assert set(meta["repair_codes"]) == {
        "duplicate", "missing_dep_imputed", "missing_arr_imputed", "outside_period",
    }  # fmt: skip
    assert meta["counts"]["persons_by_initial_status_source"] == {
        "given": 0, "first_crossing": 0, "unknown": 1,
    }  # fmt: skip
