"""Visa and permit types to purposes of stay."""

from __future__ import annotations

import pytest

from migstats.harmonise import PURPOSES, PurposeCoder, code_purposes


@pytest.mark.parametrize(
    ("raw", "purpose"),
    [
        ("Work Visa", "work"),
        ("WORK", "work"),
        ("Dependent Visa", "family"),
        ("DEPENDENT", "family"),
        ("Resident Visa (Marriage)", "family"),
        ("RESIDENT", "residence"),
        ("Tourist Visa Extension", "tourism"),
        ("TOURIST", "tourism"),
        ("Business Visa", "business"),
        ("BUSINESS", "business"),
        ("Student Visa", "study"),
        ("STUDENT", "study"),
        ("Spouse of a Maldivian (resident permit)", "family"),
    ],
)
def test_purposes(raw: str, purpose: str) -> None:
    assert PurposeCoder().decide(raw).code == purpose


def test_citizens_have_no_purpose() -> None:
    t = code_purposes(["CITIZEN"], column="visa_type", prefix="purpose").table
    assert t.column("purpose").to_pylist() == [None]
    assert t.column("purpose_method").to_pylist() == ["not_applicable"]


def test_overrides_must_be_a_purpose() -> None:
    assert all(PurposeCoder().is_valid(p) for p in PURPOSES)
    assert not PurposeCoder().is_valid("holiday")
