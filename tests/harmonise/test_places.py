"""Places: Maldives island and atoll codes from codes, names and variant spellings."""

from __future__ import annotations

from datetime import date

import pytest

from migstats.harmonise import PlaceCoder, code_places
from migstats.harmonise.places import phonetic_key
from migstats.refdata import geography


@pytest.mark.parametrize(
    ("raw", "island", "atoll"),
    [
        ("K02", "K02", "K"),
        ("k2", "K02", "K"),
        ("Maafushi", "K02", "K"),
        ("MAAFUSHI", "K02", "K"),
        ("Maafushee", "K02", "K"),
        ("K. Maafushi", "K02", "K"),
        ("K.Maafushi", "K02", "K"),
        ("Maafushi (K)", "K02", "K"),
        ("Maafushi, Kaafu", "K02", "K"),
        ("Kaafu Maafushi", "K02", "K"),
        ("MC. Vilimalé", "MC03", "MC"),
        ("Vilimale", "MC03", "MC"),
        ("Malé", "MC01", "MC"),
        ("Male'", "MC01", "MC"),
        ("Hulhumalé", "MC02", "MC"),
        ("Hulhu Male", "MC02", "MC"),
        ("HDh. Kulhudhuffushi", "HDh01", "HDh"),
        ("S. Meedhoo (Addu)", "S05", "S"),
        ("Dh. Meedhoo", "Dh02", "Dh"),
    ],
)
def test_codes_to_the_right_island(raw: str, island: str, atoll: str) -> None:
    decision = PlaceCoder().decide(raw)
    assert decision.code == island
    assert decision.method in {"exact", "rule"}
    assert PlaceCoder().expand(island) == (island, atoll)


@pytest.mark.parametrize(
    ("raw", "atoll"),
    [("K", "K"), ("Kaafu", "K"), ("Male Atoll", "K"), ("Seenu", "S"), ("Addu", "S")],
)
def test_an_atoll_alone_codes_the_atoll_only(raw: str, atoll: str) -> None:
    t = code_places([raw]).table
    assert t.column("island_code").to_pylist() == [None]
    assert t.column("atoll_code").to_pylist() == [atoll]


def test_every_listed_island_and_variant_codes_to_itself() -> None:
    for island in geography.islands():
        for name in (island.code, island.name, *island.variants):
            assert PlaceCoder().decide(name).code == island.code, name


def test_qualifier_naming_another_atoll_goes_to_review() -> None:
    decision = PlaceCoder().decide("B. Maafushi")
    assert decision.method == "review"
    assert [c.code for c in decision.candidates] == ["K02"]


def test_unknown_place_is_not_coded_but_similar_names_are_proposed() -> None:
    decision = PlaceCoder().decide("Mafushy Island")
    assert decision.code is None
    assert decision.candidates and decision.candidates[0].code == "K02"


def test_spelling_shared_by_two_islands_is_left_for_review() -> None:
    decision = PlaceCoder().decide("Vilingilli")  # Villingili (GA) or Vilingili (Malé)
    assert decision.method == "review"
    assert {c.code for c in decision.candidates} == {"GA01", "MC03"}


def test_phonetic_key_folds_transliteration_variants() -> None:
    assert phonetic_key("Thimarafushi") == phonetic_key("Timarafushee")


def test_reference_date_outside_an_atolls_validity_sends_it_to_review(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from migstats.harmonise import places

    old = places._atolls()["K"]
    ended = geography.Atoll(old.code, old.name, old.official_name, None, date(2020, 12, 31))
    monkeypatch.setattr(places, "_atolls", lambda: {**geography_atolls(), "K": ended})
    assert PlaceCoder(on=date(2020, 6, 1)).decide("K. Maafushi").code == "K02"
    after = PlaceCoder(on=date(2021, 1, 1)).decide("K. Maafushi")
    assert after.method == "review"
    assert after.candidates[0].code == "K02"


def geography_atolls() -> dict[str, geography.Atoll]:
    return {a.code: a for a in geography.atolls()}
