"""Importing an official ISCO-08 structure file as versioned reference data."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from migstats.errors import UserInputError
from migstats.harmonise import code_occupations, import_isco, load_isco
from migstats.refdata.occupations import isco08


def _official_rows() -> list[tuple[int, str, str]]:
    """The ISCO-08 structure as the ILO file lays it out: level, code, title."""
    return [(g.level, g.code, g.title) for g in isco08()]


def _write_csv(path: Path, rows: list[tuple[int, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Level", "ISCO 08 Code", "Title EN"])
        writer.writerows(rows)
    return path


def test_import_csv_then_code_with_it(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "isco08.csv", _official_rows())
    imported = import_isco(source, tmp_path / "refdata", valid_to=date(2030, 12, 31))
    assert imported.counts() == {1: 10, 2: 43, 3: 130, 4: 436}
    meta = json.loads((tmp_path / "refdata" / "isco" / "ISCO-08.json").read_text())
    assert meta["version"] == "ISCO-08"
    assert meta["valid_from"] == "2008-01-01" and meta["valid_to"] == "2030-12-31"
    assert meta["counts"] == {"1": 10, "2": 43, "3": 130, "4": 436}
    loaded = load_isco(tmp_path / "refdata")
    assert loaded == imported
    t = code_occupations(["Mason", "0110"], codes=loaded).table
    assert t.column("occupation_isco").to_pylist() == ["7112", "0110"]


def test_import_xlsx_restores_leading_zeros(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Level", "ISCO 08 Code", "Title EN"])
    for level, code, title in _official_rows():
        sheet.append([level, int(code), title])  # spreadsheets drop the zero of "0110"
    book.save(tmp_path / "isco08.xlsx")
    imported = import_isco(tmp_path / "isco08.xlsx", tmp_path / "out")
    assert "0110" in imported and "01" in imported


def test_a_national_list_replaces_the_builtin(tmp_path: Path) -> None:
    rows = [
        (1, "9", "Elementary occupations"),
        (2, "93", "Labourers"),
        (3, "931", "Mining and construction labourers"),
        (4, "9313", "Building labourers"),
    ]
    source = _write_csv(tmp_path / "national.csv", rows)
    national = import_isco(source, tmp_path, version="MV-ISCO-2024", expected=None)
    t = code_occupations(["9313", "5120", "Construction worker", "Cook"], codes=national).table
    assert t.column("occupation_isco").to_pylist() == ["9313", None, "9313", None]
    assert load_isco(tmp_path, "MV-ISCO-2024").version == "MV-ISCO-2024"


def test_structure_problems_are_all_reported(tmp_path: Path) -> None:
    rows = [r for r in _official_rows() if r[1] != "51"]  # drop a sub-major group
    rows += [(4, "5120", "Cooks again"), (4, "12a4", "Bad code")]
    source = _write_csv(tmp_path / "broken.csv", rows)
    with pytest.raises(UserInputError) as error:
        import_isco(source, tmp_path / "out")
    text = str(error.value)
    for expected in (
        "'5120' appears twice",
        "'12a4' is not 1 to 4 digits",
        "'511' has no parent '51'",
        "level 2 has 42 groups, expected 43",
    ):
        assert expected in text
    assert not (tmp_path / "out").exists()


def test_unrecognised_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,Managers\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="columns not recognised"):
        import_isco(path, tmp_path)
