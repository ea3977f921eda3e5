"""ISCO-08: structure counts and titles as published by the ILO (ISCO-08, Vol. I)."""

from __future__ import annotations

import doctest

import pytest

from migstats.refdata import occupations as mod
from migstats.refdata.occupations import (
    OccupationGroup,
    alias_notes,
    by_code,
    children,
    isco08,
    normalise_title,
    occupation_aliases,
    parent,
)


def test_version() -> None:
    assert mod.VERSION == "ISCO-08"


def test_structure_counts() -> None:
    # ILO, ISCO-08 Volume I: 10 major, 43 sub-major, 130 minor and 436 unit groups.
    levels = [g.level for g in isco08()]
    assert levels.count(1) == 10
    assert levels.count(2) == 43
    assert levels.count(3) == 130
    assert levels.count(4) == 436
    assert len(isco08()) == 10 + 43 + 130 + 436


def test_codes_unique_digits_and_levels() -> None:
    codes = [g.code for g in isco08()]
    assert len(set(codes)) == len(codes)
    for g in isco08():
        assert g.code.isdigit()
        assert len(g.code) == g.level
        assert g.title and g.title == g.title.strip()


def test_major_groups() -> None:
    assert sorted(g.code for g in isco08() if g.level == 1) == list("0123456789")
    assert by_code("0").title == "Armed forces occupations"
    assert by_code("9").title == "Elementary occupations"


def test_parent_child_consistency() -> None:
    codes = {g.code for g in isco08()}
    for g in isco08():
        if g.level > 1:
            assert g.code[:-1] in codes, g.code
        else:
            assert parent(g.code) is None
    # every non-unit group has at least one child
    for g in isco08():
        if g.level < 4:
            assert children(g.code), g.code


# Official titles (ILO, ISCO-08 structure).
KNOWN_TITLES = {
    "9313": "Building construction labourers",
    "5120": "Cooks",
    "5131": "Waiters",
    "2211": "Generalist medical practitioners",
    "2341": "Primary school teachers",
    "6222": "Inland and coastal waters fishery workers",
    "8322": "Car, taxi and van drivers",
    "9112": "Cleaners and helpers in offices, hotels and other establishments",
    "3434": "Chefs",
    "5414": "Security guards",
    "2411": "Accountants",
    "7115": "Carpenters and joiners",
    "7411": "Building and related electricians",
    "7212": "Welders and flame cutters",
    "4224": "Hotel receptionists",
    "1411": "Hotel managers",
    "8350": "Ships' deck crews and related workers",
    "0110": "Commissioned armed forces officers",
}


@pytest.mark.parametrize(("code", "title"), sorted(KNOWN_TITLES.items()))
def test_known_titles(code: str, title: str) -> None:
    assert by_code(code).title == title


def test_by_code_errors() -> None:
    with pytest.raises(KeyError, match="ISCO-08"):
        by_code("9999")
    assert isinstance(by_code(" 5131 "), OccupationGroup)


def test_normalise_title() -> None:
    assert normalise_title("  Construction   LABOURER ") == "construction labourer"
    assert normalise_title("I.T. Technician") == "i t technician"
    assert normalise_title("IT-technician") == "it technician"
    assert normalise_title("F&B Attendant") == "f and b attendant"
    assert normalise_title("Chef de Partie (Hot Kitchen)") == "chef de partie hot kitchen"


def test_aliases_point_at_unit_groups() -> None:
    aliases = occupation_aliases()
    assert len(aliases) >= 150
    units = {g.code for g in isco08() if g.level == 4}
    assert set(aliases.values()) <= units
    for key in aliases:
        assert normalise_title(key) == key
    assert set(alias_notes()) <= set(aliases)


REQUIRED_ALIASES = [
    "construction labourer", "construction worker", "labourer", "mason", "carpenter",
    "electrician", "plumber", "welder", "painter", "steel fixer", "cook", "chef",
    "commis chef", "waiter", "waitress", "bartender", "barista", "room attendant",
    "room boy", "housekeeping attendant", "cleaner", "housemaid", "domestic worker",
    "gardener", "landscaper", "fisherman", "driver", "boat driver", "boat captain",
    "mechanic", "accountant", "teacher", "primary teacher", "secondary teacher",
    "lecturer", "doctor", "nurse", "pharmacist", "engineer", "civil engineer",
    "site supervisor", "manager", "sales assistant", "shop assistant", "cashier",
    "security guard", "spa therapist", "dive instructor", "receptionist", "it technician",
]  # fmt: skip


def test_required_aliases_present() -> None:
    aliases = occupation_aliases()
    assert [a for a in REQUIRED_ALIASES if a not in aliases] == []


def test_alias_codes_agree_with_titles() -> None:
    # The alias is coded to the unit group whose official title names that job.
    aliases = occupation_aliases()
    expected_title = {
        "construction labourer": "Building construction labourers",
        "cook": "Cooks",
        "waiter": "Waiters",
        "bartender": "Bartenders",
        "doctor": "Generalist medical practitioners",
        "primary teacher": "Primary school teachers",
        "secondary teacher": "Secondary education teachers",
        "lecturer": "University and higher education teachers",
        "nurse": "Nursing professionals",
        "pharmacist": "Pharmacists",
        "civil engineer": "Civil engineers",
        "accountant": "Accountants",
        "security guard": "Security guards",
        "cashier": "Cashiers and ticket clerks",
        "shop assistant": "Shop sales assistants",
        "fisherman": "Inland and coastal waters fishery workers",
        "plumber": "Plumbers and pipe fitters",
        "welder": "Welders and flame cutters",
        "chef": "Chefs",
        "housemaid": "Domestic cleaners and helpers",
        "room attendant": "Cleaners and helpers in offices, hotels and other establishments",
        "site supervisor": "Construction supervisors",
        "hotel receptionist": "Hotel receptionists",
    }
    got = {alias: by_code(aliases[alias]).title for alias in expected_title}
    assert got == expected_title


def test_doctests() -> None:
    result = doctest.testmod(mod)
    assert result.failed == 0
    assert result.attempted > 0
