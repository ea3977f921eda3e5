"""Industries (free text or codes) to ISIC Rev.4 sections and divisions.

In this order:

1. codes: a section letter (``"F"``) or 2 to 4 digits (``"55"``, ``"5510"``; one digit
   is zero-padded, ``"3"`` -> ``"03"``), checked against ISIC Rev.4: ``exact``;
2. the alias table of :mod:`migstats.refdata.industries` and the ISIC titles of every
   level, after :func:`~migstats.refdata.occupations.normalise_title`: ``exact``
   (confidence 0.85 for aliases that are not ISIC categories, such as "tourism");
3. rules, each looked up exactly: phrases from ``data/industry_rules.csv``
   ("gardening"), the rewrites of :func:`~migstats.harmonise.textrules.title_variants`,
   organisation words dropped ("Audit firm", "Diving centre"), and lists split on
   "and", "&", "-", "/", "," ("Tourism - Resort", "Electrical and plumbing works") when
   every part is coded and the parts nest (the most detailed is kept): ``rule``;
4. otherwise similar names are proposed for review, never coded.

The coded value keeps its level: ``industry_isic`` is a section letter or a division
(or deeper), ``industry_section`` is always the section.

>>> t = code_industries(["Resort", "Tourism - Resort", "Construction", "55", "Audit firm"]).table
>>> t.column("industry_isic").to_pylist()
['55', '55', 'F', '55', '69']
>>> t.column("industry_section").to_pylist()
['I', 'I', 'F', 'I', 'M']
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa
from rapidfuzz import fuzz

from migstats.harmonise.codebook import (
    EXACT,
    RULE,
    UNCODED,
    CodedColumn,
    Decision,
    Overrides,
    code_column,
    fuzzy_candidates,
    review,
)
from migstats.harmonise.textrules import sorted_key, title_variants
from migstats.refdata import industries as ref
from migstats.refdata.occupations import normalise_title

__all__ = ["IndustryCoder", "code_industries", "industry_rules"]

_SECTION = re.compile(r"[A-Za-z]")
_DIGITS = re.compile(r"\d{1,4}(?:\.0+)?")
_SPLIT = re.compile(r"\s+(?:and|&)\s+|\s*[-/,;+]\s+|\s+[-/]\s*|\s*/\s*")
_ORGANISATION_WORDS = frozenset(
    {
        "firm",
        "company",
        "co",
        "pvt",
        "ltd",
        "private",
        "limited",
        "llc",
        "inc",
        "business",
        "businesses",
        "sector",
        "center",
        "centre",
        "enterprise",
        "enterprises",
        "services",
        "service",
        "activities",
        "works",
        "work",
        "factory",
        "firms",
        "companies",
    }
)


@cache
def industry_rules() -> dict[str, str]:
    """Phrase -> ISIC code from ``data/industry_rules.csv``.

    >>> industry_rules()["gardening"]
    '81'
    """
    text = resources.files("migstats.harmonise").joinpath("data", "industry_rules.csv")
    rows = csv.DictReader(io.StringIO(text.read_text(encoding="utf-8")))
    return {normalise_title(r["phrase"]): r["code"] for r in rows}


@cache
def _exact() -> dict[str, str]:
    table: dict[str, str] = {}
    for g in ref.isic4():  # broadest level first: a title repeated below keeps its top code
        table.setdefault(normalise_title(g.title), g.code)
    table.update(ref.industry_aliases())
    return table


@cache
def _sorted() -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for key, code in {**_exact(), **industry_rules()}.items():
        found.setdefault(sorted_key(key), set()).add(code)
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


@cache
def _choices() -> dict[str, str]:
    return {k: v for k, v in _exact().items() if len(k) > 2}


def _is_within(inner: str, outer: str) -> bool:
    """Whether ``inner`` is ``outer`` or one of its descendants."""
    if inner == outer:
        return True
    if len(outer) == 1:
        return ref.section_of(inner) == outer
    return inner.startswith(outer)


def _most_detailed(codes: list[str]) -> str | None:
    """The most detailed code when all codes nest in it, else ``None``."""
    deepest = max(codes, key=lambda c: (ref.by_code(c).level, c))
    return deepest if all(_is_within(deepest, c) for c in codes) else None


class IndustryCoder:
    """Coder of industries (classification ``industry``).

    >>> IndustryCoder().decide("Electrical and plumbing works", None).code
    '43'
    """

    classification = "industry"
    fields = pa.schema([("isic", pa.string()), ("section", pa.string())])
    version = ref.VERSION

    def key(self, raw: str) -> str:
        """The normalised name (override key)."""
        return normalise_title(raw)

    def decide(self, raw: str, context: str | None = None) -> Decision:
        """Code one value (``context`` is not used)."""
        text = raw.strip()
        if _SECTION.fullmatch(text) or _DIGITS.fullmatch(text):
            return self._code(text)
        key = normalise_title(text)
        if not key:
            return Decision(None, UNCODED, rule="no letters")
        code = _exact().get(key)
        if code is not None:
            notes = ref.alias_notes()
            return Decision(code, EXACT, 0.85 if key in notes else 1.0, rule="alias or title")
        found = self._rules(text, key)
        if found is not None:
            return found
        candidates = fuzzy_candidates(key, _choices(), self.label, scorer=fuzz.WRatio, cutoff=80.0)
        return review(candidates, "similar names")

    def _code(self, text: str) -> Decision:
        code = text.partition(".")[0].upper()
        if code.isdigit() and len(code) == 1:
            code = code.zfill(2)
        if self.is_valid(code):
            return Decision(code, EXACT, 1.0, rule=f"{self.version} code")
        return Decision(None, UNCODED, rule=f"not a {self.version} code")

    def _lookup(self, key: str) -> str | None:
        return _exact().get(key) or industry_rules().get(key) or _sorted().get(sorted_key(key))

    def _rules(self, text: str, key: str) -> Decision | None:
        forms = [(key, "phrase rule"), *title_variants(text)]
        for form, rule in forms:
            code = self._lookup(form)
            if code is not None:
                return Decision(code, RULE, 0.9, rule=rule)
            trimmed = " ".join(t for t in form.split() if t not in _ORGANISATION_WORDS)
            if trimmed and trimmed != form and (code := self._lookup(trimmed)) is not None:
                return Decision(code, RULE, 0.9, rule="organisation words dropped")
        return self._split(text)

    def _split(self, text: str) -> Decision | None:
        parts = [normalise_title(p) for p in _SPLIT.split(text.strip())]
        parts = [p for p in parts if p]
        if len(parts) < 2:
            return None
        head = parts[-1].split()[-1]
        codes: list[str] = []
        for part in parts:
            code = self._lookup(part) or self._lookup(f"{part} {head}")
            if code is None:
                return None
            codes.append(code)
        best = _most_detailed(codes)
        if best is None:
            return None
        return Decision(best, RULE, 0.85, rule="list of nested activities")

    def expand(self, code: str) -> tuple[Any, ...]:
        """``(isic, section)``."""
        return (code, ref.section_of(code))

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` is an ISIC Rev.4 section, division, group or class."""
        try:
            ref.by_code(code)
        except KeyError:
            return False
        return True

    def label(self, code: str) -> str:
        """The official title."""
        return ref.by_code(code).title


def code_industries(
    values: pa.Array | pa.ChunkedArray | Sequence[Any],
    *,
    column: str = "industry",
    overrides: Overrides | None = None,
) -> CodedColumn:
    """Code a column of industry names or ISIC codes.

    The result's table has ``<column>_isic``, ``<column>_section``, ``<column>_method``
    and ``<column>_confidence``.

    >>> code_industries(["F", "3", "Gardening services"]).table.column(
    ...     "industry_isic").to_pylist()
    ['F', '03', '81']
    """
    return code_column(IndustryCoder(), values, column=column, overrides=overrides)
