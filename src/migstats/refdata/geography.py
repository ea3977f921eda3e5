"""Maldives geography: the 20 administrative atolls plus Malé City, and islands.

Codes are the atolls' letter codes (HA, HDh, Sh, N, R, B, Lh, K, AA, ADh, V, M, F, Dh,
Th, L, GA, GDh, Gn, S) plus ``MC`` for Malé City. Islands carry a code
``<atoll><nn>``, their kind (inhabited, resort, industrial, airport) and the variant
spellings met in agency extracts. ``valid_from``/``valid_to`` are empty when no change
is known within the list's validity; a council or city change is a new row with dates.

>>> atoll("K").name
'Kaafu'
>>> island_by_code("MC02").name
'Hulhumalé'
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

VERSION = "MV-GEO-2024.1"
#: First day the list is asserted for (the synthetic and demo periods start in 2019).
VALID_FROM = date(2019, 1, 1)


@dataclass(frozen=True)
class Atoll:
    """An administrative atoll (or Malé City)."""

    code: str
    name: str
    official_name: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True)
class Island:
    """An island with its atoll, kind and variant spellings."""

    code: str
    atoll_code: str
    name: str
    kind: str
    variants: tuple[str, ...]


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("migstats.refdata").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _opt_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def atolls() -> tuple[Atoll, ...]:
    """The 20 administrative atolls and Malé City, in the official north-to-south order."""
    return tuple(
        Atoll(
            r["atoll_code"],
            r["name"],
            r["official_name"],
            _opt_date(r["valid_from"]),
            _opt_date(r["valid_to"]),
        )
        for r in _read("maldives_atolls.csv")
    )


@cache
def islands() -> tuple[Island, ...]:
    """Islands known to the list (inhabited, resort, industrial and airport islands)."""
    return tuple(
        Island(
            r["island_code"],
            r["atoll_code"],
            r["name"],
            r["kind"],
            tuple(v for v in r["variants"].split("|") if v),
        )
        for r in _read("maldives_islands.csv")
    )


def atoll(code: str) -> Atoll:
    """The atoll with this letter code (``KeyError`` naming the known codes otherwise)."""
    for a in atolls():
        if a.code == code:
            return a
    raise KeyError(f"unknown atoll code {code!r}; known: {', '.join(a.code for a in atolls())}")


def island_by_code(code: str) -> Island:
    """The island with this code."""
    for i in islands():
        if i.code == code:
            return i
    raise KeyError(f"unknown island code {code!r}")
