"""``migstats residence classify`` on CSV and Parquet files, and its errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from migstats.cli import app, main
from migstats.errors import UserInputError

HISTORY = """person_id,crossing_date,direction,initial_status,port
007,2017-01-01,ARR,non_resident,MLE
007,2018-01-06,DEP,,MLE
012,2017-01-01,ARR,non_resident,GAN
012,2017-01-11,DEP,non_resident,GAN
"""


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "crossings.csv"
    path.write_text(HISTORY)
    return path


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, ["residence", "classify", *args])


def test_csv_to_csv_with_sidecar_metadata(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "classified.csv"
    result = invoke(str(history), "-o", str(out), "--observation-end", "2020-01-01")
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == (
        "person_id,crossing_date,direction,initial_status,port,res_status_before,"
        "res_status_after,is_long_term_migration,date_final,repair,initial_status_source"
    )
    # Input columns exactly as written (leading zeros kept), in input order.
    assert (
        lines[1]
        == "007,2017-01-01,ARR,non_resident,MLE,non_resident,resident,true,2018-01-01,,given"
    )
    assert lines[2] == "007,2018-01-06,DEP,,MLE,resident,non_resident,true,2019-01-06,,given"
    assert (
        lines[4]
        == "012,2017-01-11,DEP,non_resident,GAN,non_resident,non_resident,false,2017-05-14,,given"
    )
    meta = json.loads((tmp_path / "classified.csv.meta.json").read_text())
    assert meta["rule"]["window_days"] == 487 and meta["rule"]["threshold_days"] == 365
    assert meta["observation_end"] == "2020-01-01"
    assert meta["observation_start"] == "2017-01-01"
    assert "long-term migrations" in result.output


def test_parquet_to_parquet_with_schema_metadata(history: Path, tmp_path: Path) -> None:
    source = tmp_path / "crossings.parquet"
    assert invoke(str(history), "-o", str(source), "--observation-end", "2017-02-01").exit_code == 0
    # Re-classify a Parquet file with option (a); earlier results are replaced.
    out = tmp_path / "again.parquet"
    result = invoke(
        str(source), "-o", str(out), "--window-days", "365", "--threshold-days", "183",
        "--observation-start", "2016-01-01", "--observation-end", "2019-01-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    meta = json.loads(table.schema.metadata[b"migstats.residence"])
    assert meta["rule"]["window_days"] == 365 and meta["rule"]["threshold_days"] == 183
    assert meta["observation_start"] == "2016-01-01"
    # Option (a): 370 days in qualifies (183 reached on 2017-07-03); 360 days abroad
    # observed by the cut-off qualify the departure; 10 days in do not.
    assert table.column("is_long_term_migration").to_pylist() == [True, True, False, False]
    assert str(table.column("date_final")[0]) == "2017-07-03"
    assert table.num_rows == 4


def test_unknown_until_decided_is_written_empty(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "cut.csv"
    assert invoke(str(history), "-o", str(out)).exit_code == 0  # cut-off: 2018-01-06
    lines = out.read_text().splitlines()
    assert lines[2] == "007,2018-01-06,DEP,,MLE,resident,unknown,,,,given"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("person,crossing_date,direction\n1,2017-01-01,ARR\n", "Missing column"),
        ("person_id,crossing_date,direction\n1,2017-01-01,ARR\n1,1/2/2017,DEP\n", "data row 2"),
        ("person_id,crossing_date,direction\n1,2017-01-01,IN\n", "data row 1 has 'IN'"),
        ("person_id,crossing_date,direction\n", "Empty input"),
        ("", "Empty input"),
    ],
    ids=["missing column", "bad date", "bad direction", "no rows", "no header"],
)
def test_user_errors(tmp_path: Path, content: str, expected: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(content)
    result = invoke(str(source), "-o", str(tmp_path / "out.csv"))
    assert isinstance(result.exception, UserInputError)
    assert expected in str(result.exception)
    assert not (tmp_path / "out.csv").exists()


def test_bad_paths_and_settings(tmp_path: Path, history: Path) -> None:
    result = invoke(str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv"))
    assert "Input not found" in str(result.exception)
    result = invoke(str(history), "-o", str(tmp_path / "o.xlsx"))
    assert "Unknown output format" in str(result.exception)
    result = invoke(str(history), "-o", str(tmp_path / "o.csv"), "--threshold-days", "500")
    assert "Invalid residence rule" in str(result.exception)
    result = invoke(str(history), "-o", str(tmp_path / "o.csv"), "--engine", "polars")
    assert result.exit_code == 2 and "polars" in result.output


def test_main_prints_one_line_and_exits_2(
    history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("person_id,crossing_date,direction\n1,2017-01-01,ARR\n1,2017-01-05,XXX\n")
    monkeypatch.setattr(
        sys,
        "argv",
        ["migstats", "residence", "classify", str(source), "-o", str(tmp_path / "o.csv")],
    )
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    out = capsys.readouterr().out
    assert "Invalid direction" in out and "data row 2 has 'XXX'" in out
    assert "Traceback" not in out


@pytest.mark.spark
def test_spark_engine_from_the_command_line(
    history: Path, tmp_path: Path, spark_engine: object
) -> None:
    # The fixture has started the session; the command picks the same one up.
    duck, spark = tmp_path / "duck.csv", tmp_path / "spark.csv"
    assert invoke(str(history), "-o", str(duck), "--observation-end", "2020-01-01").exit_code == 0
    result = invoke(
        str(history), "-o", str(spark), "--observation-end", "2020-01-01", "--engine", "spark"
    )
    assert result.exit_code == 0, result.output
    assert spark.read_text() == duck.read_text()
    assert json.loads((tmp_path / "spark.csv.meta.json").read_text())["engine"] == "spark"
