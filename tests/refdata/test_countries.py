"""Countries: checked field by field against the official UNSD M49 overview file."""

from __future__ import annotations

import csv
import doctest
from pathlib import Path

import pytest

from migstats.refdata import countries as mod
from migstats.refdata.countries import (
    ambiguous_demonyms,
    by_iso3,
    by_m49,
    countries,
    demonym_to_iso3,
    icao_categories,
    icao_to_iso3,
    name_to_iso3,
)

M49_FILE = Path(__file__).resolve().parents[3] / "shared" / "refdata" / "unsd_m49_overview_2024.csv"


@pytest.fixture(scope="module")
def official() -> dict[str, dict[str, str]]:
    if not M49_FILE.is_file():
        pytest.skip(f"official M49 overview not available at {M49_FILE}")
    with M49_FILE.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {row["M49 Code"]: row for row in rows}


def test_official_file_shape(official: dict[str, dict[str, str]]) -> None:
    assert len(official) == 248


def test_same_set_of_areas(official: dict[str, dict[str, str]]) -> None:
    ours = {c.m49 for c in countries() if c.is_m49}
    assert ours == set(official)
    assert len([c for c in countries() if c.is_m49]) == 248


FIELDS = [
    ("name", "Country or Area"),
    ("iso2", "ISO-alpha2 Code"),
    ("iso3", "ISO-alpha3 Code"),
    ("region_code", "Region Code"),
    ("region_name", "Region Name"),
    ("subregion_code", "Sub-region Code"),
    ("subregion_name", "Sub-region Name"),
    ("intermediate_region_code", "Intermediate Region Code"),
    ("intermediate_region_name", "Intermediate Region Name"),
]
FLAGS = [
    ("ldc", "Least Developed Countries (LDC)"),
    ("lldc", "Land Locked Developing Countries (LLDC)"),
    ("sids", "Small Island Developing States (SIDS)"),
]


@pytest.mark.parametrize(("attr", "column"), FIELDS)
def test_field_matches_official(
    official: dict[str, dict[str, str]], attr: str, column: str
) -> None:
    mismatches = {
        c.m49: (getattr(c, attr), official[c.m49][column])
        for c in countries()
        if c.is_m49 and c.m49 in official and getattr(c, attr) != official[c.m49][column]
    }
    assert mismatches == {}


@pytest.mark.parametrize(("attr", "column"), FLAGS)
def test_flag_matches_official(official: dict[str, dict[str, str]], attr: str, column: str) -> None:
    mismatches = {
        c.m49: (c.iso3, getattr(c, attr), official[c.m49][column])
        for c in countries()
        if c.is_m49 and getattr(c, attr) != (official[c.m49][column].strip().lower() == "x")
    }
    assert mismatches == {}


def test_every_field_is_typed_and_padded() -> None:
    for c in countries():
        if c.is_m49:
            assert len(c.m49) == 3 and c.m49.isdigit()
            assert len(c.iso3) == 3
        else:
            assert c.m49 == ""
            assert not (c.ldc or c.lldc or c.sids)
        assert c.icao
        assert (c.region_code == "") == (c.region_name == "")
        assert (c.subregion_code == "") == (c.subregion_name == "")
    assert len({c.iso3 for c in countries()}) == len(countries())


def test_non_m49_entries() -> None:
    kosovo = by_iso3("XKX")
    assert (kosovo.is_m49, kosovo.m49, kosovo.icao) == (False, "", "RKS")
    for code in ("XXA", "XXB", "XXC", "XXX"):
        c = by_iso3(code)
        assert c.is_m49 is False
        assert c.m49 == ""
        assert c.icao == code
    assert by_iso3("XXA").short_name == "Stateless"


def test_lookup_by_m49_forms() -> None:
    assert by_m49("50").iso3 == "BGD"
    assert by_m49("050").iso3 == "BGD"
    assert by_m49(50).iso3 == "BGD"
    assert by_m49(4).iso3 == "AFG"
    assert by_m49("462").name == "Maldives"


def test_lookup_errors_are_helpful() -> None:
    with pytest.raises(KeyError, match="ZZZ"):
        by_iso3("ZZZ")
    with pytest.raises(KeyError, match="999"):
        by_m49(999)
    with pytest.raises(KeyError, match="digits"):
        by_m49("abc")
    assert by_iso3("bgd").iso3 == "BGD"


