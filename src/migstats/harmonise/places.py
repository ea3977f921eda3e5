"""Maldives places to island codes (``K02``) and atoll letter codes (``K``; ``MC`` Malé City).

Accepted, in this order:

1. island codes, any case, number padded or not (``"K02"``, ``"k2"``, ``"MC01"``): ``exact``;
2. island names and the variant spellings of :mod:`migstats.refdata.geography`, accents,
   case and punctuation folded (``"Vilimalé"``, ``"Maafushee"``): ``exact``;
3. the official "atoll code. island" form (``"K. Maafushi"``, ``"MC. Vilimalé"``) with a
   listed name: ``exact``; other atoll qualifiers (``"Maafushi (K)"``, ``"Kaafu
   Maafushi"``, ``"Maafushi, Kaafu"``) or a name found only after the rules below:
   ``rule``; a qualifier naming another atoll than the island's goes to review;
4. a name followed by "island", written without spaces, or in another Dhivehi
   transliteration (``dh``/``d``, ``ee``/``i``, ``oo``/``u``, doubled letters), when that
   identifies one island: ``rule``;
5. an atoll on its own (``"K"``, ``"Kaafu"``, ``"Male Atoll"``): the atoll code, with no
   island;
6. otherwise similar names are proposed for review (never coded).

With ``on`` (a reference date), atolls whose code-list validity excludes that date are
sent to review instead of coded.

>>> t = code_places(["K02", "K. Maafushi", "Maafushi (K)", "MC. Vilimalé", "Atlantis"]).table
>>> t.column("island_code").to_pylist()
['K02', 'K02', 'K02', 'MC03', None]
>>> t.column("atoll_code").to_pylist()
['K', 'K', 'K', 'MC', None]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from functools import cache
from typing import Any

import pyarrow as pa
from rapidfuzz import fuzz

from migstats.harmonise.codebook import (
    EXACT,
    RULE,
    Candidate,
    CodedColumn,
    Decision,
    Overrides,
    code_column,
    fuzzy_candidates,
    review,
)
from migstats.refdata import geography as geo
from migstats.refdata.occupations import normalise_title

__all__ = ["PlaceCoder", "atoll_column", "code_places", "phonetic_key"]

_ISLAND_CODE = re.compile(r"([A-Za-z]{1,3})\s*-?\s*(\d{1,2})")
_CODE_PREFIX = re.compile(r"([A-Za-z]{1,3})\s*[.:]\s*(.+)")
_PAREN_SUFFIX = re.compile(r"(.+?)\s*[(\[]\s*([^)\]]+?)\s*[)\]]")


def phonetic_key(name: str) -> str:
    """A spelling-insensitive key for Dhivehi place names in Latin script.

    >>> phonetic_key("Maafushee") == phonetic_key("Mafushi")
    True
    >>> phonetic_key("Kulhudhuffushi") == phonetic_key("Kulhudufushi")
    True
    """
    text = re.sub(r"[^a-z]", "", normalise_title(name))
    for long, short in (("dh", "d"), ("th", "t"), ("lh", "l"), ("ee", "i"), ("oo", "u")):
        text = text.replace(long, short)
    text = text.replace("aa", "a")
    return re.sub(r"(.)\1+", r"\1", text)


@cache
def _islands() -> dict[str, geo.Island]:
    return {i.code: i for i in geo.islands()}


@cache
def _atolls() -> dict[str, geo.Atoll]:
    return {a.code: a for a in geo.atolls()}


@cache
def _atoll_keys() -> dict[str, str]:
    """Normalised atoll code, name and official name (with and without "atoll") -> code.

    A form that is also an island's name is left out: "Male" is the island (Malé), not
    "Male Atoll" (Kaafu).
    """
    index: dict[str, str] = {}
    for a in geo.atolls():
        for text in (a.code, a.name, a.official_name):
            key = normalise_title(text)
            for form in (key, key.removesuffix(" atoll"), f"{key} atoll"):
                if form not in _names():
                    index.setdefault(form, a.code)
    return index


def _index(keyer: Callable[[str], str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for i in geo.islands():
        for name in (i.name, *i.variants):
            found.setdefault(keyer(name), set()).add(i.code)
    return {k: tuple(sorted(v)) for k, v in found.items() if k}


@cache
def _names() -> dict[str, tuple[str, ...]]:
    return _index(normalise_title)


@cache
def _compact() -> dict[str, tuple[str, ...]]:
    return _index(lambda n: normalise_title(n).replace(" ", ""))


@cache
def _phonetic() -> dict[str, tuple[str, ...]]:
    return _index(phonetic_key)


@cache
def _fuzzy_choices() -> dict[str, str]:
    return {k: v[0] for k, v in _names().items() if len(v) == 1}


def _label(code: str) -> str:
    if code in _islands():
        isl = _islands()[code]
        return f"{isl.atoll_code}. {isl.name}"
    return _atolls()[code].name


def _lookup(name: str, exact_only: bool = False) -> tuple[tuple[str, ...], bool]:
    """Island codes for a name, and whether the match was exact (a listed spelling).

    Listed spellings first, then the name without spaces, then its phonetic key.
    """
    key = normalise_title(name)
    codes = _names().get(key)
    if codes or exact_only:
        return codes or (), True
    bare = _bare(key)
    codes = (
        _names().get(bare)
        or _compact().get(bare.replace(" ", ""))
        or _phonetic().get(phonetic_key(bare))
    )
    return codes or (), False


def _bare(key: str) -> str:
    """The name without the generic word "island" (``"maafushi island"`` -> ``"maafushi"``)."""
    return " ".join(t for t in key.split() if t not in {"island", "isl"}) or key


def _qualified(text: str) -> Iterator[tuple[str, str, bool]]:
    """(atoll part, island part, official form) splits of a qualified place name."""
    m = _CODE_PREFIX.fullmatch(text)
    if m:
        yield m.group(1), m.group(2), True
    m = _PAREN_SUFFIX.fullmatch(text)
    if m:
        yield m.group(2), m.group(1), False
    if "," in text:
        left, _, right = text.partition(",")
        yield right, left, False
        yield left, right, False
    if " - " in text:
        left, _, right = text.partition(" - ")
        yield left, right, False
        yield right, left, False
    tokens = text.split()
    for n in range(1, min(4, len(tokens))):
        yield " ".join(tokens[:n]), " ".join(tokens[n:]), False
        yield " ".join(tokens[-n:]), " ".join(tokens[:-n]), False


class PlaceCoder:
    """Coder of Maldives islands and atolls (classification ``island``).

    >>> PlaceCoder().decide("Kaafu Maafushi").code
    'K02'
    >>> PlaceCoder().decide("B. Maafushi").method  # Maafushi is in Kaafu, not Baa
    'review'
    """

    classification = "island"
    fields = pa.schema([("code", pa.string()), ("atoll", pa.string())])
    version = geo.VERSION

    def __init__(self, on: date | None = None) -> None:
        self.on = on

    def key(self, raw: str) -> str:
        """Accent-, case- and punctuation-folded form (override key)."""
        return normalise_title(raw)

    def decide(self, raw: str, context: str | None = None) -> Decision:
        """Code one raw value (``context`` is not used)."""
        text = raw.strip()
        decision = self._decide(text)
        if decision.code is not None and not self._valid(decision.code):
            atoll = self.expand(decision.code)[1]
            return review(
                [Candidate(decision.code, _label(decision.code), 100.0)],
                f"atoll {atoll} not valid on {self.on}",
            )
        return decision

    def _decide(self, text: str) -> Decision:
        m = _ISLAND_CODE.fullmatch(text)
        if m:
            atoll = _atoll_keys().get(m.group(1).lower())
            code = f"{atoll}{int(m.group(2)):02d}" if atoll else ""
            if code in _islands():
                return Decision(code, EXACT, 1.0, rule="island code")
        codes, _ = _lookup(text, exact_only=True)
        if len(codes) == 1:
            return Decision(codes[0], EXACT, 1.0, rule="listed name")
        if len(codes) > 1:
            return review([Candidate(c, _label(c), 100.0) for c in codes], "ambiguous name")
        atoll_only = _atoll_keys().get(normalise_title(text))
        if atoll_only:
            return Decision(atoll_only, EXACT, 1.0, rule="atoll only")
        qualified = self._qualified(text)
        if qualified is not None:
            return qualified
        codes, _ = _lookup(text)
        if len(codes) == 1:
            return Decision(codes[0], RULE, 0.9, rule="spelling variant")
        if len(codes) > 1:
            return review([Candidate(c, _label(c), 100.0) for c in codes], "ambiguous spelling")
        candidates = fuzzy_candidates(
            _bare(normalise_title(text)), _fuzzy_choices(), _label, scorer=fuzz.ratio, cutoff=75.0
        )
        return review(candidates, "similar names")

    def _qualified(self, text: str) -> Decision | None:
        elsewhere: list[str] = []
        for atoll_part, island_part, official in _qualified(text):
            atoll = _atoll_keys().get(normalise_title(atoll_part))
            if atoll is None or not island_part.strip():
                continue
            codes, exact = _lookup(island_part)
            inside = [c for c in codes if _islands()[c].atoll_code == atoll]
            if len(inside) == 1:
                if official and exact:
                    return Decision(inside[0], EXACT, 1.0, rule="atoll. island")
                return Decision(inside[0], RULE, 0.9, rule="atoll-qualified name")
            elsewhere += [c for c in codes if c not in elsewhere]
        if elsewhere:
            return review(
                [Candidate(c, _label(c), 90.0) for c in elsewhere], "island not in the atoll given"
            )
        return None

    def _valid(self, code: str) -> bool:
        if self.on is None:
            return True
        atoll = _atolls()[self.expand(code)[1]]
        starts_ok = atoll.valid_from is None or atoll.valid_from <= self.on
        return starts_ok and (atoll.valid_to is None or self.on <= atoll.valid_to)

    def expand(self, code: str) -> tuple[Any, ...]:
        """``(island_code, atoll_code)``; an atoll code gives ``(None, atoll)``."""
        island = _islands().get(code)
        if island is not None:
            return (island.code, island.atoll_code)
        return (None, _atolls()[code].code)

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` is a listed island or atoll code."""
        return code in _islands() or code in _atolls()

    def label(self, code: str) -> str:
        """``"K. Maafushi"`` for an island, the atoll name for an atoll."""
        return _label(code)


