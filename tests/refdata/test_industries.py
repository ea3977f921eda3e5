"""ISIC Rev.4: structure counts and titles as published by UNSD (Statistical Papers,
Series M No. 4/Rev.4)."""

from __future__ import annotations

import doctest
import string

import pytest

from migstats.refdata import industries as mod
from migstats.refdata.industries import (
    alias_notes,
    by_code,
    children,
    industry_aliases,
    isic4,
    normalise_title,
    parent,
    section_of,
)


def test_version() -> None:
    assert mod.VERSION == "ISIC-4"


def test_structure_counts() -> None:
    # UNSD, ISIC Rev.4: 21 sections, 88 divisions, 238 groups and 419 classes.
    levels = [g.level for g in isic4()]
    assert levels.count(1) == 21
    assert levels.count(2) == 88
    assert levels.count(3) == 238
    assert levels.count(4) == 419


def test_sections_are_a_to_u() -> None:
    assert [g.code for g in isic4() if g.level == 1] == list(string.ascii_uppercase[:21])


def test_codes_and_parents() -> None:
    codes = [g.code for g in isic4()]
    assert len(set(codes)) == len(codes)
    for g in isic4():
        if g.level == 1:
            assert parent(g.code) is None
            continue
        assert g.code.isdigit() and len(g.code) == g.level
        up = parent(g.code)
        assert up is not None
        if g.level == 2:
            assert up.level == 1
        else:
            assert up.code == g.code[:-1]
    for g in isic4():
        if g.level < 4:
            assert children(g.code), g.code


# Division ranges of each section (ISIC Rev.4 broad structure).
SECTION_DIVISIONS = {
    "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43),
    "G": (45, 47), "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68),
    "M": (69, 75), "N": (77, 82), "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93),
    "S": (94, 96), "T": (97, 98), "U": (99, 99),
}  # fmt: skip


def test_sections_hold_their_divisions() -> None:
    got = {}
    for section, (lo, hi) in SECTION_DIVISIONS.items():
        got[section] = sorted(int(g.code) for g in children(section))
        assert all(lo <= d <= hi for d in got[section]), section
    assert sum(len(v) for v in got.values()) == 88
    assert section_of("0311") == "A"
    assert section_of("5510") == "I"
    assert section_of("9700") == "T"


KNOWN_TITLES = {
    "A": "Agriculture, forestry and fishing",
    "F": "Construction",
    "I": "Accommodation and food service activities",
    "0311": "Marine fishing",
    "1020": "Processing and preserving of fish, crustaceans and molluscs",
    "4100": "Construction of buildings",
    "5510": "Short term accommodation activities",
    "5610": "Restaurants and mobile food service activities",
    "8510": "Pre-primary and primary education",
    "9700": "Activities of households as employers of domestic personnel",
    "9900": "Activities of extraterritorial organizations and bodies",
}


@pytest.mark.parametrize(("code", "title"), sorted(KNOWN_TITLES.items()))
def test_known_titles(code: str, title: str) -> None:
    assert by_code(code).title == title


def test_by_code_errors() -> None:
    with pytest.raises(KeyError, match="ISIC-4"):
        by_code("9999")
    assert by_code("i").code == "I"


def test_aliases() -> None:
    aliases = industry_aliases()
    allowed = {g.code for g in isic4() if g.level <= 2}
    assert set(aliases.values()) <= allowed
    for key in aliases:
        assert normalise_title(key) == key
    assert set(alias_notes()) <= set(aliases)
    expected_section = {
        "construction": "F",
        "tourism": "I",
        "resort": "I",
        "hotel": "I",
        "guest house": "I",
        "fishing": "A",
        "fisheries": "A",
        "education": "P",
        "health": "Q",
        "retail": "G",
        "wholesale": "G",
        "transport": "H",
        "manufacturing": "C",
    }
    assert {k: section_of(aliases[k]) for k in expected_section} == expected_section
    assert by_code(aliases["resort"]).title == "Accommodation"
    assert by_code(aliases["fishing"]).title == "Fishing and aquaculture"
    assert by_code(aliases["retail"]).title.startswith("Retail trade")


def test_doctests() -> None:
    result = doctest.testmod(mod)
    assert result.failed == 0
    assert result.attempted > 0