def test_known_names() -> None:
    gbr = by_iso3("GBR")
    assert gbr.name == "United Kingdom of Great Britain and Northern Ireland"
    assert gbr.short_name == "United Kingdom"
    assert by_iso3("RUS").short_name == "Russia"
    assert by_iso3("IRN").short_name == "Iran"


def test_icao_specials() -> None:
    icao = icao_to_iso3()
    assert icao["D"] == "DEU"
    assert by_iso3("DEU").icao == "D"
    for code in ("GBD", "GBN", "GBO", "GBP", "GBS"):
        assert icao[code] == "GBR"
        assert code in icao_categories()
    assert icao["RKS"] == "XKX"
    for code in ("XXA", "XXB", "XXC", "XXX"):
        assert icao[code] == code
    for code in ("UNO", "UNA", "UNK"):
        assert icao[code] == "XXX"
    iso3s = {c.iso3 for c in countries()}
    for c in countries():
        assert icao[c.iso3] == c.iso3
    assert set(icao.values()) <= iso3s
    # The ICAO code of every country equals its alpha-3 code except Germany and Kosovo.
    assert {c.iso3 for c in countries() if c.icao != c.iso3} == {"DEU", "XKX"}


def test_demonyms() -> None:
    d = demonym_to_iso3()
    expected = {
        "british": "GBR",
        "indian": "IND",
        "nepali": "NPL",
        "nepalese": "NPL",
        "maldivian": "MDV",
        "bangladeshi": "BGD",
        "sri lankan": "LKA",
        "chinese": "CHN",
        "filipino": "PHL",
        "philippine": "PHL",
        "american": "USA",
        "dutch": "NLD",
        "pakistani": "PAK",
        "russian": "RUS",
        "german": "DEU",
        "italian": "ITA",
        "indonesian": "IDN",
        "kosovar": "XKX",
        "stateless": "XXA",
    }
    assert {k: d.get(k) for k in expected} == expected
    assert "congolese" not in d
    assert set(ambiguous_demonyms()["congolese"]) == {"COD", "COG"}
    assert set(d).isdisjoint(ambiguous_demonyms())
    # Every inhabited M49 country has at least one demonym.
    uninhabited = {"ATA", "BVT", "HMD", "SGS", "ATF", "UMI", "SJM"}
    missing = [c.iso3 for c in countries() if c.is_m49 and not c.demonyms]
    assert set(missing) <= uninhabited
    # Keys are lower case.
    assert all(k == k.lower() for k in d)


def test_names() -> None:
    n = name_to_iso3()
    expected = {
        "united kingdom of great britain and northern ireland": "GBR",
        "uk": "GBR",
        "great britain": "GBR",
        "russia": "RUS",
        "russian federation": "RUS",
        "south korea": "KOR",
        "korea, republic of": "KOR",
        "republic of korea": "KOR",
        "iran": "IRN",
        "viet nam": "VNM",
        "vietnam": "VNM",
        "turkey": "TUR",
        "türkiye": "TUR",
        "czech republic": "CZE",
        "czechia": "CZE",
        "ivory coast": "CIV",
        "côte d’ivoire": "CIV",
        "cote d'ivoire": "CIV",
        "swaziland": "SWZ",
        "burma": "MMR",
        "laos": "LAO",
        "syria": "SYR",
        "tanzania": "TZA",
        "bolivia": "BOL",
        "venezuela": "VEN",
        "moldova": "MDA",
        "palestine": "PSE",
        "macedonia": "MKD",
        "north macedonia": "MKD",
        "holland": "NLD",
        "bangladesh": "BGD",
        "maldives": "MDV",
        "kosovo": "XKX",
    }
    assert {k: n.get(k) for k in expected} == expected
    for c in countries():
        assert n[c.name.lower()] == c.iso3
        assert n[c.short_name.lower()] == c.iso3


def test_official_names_resolve(official: dict[str, dict[str, str]]) -> None:
    n = name_to_iso3()
    for row in official.values():
        assert n[row["Country or Area"].lower()] == row["ISO-alpha3 Code"]


def test_version_metadata() -> None:
    assert mod.VERSION.startswith("M49-")
    assert mod.VALID_FROM.year >= 2024


def test_doctests() -> None:
    result = doctest.testmod(mod)
    assert result.failed == 0
    assert result.attempted > 0
