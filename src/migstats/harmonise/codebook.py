"""Coding a column through its distinct values.

Agency extracts hold tens of millions of rows but only a few thousand distinct spellings
per variable. Every coder here decides once per distinct value (in Python, where the
rules are readable) and the decisions are joined back to the rows with Arrow
(``value_counts`` + ``index_in`` + ``take``), so no Python loop ever runs per row.

A decision records *how* a value was coded (:data:`METHODS`): ``exact`` (the value is a
code, a name or an alias in the reference list), ``rule`` (a documented normalisation
or context rule), ``manual`` (a statistician's override from the review list),
``review`` (not coded: candidates proposed for a statistician), ``uncoded`` (not coded,
no plausible candidate), ``missing`` (blank) and ``not_applicable`` (e.g. the purpose of
a citizen's crossing). Fuzzy matching only ever produces candidates for ``review``.

>>> from migstats.harmonise.countries import CountryCoder
>>> coded = code_column(CountryCoder(), ["BGD", "Bangladeshi", None], column="nationality")
>>> coded.table.column("nationality_iso3").to_pylist()
['BGD', 'BGD', None]
>>> coded.table.column("nationality_method").to_pylist()
['exact', 'exact', 'missing']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process

LOGGER = logging.getLogger("migstats.harmonise")

EXACT = "exact"
RULE = "rule"
MANUAL = "manual"
REVIEW = "review"
UNCODED = "uncoded"
MISSING = "missing"
NOT_APPLICABLE = "not_applicable"

METHODS: tuple[str, ...] = (EXACT, RULE, MANUAL, REVIEW, UNCODED, MISSING, NOT_APPLICABLE)
"""Every coding method, in report order."""

CODED_METHODS: frozenset[str] = frozenset({EXACT, RULE, MANUAL})
"""Methods that assign a code. Fuzzy matching is never one of them."""

_SEP = "\x1f"


@dataclass(frozen=True)
class Candidate:
    """A code proposed for review, with a similarity score from 0 to 100.

    >>> Candidate("BGD", "Bangladesh", 90.0).score
    90.0
    """

    code: str
    label: str
    score: float


@dataclass(frozen=True)
class Decision:
    """How one distinct raw value is coded.

    ``code`` is set exactly when ``method`` assigns a code; ``confidence`` (0 to 1)
    belongs to the assigned code; ``rule`` names the alias, rule or list that decided.

    >>> Decision("BGD", EXACT, 1.0).code
    'BGD'
    >>> Decision("BGD", REVIEW)
    Traceback (most recent call last):
    ...
    ValueError: a 'review' decision cannot carry a code ('BGD')
    """

    code: str | None
    method: str
    confidence: float | None = None
    candidates: tuple[Candidate, ...] = ()
    rule: str = ""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown coding method {self.method!r}; one of {METHODS}")
        if self.method in CODED_METHODS and not self.code:
            raise ValueError(f"a {self.method!r} decision needs a code")
        if self.method not in CODED_METHODS and self.code is not None:
            raise ValueError(f"a {self.method!r} decision cannot carry a code ({self.code!r})")

    @property
    def coded(self) -> bool:
        """Whether a code was assigned."""
        return self.method in CODED_METHODS


def review(candidates: Sequence[Candidate], rule: str = "") -> Decision:
    """``review`` when there are candidates, else ``uncoded``.

    >>> review([]).method
    'uncoded'
    """
    if candidates:
        return Decision(None, REVIEW, None, tuple(candidates), rule)
    return Decision(None, UNCODED, None, (), rule)


@dataclass(frozen=True)
class Overrides:
    """Codes a statistician assigned in a review file, by classification and value key.

    Keys are the coder's normalised form of the raw value (:meth:`Coder.key`), so
    ``"Bangaldesh"`` and ``"BANGALDESH "`` share one override.

    >>> o = Overrides(1, {"country": {"bangaldesh": "BGD"}})
    >>> o.for_classification("country")["bangaldesh"]
    'BGD'
    >>> dict(o.for_classification("island"))
    {}
    """

    version: int
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def for_classification(self, classification: str) -> Mapping[str, str]:
        """The overrides of one classification (empty if none)."""
        return self.codes.get(classification, {})

    @classmethod
    def empty(cls) -> Overrides:
        """No overrides (version 0)."""
        return cls(0, {})

    def __len__(self) -> int:
        return sum(len(v) for v in self.codes.values())


class Coder(Protocol):
    """What :func:`code_column` needs from a classification's coder."""

    classification: str
    fields: pa.Schema
    version: str

    def key(self, raw: str) -> str:
        """Normalised form of a raw value, used for overrides."""
        ...

    def decide(self, raw: str, context: str | None) -> Decision:
        """Code one distinct raw value (``context``: e.g. the industry of an occupation)."""
        ...

    def expand(self, code: str) -> tuple[Any, ...]:
        """The output fields (``fields``) for a code."""
        ...

    def is_valid(self, code: str) -> bool:
        """Whether a code belongs to the classification (checks overrides)."""
        ...

    def label(self, code: str) -> str:
        """A readable label for a code (review files)."""
        ...


