"""Industries to ISIC Rev.4 sections and divisions."""

from __future__ import annotations

import pytest

from migstats.harmonise import IndustryCoder, code_industries


@pytest.mark.parametrize(
    ("raw", "isic", "section"),
    [
        ("Construction", "F", "F"),
        ("Resort", "55", "I"),
        ("Guest House", "55", "I"),
        ("Tourism - Resort", "55", "I"),
        ("Electrical and plumbing works", "43", "F"),
        ("Vehicle repair", "45", "G"),
        ("Audit firm", "69", "M"),
        ("Architecture and engineering", "71", "M"),
        ("Gardening services", "81", "N"),
        ("Diving centre", "93", "R"),
        ("Household", "97", "T"),
        ("55", "55", "I"),
        ("5510", "5510", "I"),
        ("3", "03", "A"),
        ("f", "F", "F"),
    ],
)
def test_industries(raw: str, isic: str, section: str) -> None:
    t = code_industries([raw]).table
    assert t.column("industry_isic").to_pylist() == [isic]
    assert t.column("industry_section").to_pylist() == [section]


@pytest.mark.parametrize("raw", ["00", "9999", "V"])
def test_invalid_codes_are_not_coded(raw: str) -> None:
    assert IndustryCoder().decide(raw).method == "uncoded"


def test_activities_that_do_not_nest_are_left_for_review() -> None:
    assert IndustryCoder().decide("Resort & Spa").method == "review"
