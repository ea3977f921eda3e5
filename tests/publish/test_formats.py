"""CSV, Excel and the frictionless Data Package of a release."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from migstats.publish.csvfiles import table_csv, write_csv
from migstats.publish.datapackage import write_datapackage
from migstats.publish.excel import MISSING, SUPPRESSED, workbook_bytes, write_workbook
from migstats.publish.tables import CONF_STATUS_CODES, OBS_STATUS_CODES, checked_all
from tests.publish.conftest import PREPARED, all_tables, flow_table, stock_table


def test_csv_has_codes_labels_values_and_flags() -> None:
    (table,) = checked_all([stock_table()])
    rows = list(csv.DictReader(io.StringIO(table_csv(table))))
    assert len(rows) == table.cells
    bangladesh = next(r for r in rows if r["CITIZENSHIP"] == "BGD")
    assert bangladesh["CITIZENSHIP_LABEL"] == "Bangladesh"
    assert bangladesh["ATOLL_LABEL"] == "Kaafu"
    assert bangladesh["AGE_LABEL"] == "20-24 years"
    assert (bangladesh["OBS_VALUE"], bangladesh["UNIT"]) == ("600", "persons")
    kosovo = next(r for r in rows if r["CITIZENSHIP"] == "XKX")
    assert (kosovo["OBS_VALUE"], kosovo["CONF_STATUS"], kosovo["LOWER"]) == ("", "A", "")
    total = rows[0]
    assert (total["OBS_VALUE"], total["LOWER"], total["UPPER"]) == ("1200", "1150", "1260")


def test_csv_cells_reconcile_with_the_table(tmp_path: Path) -> None:
    for table in checked_all(all_tables()):
        path = write_csv(table, tmp_path)
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        assert len(rows) == table.cells
        assert sum(1 for r in rows if r["OBS_VALUE"] == "") == table.withheld
        values = [float(r["OBS_VALUE"]) for r in rows if r["OBS_VALUE"]]
        expected = [v for v in table.table.data.column("OBS_VALUE").to_pylist() if v is not None]
        assert values == expected


def test_excel_holds_every_table_and_the_notes(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    tables = checked_all(all_tables())
    path = write_workbook(
        tables, tmp_path / "r.xlsx", release="2025.1", prepared=PREPARED, country="MDV"
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Contents", "1.1", "1.R", "7.1", "Notes", "Metadata"]
    for table in tables:
        sheet = wb[table.table_id]
        assert sheet["A1"].value.startswith(f"Table {table.table_id}.")
        header_row = next(
            r
            for r in range(1, 10)
            if sheet.cell(r, 1).value
            in (d.replace("_", " ").capitalize() for d in table.dimensions[:1])
        )
        assert sheet.max_row - header_row == table.cells
    stock = [list(r) for r in wb["1.1"].iter_rows(values_only=True)]
    kosovo = next(r for r in stock if "Kosovo" in r)
    assert SUPPRESSED in kosovo and "A" in kosovo
    flows = [list(r) for r in wb["1.R"].iter_rows(values_only=True)]
    assert any(r[0] == "2023" and SUPPRESSED in r for r in flows)
    notes = "\n".join(
        " ".join(str(c) for c in r if c) for r in wb["Notes"].iter_rows(values_only=True)
    )
    for code, meaning in [*CONF_STATUS_CODES.items(), *OBS_STATUS_CODES.items()]:
        assert meaning in notes, code
    assert SUPPRESSED in notes and MISSING in notes
    assert "threshold 5, primary (A) and secondary (D) suppression" in notes
    assert "UN M49" in notes
    contents = list(wb["Contents"].iter_rows(values_only=True))
    assert ("1.R", "Net migration, final and provisional", "persons", 4, 1) in contents
    assert wb["Contents"]["A5"].hyperlink.location == "'1.1'!A1"


def test_excel_reads_with_fastexcel(tmp_path: Path) -> None:
    fastexcel = pytest.importorskip("fastexcel")
    path = write_workbook(
        checked_all(all_tables()),
        tmp_path / "r.xlsx",
        release="2025.1",
        prepared=PREPARED,
        country="MDV",
    )
    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == ["Contents", "1.1", "1.R", "7.1", "Notes", "Metadata"]
    sheet = reader.load_sheet("1.R", header_row=4)
    assert sheet.height == flow_table().data.num_rows


def test_excel_is_the_same_bytes_every_time() -> None:
    tables = checked_all(all_tables())
    first = workbook_bytes(tables, release="r", prepared=PREPARED, country="MDV")
    again = workbook_bytes(tables, release="r", prepared=PREPARED, country="MDV")
    assert first == again
    other = workbook_bytes(tables, release="r", prepared=date(2025, 4, 1), country="MDV")
    assert other != first


def test_data_package_validates_with_frictionless(tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    tables = checked_all(all_tables())
    for table in tables:
        write_csv(table, tmp_path / "csv")
    path = write_datapackage(tables, tmp_path, release="2025.1", prepared=PREPARED, country="MDV")
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    descriptor = json.loads(path.read_text("utf-8"))
    assert [r["path"] for r in descriptor["resources"]] == [
        "csv/1.1.csv",
        "csv/1.R.csv",
        "csv/7.1.csv",
    ]
    stock = descriptor["resources"][0]["schema"]
    assert stock["primaryKey"] == list(stock_table().dimensions)


def test_data_package_catches_a_bad_flag(tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    tables = checked_all([stock_table()])
    path = write_csv(tables[0], tmp_path / "csv")
    path.write_text(path.read_text("utf-8").replace(",persons,A,F", ",persons,A,Q", 1), "utf-8")
    package = write_datapackage(tables, tmp_path, release="r", prepared=PREPARED, country="MDV")
    assert not frictionless.validate(str(package)).valid