@dataclass(frozen=True)
class Entry:
    """One distinct (raw value, context) pair, how often it occurs and its decision."""

    raw: str | None
    context: str | None
    key: str
    count: int
    decision: Decision


@dataclass(frozen=True)
class CodedColumn:
    """The result of coding one column: per-row outputs and the per-value decisions.

    ``table`` has one row per input row with the coder's fields plus ``method`` and
    ``confidence``, each named ``<prefix>_<field>`` (a field without a name is called
    ``<prefix>`` itself).
    """

    classification: str
    column: str
    version: str
    table: pa.Table
    entries: tuple[Entry, ...]

    @property
    def rows(self) -> int:
        """Number of rows coded."""
        return int(self.table.num_rows)

    def method_counts(self) -> dict[str, int]:
        """Rows per coding method (every method listed, zeros included).

        >>> from migstats.harmonise.purposes import PurposeCoder
        >>> counts = code_column(PurposeCoder(), ["WORK", "?", ""], column="t").method_counts()
        >>> counts["exact"], counts["uncoded"], counts["missing"], sum(counts.values())
        (1, 1, 1, 3)
        """
        counts = dict.fromkeys(METHODS, 0)
        for e in self.entries:
            counts[e.decision.method] += e.count
        return counts


def as_text(values: pa.Array | pa.ChunkedArray | Sequence[Any]) -> pa.ChunkedArray:
    """Any column (strings, integers, dictionary-encoded) as a chunked string array.

    >>> as_text([50, None]).to_pylist()
    ['50', None]
    """
    if isinstance(values, pa.ChunkedArray):
        column = values
    elif isinstance(values, pa.Array):
        column = pa.chunked_array([values])
    else:
        items = list(values)
        column = pa.chunked_array(
            [pa.array([None if v is None else str(v) for v in items], pa.string())]
        )
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    return column


def _distinct(column: pa.ChunkedArray) -> tuple[list[str | None], list[int], pa.ChunkedArray]:
    counts = pc.value_counts(column)
    values = counts.field("values")
    index = pc.index_in(column, value_set=values)
    return values.to_pylist(), counts.field("counts").to_pylist(), index


def _book_arrays(coder: Coder, decisions: Sequence[Decision]) -> list[pa.Array]:
    columns: list[list[Any]] = [[] for _ in coder.fields]
    for d in decisions:
        values = coder.expand(d.code) if d.code is not None else (None,) * len(coder.fields)
        for out, value in zip(columns, values, strict=True):
            out.append(value)
    arrays = [pa.array(c, f.type) for c, f in zip(columns, coder.fields, strict=True)]
    arrays.append(pa.array([d.method for d in decisions], pa.string()))
    arrays.append(pa.array([d.confidence for d in decisions], pa.float64()))
    return arrays


