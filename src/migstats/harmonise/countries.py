"""Countries and nationalities to ISO alpha-3 and UN M49.

Accepted, in this order (the first that decides wins):

1. numeric M49 codes, zero-padded or not (``"050"``, ``"50"``, ``50``): ``exact``;
2. short codes (``[A-Za-z]{1,3}``, MRZ filler ``<`` allowed): ICAO Doc 9303 codes (which
   include every alpha-3 code, ``D``, ``GBD``/``GBN``/``GBO``/``GBP``/``GBS``, ``RKS``,
   ``XXA``/``XXB``/``XXC``/``XXX``), ISO alpha-2, then short names such as ``UK``:
   ``exact``; any other short code (``XYZ``, ``B6D``, ``0``) is ``uncoded``;
3. names and demonyms from :mod:`migstats.refdata.countries`, case, accents and
   punctuation folded: ``exact``; a demonym shared by two countries ("Congolese") goes
   to review with both;
4. rules: spaces and punctuation dropped ("Srilankan", "U.S.A."), filler words dropped
   ("citizen of", "passport"), plural demonyms ("Bangladeshis"), and "unknown" / "not
   stated" coded to the flagged non-M49 code ``XXX``: ``rule``;
5. otherwise similar names are proposed for review (never coded).

Blank values and ``NA``/``N/A`` are ``missing`` (``NA`` is read as "not available", not
Namibia, which is coded from ``NAM``, ``516`` or its name).

>>> coded = code_countries(["British", "Indian", "D", "GBN", "RKS", "50", "XYZ"])
>>> coded.table.column("country_iso3").to_pylist()
['GBR', 'IND', 'DEU', 'GBR', 'XKX', 'BGD', None]
>>> coded.table.column("country_is_m49").to_pylist()
[True, True, True, True, False, True, None]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import pyarrow as pa
from rapidfuzz import fuzz

from migstats.harmonise.codebook import (
    EXACT,
    MISSING,
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
from migstats.refdata import countries as ref
from migstats.refdata.occupations import normalise_title

__all__ = ["CountryCoder", "code_countries", "country_groups"]

_NUMERIC = re.compile(r"\d{1,3}(?:\.0+)?")
_SHORT_CODE = re.compile(r"[A-Za-z]{1,3}<*")
_DOTTED = re.compile(r"(?:[A-Za-z]\.\s?){2,3}")
_CODE_LIKE = re.compile(r"[A-Za-z0-9<?*#.\-]{1,5}")
_MISSING = frozenset({"na", "n a", "nil", "none", "null", "nan"})
_UNKNOWN = frozenset(
    {"unknown", "not known", "not stated", "unspecified", "not specified", "unknown nationality"}
)
_FILLER_PREFIXES = ("citizen of ", "national of ", "nationality ", "the ")
_FILLER_SUFFIXES = (" citizen", " citizens", " national", " nationals", " passport", " nationality")


@cache
def _codes() -> dict[str, str]:
    table = dict(ref.icao_to_iso3())
    for c in ref.countries():
        if c.iso2:
            table.setdefault(c.iso2, c.iso3)
    return table


@cache
def _words() -> dict[str, tuple[str, ...]]:
    """Normalised names and demonyms -> candidate iso3 codes (one code unless ambiguous)."""
    index: dict[str, set[str]] = {}
    sources: list[tuple[str, tuple[str, ...]]] = [(k, (v,)) for k, v in ref.name_to_iso3().items()]
    sources += [(k, (v,)) for k, v in ref.demonym_to_iso3().items()]
    sources += list(ref.ambiguous_demonyms().items())
    for name, codes in sources:
        index.setdefault(normalise_title(name), set()).update(codes)
    return {k: tuple(sorted(v)) for k, v in index.items() if k}


@cache
def _compact() -> dict[str, tuple[str, ...]]:
    index: dict[str, set[str]] = {}
    for key, codes in _words().items():
        index.setdefault(key.replace(" ", ""), set()).update(codes)
    return {k: tuple(sorted(v)) for k, v in index.items()}


@cache
def _demonym_keys() -> frozenset[str]:
    return frozenset(normalise_title(d) for c in ref.countries() for d in c.demonyms)


@cache
def _fuzzy_choices() -> dict[str, str]:
    return {k: v[0] for k, v in _words().items() if len(v) == 1 and len(k) > 3}


def _label(code: str) -> str:
    return ref.by_iso3(code).short_name


def _exact(key: str, how: str, method: str = EXACT, confidence: float = 1.0) -> Decision | None:
    codes = _words().get(key)
    if not codes:
        return None
    if len(codes) > 1:
        return review([Candidate(c, _label(c), 100.0) for c in codes], f"ambiguous {how}")
    return Decision(codes[0], method, confidence, rule=how)


class CountryCoder:
    """Coder of countries and nationalities (classification ``country``).

    >>> CountryCoder().decide("Bangaldesh", None).candidates[0].code
    'BGD'
    >>> CountryCoder().decide("Bangaldesh", None).code is None
    True
    """

    classification = "country"
    fields = pa.schema([("iso3", pa.string()), ("m49", pa.string()), ("is_m49", pa.bool_())])
    version = ref.VERSION

    def key(self, raw: str) -> str:
        """Accent-, case- and punctuation-folded form (override key)."""
        return normalise_title(raw)

    def decide(self, raw: str, context: str | None = None) -> Decision:
        """Code one raw value (``context`` is not used)."""
        text = raw.strip()
        key = normalise_title(text)
        if key in _MISSING:
            return Decision(None, MISSING, rule="not available")
        if _NUMERIC.fullmatch(text):
            return self._m49(text)
        if _SHORT_CODE.fullmatch(text):
            return self._short_code(text, key)
        exact = _exact(key, "name or demonym")
        if exact is not None:
            return exact
        ruled = self._rules(text, key)
        if ruled is not None:
            return ruled
        if not key or _CODE_LIKE.fullmatch(text):
            return Decision(None, UNCODED, rule="not a known code")
        candidates = fuzzy_candidates(key, _fuzzy_choices(), _label, scorer=fuzz.ratio, cutoff=80.0)
        return review(candidates, "similar names")

    def _m49(self, text: str) -> Decision:
        try:
            country = ref.by_m49(text.partition(".")[0])
        except KeyError:
            return Decision(None, UNCODED, rule="not an M49 country code")
        return Decision(country.iso3, EXACT, 1.0, rule="M49")

    def _short_code(self, text: str, key: str) -> Decision:
        code = _codes().get(text.upper().rstrip("<"))
        if code is not None:
            return Decision(code, EXACT, 1.0, rule="ICAO/ISO code")
        exact = _exact(key, "short name")
        return exact or Decision(None, UNCODED, rule="not a known code")

    def _rules(self, text: str, key: str) -> Decision | None:
        if key in _UNKNOWN:
            return Decision(ref.NOT_STATED, RULE, 1.0, rule="stated unknown")
        compact = _compact().get(key.replace(" ", ""))
        if compact:
            if len(compact) == 1:
                return Decision(compact[0], RULE, 0.95, rule="spacing or punctuation")
            return review([Candidate(c, _label(c), 100.0) for c in compact], "ambiguous")
        if _DOTTED.fullmatch(text):
            letters = re.sub(r"[^A-Za-z]", "", text)
            code = _codes().get(letters.upper())
            if code is not None:
                return Decision(code, RULE, 0.95, rule="dotted abbreviation")
            found = _exact(letters.lower(), "dotted abbreviation", RULE, 0.95)
            if found is not None:
                return found
        stripped = _strip_filler(key)
        if stripped != key:
            found = _exact(stripped, "filler words dropped", RULE, 0.9)
            if found is not None:
                return found
        if key.endswith("s") and key[:-1] in _demonym_keys():
            return _exact(key[:-1], "plural demonym", RULE, 0.9)
        return None

    def expand(self, code: str) -> tuple[Any, ...]:
        """``(iso3, m49, is_m49)``; ``m49`` is ``None`` for flagged non-M49 codes."""
        c = ref.by_iso3(code)
        return (c.iso3, c.m49 or None, c.is_m49)

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` is an alpha-3 code of the list (incl. flagged non-M49)."""
        try:
            ref.by_iso3(code)
        except KeyError:
            return False
        return True

    def label(self, code: str) -> str:
        """Short English name."""
        return _label(code)


