"""Occupations (free text or codes) to ISCO-08 unit groups, with a confidence.

In this order:

1. codes (``"9313"``, ``"931"``): checked against the code list; a valid code is kept at
   its level (``exact``); an unknown code goes to review with the unit groups under its
   longest valid prefix;
2. context rules from ``data/occupation_rules.csv`` when the industry says more than
   the title (a receptionist in accommodation, ISIC 55, is a hotel receptionist 4224):
   ``rule``, confidence 0.95;
3. the alias table of :mod:`migstats.refdata.occupations` and the unit-group titles,
   after :func:`~migstats.refdata.occupations.normalise_title`: ``exact``, confidence 1,
   or 0.8 for aliases that needed a default ("labourer", "teacher": not further
   specified), which are also listed for review;
4. phrase rules from ``data/occupation_rules.csv`` ("fishing crew") and the rewrites of
   :func:`~migstats.harmonise.textrules.title_variants` (parenthesised qualifiers,
   abbreviations, plurals, grade words, word order) looked up exactly: ``rule``, 0.9;
   alternatives ("Waiter/Waitress") that all code to one group: ``rule``, 0.85 (to
   different groups: review with each);
5. otherwise similar aliases and titles are proposed for review, with scores; never
   coded.

>>> t = code_occupations(["Room Boy", "Carpenter (construction)", "9313", "Bricklayr"]).table
>>> t.column("occupation_isco").to_pylist()
['9112', '7115', '9313', None]
>>> t.column("occupation_method").to_pylist()
['exact', 'rule', 'exact', 'review']
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa
from rapidfuzz import fuzz

from migstats.harmonise.codebook import (
    EXACT,
    RULE,
    UNCODED,
    Candidate,
    CodedColumn,
    Decision,
    Overrides,
    code_column,
    fuzzy_candidates,
    review,
)
from migstats.harmonise.reference import CodeList, builtin_isco
from migstats.harmonise.textrules import singular, sorted_key, title_variants
from migstats.refdata import industries as isic_ref
from migstats.refdata import occupations as isco_ref
from migstats.refdata.occupations import normalise_title

__all__ = ["OccupationCoder", "code_occupations", "occupation_rules"]

_CODE = re.compile(r"\d{1,4}(?:\.0+)?")
_ALTERNATIVES = re.compile(r"\s*/\s*|\s+or\s+|\s*,\s*|\s*&\s*|\s+and\s+", re.IGNORECASE)
NFS_CONFIDENCE = 0.8
"""Confidence of an alias coded by a default ("not further specified")."""


@dataclass(frozen=True)
class OccupationRule:
    """A coding rule: a normalised title, optionally only within an industry."""

    title: str
    industry: str
    code: str
    note: str


@cache
def occupation_rules() -> tuple[OccupationRule, ...]:
    """The context and phrase rules of ``data/occupation_rules.csv``.

    >>> [r.code for r in occupation_rules() if r.title == "receptionist"]
    ['4224', '4224']
    """
    text = resources.files("migstats.harmonise").joinpath("data", "occupation_rules.csv")
    rows = csv.DictReader(io.StringIO(text.read_text(encoding="utf-8")))
    return tuple(
        OccupationRule(normalise_title(r["title"]), r["industry"].strip(), r["code"], r["note"])
        for r in rows
    )


class _Index:
    """Exact look-up tables for one code list."""

    def __init__(self, codes: CodeList) -> None:
        units = set(codes.codes(4))
        notes = isco_ref.alias_notes()
        self.aliases = {k: v for k, v in isco_ref.occupation_aliases().items() if v in units}
        self.nfs = {k for k in self.aliases if "not further specified" in notes.get(k, "")}
        self.titles: dict[str, str] = {}
        for code in units:
            key = normalise_title(codes.title(code))
            for form in (key, " ".join(singular(t) for t in key.split())):
                self.titles.setdefault(form, code)
        self.context = {
            (r.title, r.industry): r.code
            for r in occupation_rules()
            if r.industry and r.code in units
        }
        self.phrases = {r.title: r.code for r in occupation_rules() if not r.industry}
        self.phrases = {k: v for k, v in self.phrases.items() if v in units}
        by_sorted: dict[str, set[str]] = {}
        for table in (self.aliases, self.titles, self.phrases):
            for key, code in table.items():
                by_sorted.setdefault(sorted_key(key), set()).add(code)
        self.sorted = {k: next(iter(v)) for k, v in by_sorted.items() if len(v) == 1}
        self.choices = {**self.titles, **self.aliases}


@cache
def _index(codes: CodeList) -> _Index:
    return _Index(codes)


def _industry_keys(context: str | None) -> list[str]:
    if not context:
        return []
    keys = [context]
    if context[:2].isdigit():
        keys.append(context[:2])
    with contextlib.suppress(KeyError):
        keys.append(isic_ref.section_of(context))
    return keys


class OccupationCoder:
    """Coder of occupations (classification ``occupation``), from a :class:`CodeList`.

    ``decide``'s context is the record's industry as an ISIC code (section letter or
    division), used by the context rules.

    >>> coder = OccupationCoder()
    >>> coder.decide("Receptionist", None).code, coder.decide("Receptionist", "55").code
    ('4226', '4224')
    """

    classification = "occupation"
    fields = pa.schema([("isco", pa.string())])

    def __init__(self, codes: CodeList | None = None) -> None:
        self.codes = codes or builtin_isco()
        self.version = self.codes.version
        self._ix = _index(self.codes)

    def key(self, raw: str) -> str:
        """The normalised title (override key)."""
        return normalise_title(raw)

    def decide(self, raw: str, context: str | None = None) -> Decision:
        """Code one title; ``context`` is the industry (ISIC code) or ``None``."""
        text = raw.strip()
        if _CODE.fullmatch(text):
            return self._code(text.partition(".")[0])
        key = normalise_title(text)
        if not key:
            return Decision(None, UNCODED, rule="no letters")
        industry = _industry_keys(context)
        found = self._lookup(key, industry, original=True)
        if found is not None:
            return found
        found = self._variants(text, industry)
        if found is not None:
            return found
        found = self._alternatives(text, industry)
        if found is not None:
            return found
        candidates = fuzzy_candidates(
            key, self._ix.choices, self.label, scorer=fuzz.WRatio, cutoff=75.0
        )
        return review(candidates, "similar titles")

    def _variants(self, text: str, industry: list[str]) -> Decision | None:
        for variant, rule in title_variants(text):
            found = self._lookup(variant, industry, original=False, rule=rule)
            if found is not None:
                return found
        return None

    def _alternatives(self, text: str, industry: list[str]) -> Decision | None:
        """ "Waiter/Waitress": coded when every alternative codes to the same group;
        "Cook/Cleaner" goes to review with each alternative's code."""
        parts = [p for p in _ALTERNATIVES.split(text) if normalise_title(p)]
        if len(parts) < 2:
            return None
        codes: list[str] = []
        for part in parts:
            key = normalise_title(part)
            found = self._lookup(key, industry, original=False) or self._variants(part, industry)
            if found is None or found.code is None:
                return None
            codes.append(found.code)
        if len(set(codes)) == 1:
            return Decision(codes[0], RULE, 0.85, rule="alternatives agree")
        distinct = sorted(set(codes), key=codes.index)
        return review([Candidate(c, self.label(c), 100.0) for c in distinct], "alternatives")

    def _lookup(
        self, key: str, industry: list[str], *, original: bool, rule: str = ""
    ) -> Decision | None:
        ix = self._ix
        for ctx in industry:
            code = ix.context.get((key, ctx))
            if code is not None:
                return Decision(code, RULE, 0.95, rule=f"context rule ({key} in {ctx})")
        code = ix.aliases.get(key) or ix.titles.get(key)
        if code is not None:
            nfs = key in ix.nfs
            if original:
                return Decision(code, EXACT, NFS_CONFIDENCE if nfs else 1.0, rule="alias")
            return Decision(code, RULE, 0.75 if nfs else 0.9, rule=f"alias after {rule}")
        code = ix.phrases.get(key)
        if code is not None:
            return Decision(
                code, RULE, 0.9, rule="phrase rule" + (f" after {rule}" if rule else "")
            )
        code = ix.sorted.get(sorted_key(key))
        if code is not None:
            return Decision(code, RULE, 0.9, rule="word order" + (f" after {rule}" if rule else ""))
        return None

    def _code(self, code: str) -> Decision:
        if code in self.codes:
            return Decision(code, EXACT, 1.0, rule=f"{self.version} code")
        prefix = code[:-1]
        while prefix and prefix not in self.codes:
            prefix = prefix[:-1]
        units = [c for c in self.codes.codes(4) if prefix and c.startswith(prefix)][:5]
        return review(
            [Candidate(c, self.label(c), 50.0) for c in units], f"not a {self.version} code"
        )

    def expand(self, code: str) -> tuple[Any, ...]:
        """``(isco,)``."""
        return (code,)

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` is in the code list (any level)."""
        return code in self.codes

    def label(self, code: str) -> str:
        """The official title."""
        return self.codes.title(code) if code in self.codes else code


def code_occupations(
    values: pa.Array | pa.ChunkedArray | Sequence[Any],
    *,
    industry: pa.Array | pa.ChunkedArray | Sequence[Any] | None = None,
    column: str = "occupation",
    overrides: Overrides | None = None,
    codes: CodeList | None = None,
) -> CodedColumn:
    """Code a column of job titles or ISCO codes; ``industry`` (ISIC codes per row, e.g.
    from :func:`~migstats.harmonise.industries.code_industries`) enables context rules.

    The result's table has ``<column>_isco``, ``<column>_method`` and
    ``<column>_confidence``. ``codes`` replaces the built-in ISCO-08 (see
    :func:`~migstats.harmonise.reference.import_isco`).

    >>> code_occupations(["Gardener", "Gardener"], industry=["01", "81"]).table.column(
    ...     "occupation_isco").to_pylist()
    ['6113', '9214']
    """
    return code_column(
        OccupationCoder(codes),
        values,
        column=column,
        context=industry,
        overrides=overrides,
    )
