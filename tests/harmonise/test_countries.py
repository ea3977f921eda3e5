"""Countries and nationalities: hand cases from ICAO Doc 9303, ISO 3166 and UN M49."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from migstats.harmonise import CountryCoder, code_countries, country_groups

M49_FILE = Path(__file__).resolve().parents[3] / "shared" / "refdata" / "unsd_m49_overview_2024.csv"


@pytest.mark.parametrize(
    ("raw", "iso3", "m49"),
    [
        ("British", "GBR", "826"),
        ("Indian", "IND", "356"),
        ("D", "DEU", "276"),
        ("D<<", "DEU", "276"),
        ("GBN", "GBR", "826"),
        ("GBD", "GBR", "826"),
        ("GBO", "GBR", "826"),
        ("GBP", "GBR", "826"),
        ("GBS", "GBR", "826"),
        ("050", "BGD", "050"),
        ("50", "BGD", "050"),
        ("Bangladeshi", "BGD", "050"),
        ("BANGLADESHI", "BGD", "050"),
        ("  bangladeshi ", "BGD", "050"),
        ("Nepali", "NPL", "524"),
        ("Nepalese", "NPL", "524"),
        ("Maldivian", "MDV", "462"),
        ("Sri Lanka", "LKA", "144"),
        ("SRI LANKA", "LKA", "144"),
        ("LK", "LKA", "144"),
        ("lka", "LKA", "144"),
        ("Philippines", "PHL", "608"),
        ("Filipino", "PHL", "608"),
        ("Côte d'Ivoire", "CIV", "384"),
        ("Cote d Ivoire", "CIV", "384"),
        ("United States of America", "USA", "840"),
    ],
)
def test_codes_to_the_right_country(raw: str, iso3: str, m49: str) -> None:
    decision = CountryCoder().decide(raw)
    assert decision.code == iso3
    assert decision.method == "exact"
    assert CountryCoder().expand(iso3)[1] == m49


def test_integers_with_and_without_padding_code_alike() -> None:
    coded = code_countries(pa.array([50, 462, None], pa.int32()))
    assert coded.table.column("country_iso3").to_pylist() == ["BGD", "MDV", None]
    assert coded.table.column("country_m49").to_pylist() == ["050", "462", None]


@pytest.mark.parametrize(
    ("raw", "iso3"),
    [("RKS", "XKX"), ("XXA", "XXA"), ("XXB", "XXB"), ("XXC", "XXC"), ("XXX", "XXX")],
)
def test_flagged_non_m49_codes(raw: str, iso3: str) -> None:
    t = code_countries([raw]).table
    assert t.column("country_iso3").to_pylist() == [iso3]
    assert t.column("country_m49").to_pylist() == [None]
    assert t.column("country_is_m49").to_pylist() == [False]


@pytest.mark.parametrize("raw", ["XYZ", "??", "0", "B6D", "IDN1", "999"])
def test_invalid_codes_are_not_coded(raw: str) -> None:
    decision = CountryCoder().decide(raw)
    assert decision.code is None
    assert decision.method == "uncoded"


def test_misspelling_goes_to_review_with_the_right_candidate_first() -> None:
    decision = CountryCoder().decide("Bangaldesh")
    assert decision.method == "review"
    assert decision.code is None
    assert decision.candidates[0].code == "BGD"


@pytest.mark.parametrize(("raw", "true"), [("British", "GBR"), ("Indian", "IND")])
def test_the_fuzzy_trap_is_avoided(raw: str, true: str) -> None:
    """Similarity would pick British Virgin Islands / British Indian Ocean Territory."""
    assert CountryCoder().decide(raw).code == true


@pytest.mark.parametrize(
    ("raw", "iso3"),
    [
        ("Bangladeshis", "BGD"),
        ("citizen of India", "IND"),
        ("Nepal passport", "NPL"),
        ("U.S.A.", "USA"),
        ("not stated", "XXX"),
    ],
)
def test_rules(raw: str, iso3: str) -> None:
    decision = CountryCoder().decide(raw)
    assert decision.code == iso3
    assert decision.method in {"exact", "rule"}


def test_shared_demonym_is_left_for_review_with_both_countries() -> None:
    decision = CountryCoder().decide("Congolese")
    assert decision.method == "review"
    assert {c.code for c in decision.candidates} == {"COD", "COG"}


@pytest.mark.parametrize("raw", ["", "  ", "NA", "N/A"])
def test_blank_and_not_available_are_missing(raw: str) -> None:
    assert code_countries([raw]).table.column("country_method").to_pylist() == ["missing"]


def test_groups_for_tabulation_match_the_unsd_overview() -> None:
    if not M49_FILE.is_file():
        pytest.skip(f"official M49 overview not available at {M49_FILE}")
    with M49_FILE.open(encoding="utf-8-sig", newline="") as handle:
        official = {r["ISO-alpha3 Code"]: r for r in csv.DictReader(handle)}
    groups = {r["iso3"]: r for r in country_groups().to_pylist()}
    assert {k for k, r in groups.items() if r["is_m49"]} == set(official)
    for iso3, row in official.items():
        ours = groups[iso3]
        assert ours["m49"] == row["M49 Code"]
        assert (ours["region"] or "") == row["Region Name"]
        assert (ours["subregion"] or "") == row["Sub-region Name"]
        assert ours["sids"] == bool(row["Small Island Developing States (SIDS)"].strip())
        assert ours["ldc"] == bool(row["Least Developed Countries (LDC)"].strip())
        assert ours["lldc"] == bool(row["Land Locked Developing Countries (LLDC)"].strip())