def atoll_column(stem: str) -> str:
    """Name of the atoll column next to the island column ``<stem>_code``.

    >>> atoll_column("island"), atoll_column("work_island")
    ('atoll_code', 'work_atoll_code')
    """
    return "atoll_code" if stem == "island" else f"{stem.removesuffix('_island')}_atoll_code"


def code_places(
    values: pa.Array | pa.ChunkedArray | Sequence[Any],
    *,
    column: str = "island",
    prefix: str | None = None,
    overrides: Overrides | None = None,
    on: date | None = None,
) -> CodedColumn:
    """Code a column of island names or codes.

    The result's table has ``<prefix>_code`` (island), the atoll code, ``<prefix>_method``
    and ``<prefix>_confidence`` (``prefix`` defaults to ``column``). The atoll column is
    ``atoll_code`` for the prefix ``island`` and ``<stem>_atoll_code`` for a prefix
    ``<stem>_island`` (``work_island`` -> ``work_atoll_code``), as in the data model.

    >>> t = code_places(["Hulhu Male", "Mafushi"], column="work_island").table
    >>> t.column_names
    ['work_island_code', 'work_atoll_code', 'work_island_method', 'work_island_confidence']
    >>> t.column("work_island_method").to_pylist()
    ['exact', 'exact']
    """
    coded = code_column(PlaceCoder(on), values, column=column, prefix=prefix, overrides=overrides)
    stem = prefix or column
    names = [atoll_column(stem) if n == f"{stem}_atoll" else n for n in coded.table.column_names]
    return replace(coded, table=coded.table.rename_columns(names))
