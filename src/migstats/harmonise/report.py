"""The coding report: per variable, how many rows were coded exactly, by rule, manually,
proposed for review, left uncoded or missing, and the values that most need a look.

>>> from migstats.harmonise.countries import code_countries
>>> r = variable_report(code_countries(["BGD", "Bangladeshi", "XYZ", "XYZ"],
...                                    column="nationality"))
>>> r.counts["exact"], r.counts["uncoded"], r.top_uncoded
(2, 2, (('XYZ', 2),))
>>> round(r.share("exact"), 2)
0.5
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from migstats.harmonise.codebook import (
    CODED_METHODS,
    EXACT,
    MANUAL,
    METHODS,
    MISSING,
    REVIEW,
    UNCODED,
    Candidate,
    CodedColumn,
    Entry,
)
from migstats.harmonise.dates import DateParse

__all__ = [
    "REVIEW_BELOW",
    "CodingReport",
    "ReviewItem",
    "VariableReport",
    "date_report",
    "review_items",
    "variable_report",
]

REVIEW_BELOW = 0.85
"""Coded values with a lower confidence are also listed for review (their code kept)."""


@dataclass(frozen=True)
class VariableReport:
    """Coding outcome of one column."""

    column: str
    classification: str
    """``country``, ``island``, ``occupation``, ``industry``, ``purpose`` or ``date``."""
    version: str
    """Version of the code list used (for dates: the detected format)."""
    rows: int
    counts: Mapping[str, int]
    """Rows per method (every method of :data:`~migstats.harmonise.codebook.METHODS`)."""
    top_uncoded: tuple[tuple[str, int], ...] = ()
    """The most frequent values left uncoded or for review, with their row counts."""
    details: Mapping[str, Any] = field(default_factory=dict)

    def share(self, method: str) -> float:
        """Share of rows coded by ``method`` (0 when there are no rows)."""
        return self.counts.get(method, 0) / self.rows if self.rows else 0.0

    @property
    def coded(self) -> int:
        """Rows with a code (exact, rule or manual)."""
        return sum(self.counts.get(m, 0) for m in CODED_METHODS)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "column": self.column,
            "classification": self.classification,
            "version": self.version,
            "rows": self.rows,
            "counts": dict(self.counts),
            "shares": {m: round(self.share(m), 6) for m in METHODS},
            "top_uncoded": [{"value": v, "count": n} for v, n in self.top_uncoded],
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class ReviewItem:
    """A value a statistician should code or confirm."""

    classification: str
    key: str
    raw_value: str
    count: int
    method: str
    current_code: str | None
    confidence: float | None
    candidates: tuple[Candidate, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class CodingReport:
    """Coding report of one table (or several, merged)."""

    kind: str
    variables: tuple[VariableReport, ...]
    review: tuple[ReviewItem, ...] = ()

    def variable(self, column: str) -> VariableReport:
        """The report of one column (``KeyError`` naming the columns otherwise)."""
        for v in self.variables:
            if v.column == column:
                return v
        raise KeyError(f"no column {column!r}; report has {[v.column for v in self.variables]}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "kind": self.kind,
            "variables": [v.to_dict() for v in self.variables],
            "review_values": len(self.review),
        }

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)

    def to_table(self) -> pa.Table:
        """One row per variable and method: ``kind``, ``column``, ``classification``,
        ``method``, ``rows``, ``share``."""
        rows = [
            (self.kind, v.column, v.classification, m, v.counts.get(m, 0), v.share(m))
            for v in self.variables
            for m in METHODS
        ]
        names = ["kind", "column", "classification", "method", "rows", "share"]
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def render(self) -> str:
        """A fixed-width text summary for people (console, logs)."""
        labels = {"not_applicable": "n/a"}
        header = f"{'column':<22}{'rows':>10}" + "".join(f"{labels.get(m, m):>10}" for m in METHODS)
        lines = [f"Coding report: {self.kind}", header]
        for v in self.variables:
            shares = "".join(f"{100 * v.share(m):>9.1f}%" for m in METHODS)
            lines.append(f"{v.column:<22}{v.rows:>10,}{shares}")
            if v.top_uncoded:
                shown = ", ".join(f"{value!r} ({n})" for value, n in v.top_uncoded[:5])
                lines.append(f"{'':<4}not coded: {shown}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()

    @staticmethod
    def merge(reports: Sequence[CodingReport], kind: str | None = None) -> CodingReport:
        """Several reports as one (review items of the same value added up)."""
        variables = tuple(v for r in reports for v in r.variables)
        items = merge_review([i for r in reports for i in r.review])
        return CodingReport(kind or "+".join(r.kind for r in reports), variables, items)


def _label(raw: str | None) -> str:
    return "" if raw is None else raw


def variable_report(coded: CodedColumn, top: int = 10) -> VariableReport:
    """Report of one coded column."""
    by_value: dict[str, int] = {}
    for e in coded.entries:
        if e.decision.method in (REVIEW, UNCODED):
            by_value[_label(e.raw)] = by_value.get(_label(e.raw), 0) + e.count
    worst = sorted(by_value.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return VariableReport(
        column=coded.column,
        classification=coded.classification,
        version=coded.version,
        rows=coded.rows,
        counts=coded.method_counts(),
        top_uncoded=tuple(worst),
        details={"distinct_values": len({e.raw for e in coded.entries})},
    )


def date_report(parsed: DateParse, examples: int = 10) -> VariableReport:
    """Report of a parsed date column: parsed rows count as ``exact``, rows that do not
    parse as ``uncoded`` (examples with their row index in ``details``)."""
    counts = dict.fromkeys(METHODS, 0)
    counts[EXACT] = parsed.parsed
    counts[UNCODED] = parsed.failed
    counts[MISSING] = parsed.missing
    failures = parsed.failures.slice(0, examples).to_pylist()
    return VariableReport(
        column=parsed.column,
        classification="date",
        version=parsed.format or "none",
        rows=parsed.rows,
        counts=counts,
        top_uncoded=tuple((str(f["value"]), 1) for f in failures),
        details={
            "format": parsed.format,
            "ambiguous": parsed.ambiguous,
            "tied_formats": list(parsed.tied),
            "failed": parsed.failed,
            "failure_examples": failures,
        },
    )


def review_items(coded: CodedColumn, review_below: float = REVIEW_BELOW) -> tuple[ReviewItem, ...]:
    """Values of a coded column that need a statistician: not coded (review or uncoded,
    blanks excluded), or coded with a confidence below ``review_below`` (not manual)."""

    def wanted(e: Entry) -> bool:
        d = e.decision
        if e.raw is None or not e.raw.strip():
            return False
        if d.method in (REVIEW, UNCODED):
            return True
        low = d.confidence is not None and d.confidence < review_below
        return d.method in CODED_METHODS and d.method != MANUAL and low

    items = [
        ReviewItem(
            classification=coded.classification,
            key=e.key,
            raw_value=_label(e.raw),
            count=e.count,
            method=e.decision.method,
            current_code=e.decision.code,
            confidence=e.decision.confidence,
            candidates=e.decision.candidates,
            columns=(coded.column,),
        )
        for e in coded.entries
        if wanted(e)
    ]
    return merge_review(items)


def merge_review(items: Iterable[ReviewItem]) -> tuple[ReviewItem, ...]:
    """One item per (classification, key, method, current code): counts added, columns
    joined, the most frequent raw spelling kept; most frequent first."""
    merged: dict[tuple[str, str, str, str | None], ReviewItem] = {}
    best_raw: dict[tuple[str, str, str, str | None], int] = {}
    for item in items:
        k = (item.classification, item.key, item.method, item.current_code)
        old = merged.get(k)
        if old is None:
            merged[k], best_raw[k] = item, item.count
            continue
        raw = item.raw_value if item.count > best_raw[k] else old.raw_value
        best_raw[k] = max(best_raw[k], item.count)
        columns = old.columns + tuple(c for c in item.columns if c not in old.columns)
        merged[k] = ReviewItem(
            old.classification,
            old.key,
            raw,
            old.count + item.count,
            old.method,
            old.current_code,
            old.confidence,
            old.candidates or item.candidates,
            columns,
        )
    return tuple(sorted(merged.values(), key=lambda i: (i.classification, -i.count, i.key)))
