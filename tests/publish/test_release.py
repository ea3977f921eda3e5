"""write_release: the folder layout, the manifest, byte-identical re-runs, safe errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from migstats.publish import PublishError, write_release
from migstats.publish.files import sha256_of
from migstats.stats.cube import ObservationTable, read_table
from tests.publish.conftest import PREPARED, all_tables, stock_table

LAYOUT = {
    "tables/1.1.parquet", "tables/1.R.parquet", "tables/7.1.parquet", "tables/tables.json",
    "csv/1.1.csv", "csv/1.R.csv", "csv/7.1.csv",
    "excel/migration-statistics-2025.1.xlsx",
    "sdmx/structure.xml", "sdmx/structure-3.0.xml",
    "sdmx/data/1.1.xml", "sdmx/data/1.R.xml", "sdmx/data/7.1.xml",
    "sdmx/data-3.0/1.1.xml", "sdmx/data-3.0/1.R.xml", "sdmx/data-3.0/7.1.xml",
    "sdmx/csv/1.1.csv", "sdmx/csv/1.R.csv", "sdmx/csv/7.1.csv",
    "sdmx/sdg/structure.xml", "sdmx/sdg/data.xml", "sdmx/sdg/data.csv",
    "opensdg/indicator_8-5-2.csv",
    "datapackage.json",
}  # fmt: skip


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_of(p) for p in folder.rglob("*") if p.is_file()
    }


def test_layout_and_manifest(release: Path) -> None:
    files = _files(release)
    assert set(files) == LAYOUT | {"manifest.json"}
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == {
        k: v for k, v in files.items() if k != "manifest.json"
    }
    for entry in manifest["files"]:
        assert (release / entry["path"]).stat().st_size == entry["bytes"]
    assert [(t["table_id"], t["cells"], t["withheld"]) for t in manifest["tables"]] == [
        ("1.1", 9, 2),
        ("1.R", 4, 1),
        ("7.1", 14, 2),
    ]
    assert manifest["prepared"] == "2025-03-01" and manifest["opensdg_cells_without_value"] == 1
    assert not list(release.rglob(".*.tmp"))


def test_tables_are_kept_as_given(release: Path) -> None:
    stock = read_table(release / "tables" / "1.1.parquet")
    assert stock.data.equals(stock_table().data)
    assert stock.metadata["disclosure"] == stock_table().metadata["disclosure"]


def test_rerun_gives_byte_identical_files(release: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    write_release(all_tables(), again, release="2025.1", prepared=PREPARED)
    assert _files(again) == _files(release)
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    write_release(all_tables(), copy, release="2025.1", prepared=PREPARED)
    assert _files(copy) == _files(release)


def test_rerun_with_fewer_tables_removes_the_old_files(release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    manifest = write_release([stock_table()], copy, release="2025.1", prepared=PREPARED)
    assert not (copy / "csv" / "7.1.csv").exists()
    assert not (copy / "opensdg" / "indicator_8-5-2.csv").exists()
    assert set(_files(copy)) == {f.path for f in manifest.files} | {"manifest.json"}


def test_a_folder_that_is_not_a_release_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(PublishError, match=r"no manifest\.json"):
        write_release(all_tables(), tmp_path, release="r", prepared=PREPARED)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_unmappable_code_fails_before_anything_is_written(tmp_path: Path) -> None:
    t = stock_table()
    codes = t.data.column("CITIZENSHIP").to_pylist()
    codes[3] = "D"  # an ICAO code that harmonisation should have turned into DEU
    data = t.data.set_column(
        t.data.column_names.index("CITIZENSHIP"), "CITIZENSHIP", pa.array(codes)
    )
    bad = ObservationTable(t.table_id, t.title, t.dimensions, data, t.unit, t.metadata)
    out = tmp_path / "r"
    with pytest.raises(PublishError, match=r"Table 1\.1 .*CITIZENSHIP has code 'D'"):
        write_release([bad], out, release="r", prepared=PREPARED)
    assert not out.exists()