def _strip_filler(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _FILLER_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key, changed = key[len(prefix) :], True
        for suffix in _FILLER_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, changed = key[: -len(suffix)], True
    return key


def code_countries(
    values: pa.Array | pa.ChunkedArray | Sequence[Any],
    *,
    column: str = "country",
    overrides: Overrides | None = None,
) -> CodedColumn:
    """Code a column of country names, demonyms, ICAO/ISO or M49 codes.

    The result's table has ``<column>_iso3``, ``<column>_m49`` (3-digit string; ``None``
    for flagged non-M49 codes), ``<column>_is_m49``, ``<column>_method`` and
    ``<column>_confidence``.

    >>> t = code_countries(["Nepali", "nepalese", "050", "XXA", "Bangaldesh"],
    ...                    column="nationality").table
    >>> t.column("nationality_iso3").to_pylist()
    ['NPL', 'NPL', 'BGD', 'XXA', None]
    >>> t.column("nationality_method").to_pylist()
    ['exact', 'exact', 'exact', 'exact', 'review']
    """
    return code_column(CountryCoder(), values, column=column, overrides=overrides)


def country_groups() -> pa.Table:
    """One row per country or area with its M49 groupings, for tabulation.

    Columns: ``iso3``, ``m49``, ``name``, ``region``, ``subregion``,
    ``intermediate_region`` (names), ``ldc``, ``lldc``, ``sids``, ``is_m49``.

    >>> g = country_groups()
    >>> sum(g.column("sids").to_pylist()), sum(g.column("ldc").to_pylist())
    (53, 45)
    """
    rows = ref.countries()
    return pa.table(
        {
            "iso3": [c.iso3 for c in rows],
            "m49": pa.array([c.m49 or None for c in rows], pa.string()),
            "name": [c.name for c in rows],
            "region": [c.region_name or None for c in rows],
            "subregion": [c.subregion_name or None for c in rows],
            "intermediate_region": [c.intermediate_region_name or None for c in rows],
            "ldc": [c.ldc for c in rows],
            "lldc": [c.lldc for c in rows],
            "sids": [c.sids for c in rows],
            "is_m49": [c.is_m49 for c in rows],
        }
    )
