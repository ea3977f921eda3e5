"""Review list round trip: export -> a statistician fills codes -> import -> applied."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from migstats.errors import UserInputError
from migstats.harmonise import export_review, harmonise_table, import_review, load_overrides

WORK_PERMITS = pa.table(
    {
        "nationality": ["Bangaldesh", "BANGALDESH", "Bangladeshi", "XYZ", "Indian"],
        "occupation": ["Bricklayr", "Mason", "Labourer", "Cook/Cleaner", "Cook"],
        "industry": ["Construction", "Construction", "Construction", "Resort", "Restaurant"],
        "work_island": ["Mafushy", "K. Maafushi", "Hulhumale", "Maafushi", "Male"],
    }
)


def _fill(path: Path, codes: dict[tuple[str, str], str]) -> Path:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["code"] = codes.get((row["variable"], row["raw_value"]), "")
    filled = path.with_name("filled.csv")
    with filled.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return filled


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_round_trip(tmp_path: Path) -> None:
    out, report = harmonise_table("work_permit", WORK_PERMITS)
    assert out.column("nationality_iso3").to_pylist()[:2] == [None, None]
    exported = export_review(report, tmp_path / "review")
    assert exported.name == "review-0001.csv"
    rows = _rows(exported)
    by_value = {(r["variable"], r["raw_value"]): r for r in rows}
    # Both spellings of the misspelling are one review value, counted twice.
    misspelt = by_value[("country", "Bangaldesh")]
    assert misspelt["count"] == "2"
    assert misspelt["candidate_1"] == "BGD"
    assert misspelt["code"] == ""
    assert ("country", "XYZ") in by_value
    assert ("occupation", "Bricklayr") in by_value
    # A default-coded title is listed for confirmation with its current code.
    assert by_value[("occupation", "Labourer")]["current_code"] == "9313"

    filled = _fill(
        exported,
        {
            ("country", "Bangaldesh"): "bgd",
            ("occupation", "Bricklayr"): "7112",
            ("island", "Mafushy"): "k02",
            ("occupation", "Cook/Cleaner"): "5120",
        },
    )
    overrides = import_review(filled, tmp_path / "review")
    assert overrides.version == 1
    assert (tmp_path / "review" / "overrides-0001.csv").is_file()
    assert load_overrides(tmp_path / "review") == overrides

    again, report2 = harmonise_table("work_permit", WORK_PERMITS, overrides)
    assert again.column("nationality_iso3").to_pylist() == ["BGD", "BGD", "BGD", None, "IND"]
    assert again.column("nationality_method").to_pylist()[:3] == ["manual", "manual", "exact"]
    assert again.column("occupation_isco").to_pylist()[:1] == ["7112"]
    assert again.column("work_island_code").to_pylist()[0] == "K02"
    assert again.column("work_atoll_code").to_pylist()[0] == "K"
    assert report2.variable("nationality").counts["manual"] == 2
    # What was decided is no longer proposed; what was not, still is.
    left = {(i.classification, i.raw_value) for i in report2.review}
    assert ("country", "Bangaldesh") not in left
    assert ("country", "XYZ") in left


def test_versions_accumulate(tmp_path: Path) -> None:
    _, report = harmonise_table("work_permit", WORK_PERMITS)
    first = export_review(report, tmp_path)
    import_review(_fill(first, {("country", "Bangaldesh"): "BGD"}), tmp_path)
    second = export_review(report, tmp_path)
    assert second.name == "review-0002.csv"
    overrides = import_review(_fill(second, {("country", "XYZ"): "XXX"}), tmp_path)
    assert overrides.version == 2
    assert dict(overrides.for_classification("country")) == {"bangaldesh": "BGD", "xyz": "XXX"}
    assert (tmp_path / "overrides-0001.csv").is_file()  # earlier versions are kept


def test_invalid_codes_are_all_reported_and_nothing_is_written(tmp_path: Path) -> None:
    _, report = harmonise_table("work_permit", WORK_PERMITS)
    exported = export_review(report, tmp_path)
    filled = _fill(
        exported, {("country", "Bangaldesh"): "BANGLA", ("occupation", "Bricklayr"): "7777"}
    )
    with pytest.raises(UserInputError) as error:
        import_review(filled, tmp_path)
    assert "'BANGLA'" in str(error.value) and "'7777'" in str(error.value)
    assert not list(tmp_path.glob("overrides-*"))
    assert load_overrides(tmp_path).version == 0