def code_column(
    coder: Coder,
    values: pa.Array | pa.ChunkedArray | Sequence[Any],
    *,
    column: str,
    prefix: str | None = None,
    context: pa.Array | pa.ChunkedArray | Sequence[Any] | None = None,
    overrides: Overrides | None = None,
) -> CodedColumn:
    """Code ``values`` with ``coder``: decide per distinct value, join back to rows.

    Overrides are applied first (method ``manual``); an override whose code the
    classification does not know is ignored with a warning. Blank values are
    ``missing``.
    """
    text = as_text(values)
    pairs = text
    if context is not None:
        ctx = pc.fill_null(as_text(context), "")
        pairs = pc.binary_join_element_wise(text, ctx, _SEP)
    raws, counts, index = _distinct(pairs)
    manual = (overrides or Overrides.empty()).for_classification(coder.classification)
    cache: dict[tuple[str, str | None], Decision] = {}
    entries: list[Entry] = []
    for raw_pair, count in zip(raws, counts, strict=True):
        raw, ctx_value = _split(raw_pair, context is not None)
        key = coder.key(raw) if raw is not None else ""
        decision = cache.get((raw or "", ctx_value))
        if decision is None:
            decision = _decide(coder, raw, key, ctx_value, manual)
            cache[(raw or "", ctx_value)] = decision
        entries.append(Entry(raw, ctx_value, key, count, decision))
    arrays = _book_arrays(coder, [e.decision for e in entries])
    stem = prefix or column
    names = [f"{stem}_{f.name}" if f.name else stem for f in coder.fields]
    names += [f"{stem}_method", f"{stem}_confidence"]
    table = pa.table({n: pc.take(a, index) for n, a in zip(names, arrays, strict=True)})
    LOGGER.debug(
        "coded %s (%s): %d rows, %d distinct", column, coder.classification, len(text), len(raws)
    )
    return CodedColumn(coder.classification, column, coder.version, table, tuple(entries))


def _split(pair: str | None, has_context: bool) -> tuple[str | None, str | None]:
    if pair is None or not has_context:
        return pair, None
    raw, _, ctx = pair.rpartition(_SEP)
    return raw, (ctx or None)


def _decide(
    coder: Coder, raw: str | None, key: str, context: str | None, manual: Mapping[str, str]
) -> Decision:
    if raw is None or not raw.strip():
        return Decision(None, MISSING)
    code = manual.get(key)
    if code is not None:
        if coder.is_valid(code):
            return Decision(code, MANUAL, 1.0, rule="override")
        LOGGER.warning("override %r -> %r is not a %s code; ignored", raw, code, coder.version)
    return coder.decide(raw, context)


def fuzzy_candidates(
    query: str,
    choices: Mapping[str, str],
    label: Callable[[str], str],
    *,
    scorer: Callable[..., float],
    limit: int = 3,
    cutoff: float = 75.0,
) -> tuple[Candidate, ...]:
    """Up to ``limit`` codes whose keys resemble ``query`` (best score per code).

    ``choices`` maps a normalised name to its code. The result only ever feeds a review
    list: similarity is not evidence (the well-known trap is "British" scoring 90 against
    "British Virgin Islands").

    >>> from rapidfuzz import fuzz
    >>> fuzzy_candidates("bangaldesh", {"bangladesh": "BGD", "india": "IND"}, str,
    ...                  scorer=fuzz.ratio)
    (Candidate(code='BGD', label='BGD', score=90.0),)
    """
    found = process.extract(
        query, list(choices), scorer=scorer, limit=limit * 8, score_cutoff=cutoff
    )
    best: dict[str, float] = {}
    for name, score, _ in found:
        code = choices[name]
        best[code] = max(best.get(code, 0.0), float(score))
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return tuple(Candidate(code, label(code), round(score, 1)) for code, score in ranked)
