"""Occupations to ISCO-08 unit groups: alias table first, then rules, fuzzy only for review."""

from __future__ import annotations

import pytest

from migstats.harmonise import OccupationCoder, code_occupations
from migstats.refdata.occupations import isco08


@pytest.mark.parametrize(
    ("raw", "isco", "method"),
    [
        ("Construction worker", "9313", "exact"),
        ("CONSTRUCTION WORKER", "9313", "exact"),
        ("Room Boy", "9112", "exact"),
        ("Waitress", "5131", "exact"),
        ("Cooks", "5120", "exact"),  # the unit group's own title
        ("Building construction labourers", "9313", "exact"),
        ("Carpenter (construction)", "7115", "rule"),
        ("Cook (restaurant)", "5120", "rule"),
        ("Engineer (civil)", "2142", "rule"),
        ("Asst. Cook", "5120", "rule"),
        ("Scuba instructor", "3423", "rule"),
        ("Fishing crew", "6222", "rule"),
        ("Waiter/Waitress", "5131", "rule"),
    ],
)
def test_titles(raw: str, isco: str, method: str) -> None:
    decision = OccupationCoder().decide(raw, None)
    assert (decision.code, decision.method) == (isco, method)


def test_title_coded_by_a_default_has_lower_confidence() -> None:
    decision = OccupationCoder().decide("Labourer", None)
    assert decision.code == "9313"
    assert decision.confidence is not None and decision.confidence < 0.85


@pytest.mark.parametrize(
    ("raw", "industry", "isco"),
    [
        ("Receptionist", None, "4226"),  # Receptionists (general)
        ("Receptionist", "55", "4224"),  # Hotel receptionists
        ("Receptionist", "5510", "4224"),
        ("Gardener", "01", "6113"),
        ("Gardener", "81", "9214"),
        ("Massage therapist", "86", "3255"),
        ("Massage therapist", "96", "5142"),
    ],
)
def test_industry_context_rules(raw: str, industry: str | None, isco: str) -> None:
    assert OccupationCoder().decide(raw, industry).code == isco


def test_isco_codes_are_checked_against_the_structure() -> None:
    t = code_occupations(["9313", "931", "0110", "9999", "12345"]).table
    assert t.column("occupation_isco").to_pylist() == ["9313", "931", "0110", None, None]
    assert t.column("occupation_method").to_pylist()[:3] == ["exact"] * 3


def test_every_unit_group_code_is_valid() -> None:
    units = [g.code for g in isco08() if g.level == 4]
    t = code_occupations(units).table
    assert t.column("occupation_isco").to_pylist() == units


def test_misspelt_title_is_proposed_not_coded() -> None:
    decision = OccupationCoder().decide("Bricklayr", None)
    assert decision.code is None
    assert decision.method == "review"
    assert decision.candidates[0].code == "7112"
    assert 0 < decision.candidates[0].score <= 100


def test_alternatives_naming_two_groups_go_to_review_with_both() -> None:
    decision = OccupationCoder().decide("Cook/Cleaner", None)
    assert decision.method == "review"
    assert [c.code for c in decision.candidates] == ["5120", "9112"]
