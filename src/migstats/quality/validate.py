"""Validate one delivered source: type it into its canonical table, check every rule in
one SQL scan, quarantine the rows that cannot be used, and count everything.

Row counts always reconcile: delivered = accepted + quarantined, where quarantined
holds both rows the parser rejected and rows failing an error-level rule.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from migstats.config import PeriodSection, QualitySection, SourceSection
from migstats.quality.issues import ISSUES
from migstats.quality.rules import (
    MappedColumn,
    Rule,
    column_rules,
    cross_field_rules,
    mapped_columns,
    q,
    raw_expr,
    typed_expr,
)
from migstats.sources.read import RECORD, RawTable

log = logging.getLogger("migstats.quality")


@dataclass
class RuleResult:
    """How many rows of a source broke one rule, with a few examples."""

    code: str
    field: str
    severity: str
    title: str
    message: str
    count: int
    share: float
    examples: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclass
class SourceValidation:
    """The outcome for one source: counts, rule results, and the two output tables."""

    source: str
    kind: str
    file: str
    delivered: int
    accepted: int
    quarantined: int
    rules: list[RuleResult]
    clean: pa.Table
    quarantine: pa.Table
    valid: bool = True

    @property
    def reconciles(self) -> bool:
        return self.delivered == self.accepted + self.quarantined

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "file": self.file,
            "delivered": self.delivered,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "reconciles": self.reconciles,
            "valid": self.valid,
            "rules": [r.__dict__ for r in self.rules],
        }


def _file_issue(code: str, field_name: str, count: int, n: int, detail: str = "") -> RuleResult:
    issue = ISSUES[code]
    return RuleResult(
        code,
        field_name,
        issue.severity,
        issue.title,
        issue.message(field_name, detail),
        count,
        count / n if n else 0.0,
    )


def validate_source(
    raw: RawTable,
    source: SourceSection,
    dictionary: dict[str, Any] | None,
    period: PeriodSection,
    quality: QualitySection,
) -> SourceValidation:
    """Check ``raw`` against its dictionary and the domain's rules.

    Returns the typed canonical rows that passed (``clean``), the rows set aside with
    their reasons (``quarantine``) and a result per rule.
    """
    n = raw.delivered
    columns, missing = mapped_columns(source, raw.header, dictionary)
    results: list[RuleResult] = []
    for col in missing:
        hint = difflib.get_close_matches(col, raw.header, n=1)
        results.append(
            _file_issue("MISSING_COLUMN", col, n, n, f"; did you mean {hint[0]!r}?" if hint else "")
        )
    if dictionary:
        documented = {f["name"] for f in dictionary.get("fields", [])}
        for col in raw.header:
            if col not in documented:
                results.append(_file_issue("UNDOCUMENTED_COLUMN", col, 0, n))
        for col in sorted(documented - set(raw.header)):
            results.append(_file_issue("DICTIONARY_COLUMN_ABSENT", col, 0, n))
    if raw.rejected.num_rows:
        examples = raw.rejected.slice(0, quality.examples_per_rule).to_pylist()
        results.append(
            RuleResult(
                "MALFORMED_ROW",
                "(row)",
                "error",
                ISSUES["MALFORMED_ROW"].title,
                ISSUES["MALFORMED_ROW"].message("(row)", "see the examples"),
                raw.rejected.num_rows,
                raw.rejected.num_rows / n if n else 0.0,
                [{"record": e[RECORD], "line": e["line"], "value": e["raw"]} for e in examples],
            )
        )
    columns, ambiguous = _detect_date_formats(raw, columns)
    results += [_file_issue("DATE_FORMAT_AMBIGUOUS", name, 0, n, fmt) for name, fmt in ambiguous]
    primary_key = list((dictionary or {}).get("primaryKey", []) or [])
    rules = [r for c in columns for r in column_rules(c, primary_key)]
    rules += cross_field_rules(source.kind, {c.canonical.name for c in columns}, period)
    clean, quarantine, rule_results = _run(raw, source, columns, rules, quality.examples_per_rule)
    results += rule_results
    quarantined = quarantine.num_rows + raw.rejected.num_rows
    result = SourceValidation(
        source=source.name,
        kind=source.kind,
        file=raw.path.name,
        delivered=n,
        accepted=clean.num_rows,
        quarantined=quarantined,
        rules=results,
        clean=clean,
        quarantine=_with_rejected(quarantine, raw),
    )
    blocking = any(r.severity == "error" and r.code == "MISSING_COLUMN" for r in results)
    share = quarantined / n if n else 0.0
    result.valid = not blocking and share <= quality.max_quarantine_share
    return result


def _detect_date_formats(
    raw: RawTable, columns: list[MappedColumn]
) -> tuple[list[MappedColumn], list[tuple[str, str]]]:
    """For date columns whose dictionary states no format, detect it once per file (not
    per row) from the values; report the columns where day and month stay ambiguous."""
    from migstats.harmonise.dates import EXCEL, parse_dates

    out: list[MappedColumn] = []
    ambiguous: list[tuple[str, str]] = []
    for c in columns:
        stated = c.field.get("format") not in (None, "", "default", "any")
        if c.canonical.type not in ("date", "datetime") or stated:
            out.append(c)
            continue
        found = parse_dates(raw.table.column(c.source_column), column=c.canonical.name)
        if found.format and found.format != EXCEL and not found.format.startswith("%Y-%m-%d"):
            c = MappedColumn(c.canonical, c.source_column, {**c.field, "format": found.format})
        if found.ambiguous and found.format:
            ambiguous.append((c.canonical.name, found.format))
        out.append(c)
    return out, ambiguous


def _run(
    raw: RawTable,
    source: SourceSection,
    columns: list[MappedColumn],
    rules: list[Rule],
    examples: int,
) -> tuple[pa.Table, pa.Table, list[RuleResult]]:
    n = raw.delivered
    raw_cols = ", ".join(
        f"{raw_expr(c, source.codes.get(c.canonical.name, {}))} AS {c.raw}" for c in columns
    )
    typed_cols = ", ".join(f"{typed_expr(c)} AS {c.typed}" for c in columns)
    flags = ", ".join(f"({r.fails}) IS TRUE AS f{i}" for i, r in enumerate(rules))
    error_flags = [f"f{i}" for i, r in enumerate(rules) if r.severity == "error"]
    any_error = " OR ".join(error_flags) or "FALSE"
    reasons = ", ".join(
        f"CASE WHEN f{i} THEN {_lit(r.code + ':' + r.field)} END"
        for i, r in enumerate(rules)
        if r.severity == "error"
    )
    keyed = [
        c
        for c in columns
        if any(r.code == "DUPLICATE_KEY" and r.field == c.canonical.name for r in rules)
    ]
    con = duckdb.connect()
    try:
        con.register("raw_input", raw.table)
        # The delivered columns stay in the registered Arrow table (no copy); only the
        # quarantine joins them back.
        staged = f"SELECT {RECORD}" + (f", {raw_cols}" if raw_cols else "") + " FROM raw_input"
        typed = f"SELECT *{', ' + typed_cols if typed_cols else ''} FROM ({staged})"
        joins = ""
        for k, c in enumerate(keyed):
            first = q("__first_" + c.canonical.name)
            joins += (
                f" LEFT JOIN (SELECT {c.raw} AS __key{k}, min({RECORD}) AS {first} FROM typed_rows "
                f"WHERE {c.raw} IS NOT NULL GROUP BY ALL HAVING count(*) > 1) d{k} "
                f"ON d{k}.__key{k} = t.{c.raw}"
            )
        # Materialise the typed values once (nested views would re-evaluate every inlined
        # expression in each query); the delivered columns stay in the Arrow table.
        log.debug("validation of %s, typed rows:\n%s", source.name, typed)
        con.execute(f"CREATE TEMP TABLE typed_rows AS {typed}")
        con.execute(
            "CREATE TEMP TABLE flagged AS SELECT *"
            + (f", {flags}" if flags else "")
            + f" FROM (SELECT * FROM typed_rows t{joins})"
        )
        counts: list[Any] = []
        if rules:
            aggregates = ", ".join(
                f"count(*) FILTER (WHERE f{i}), "
                f"list({{'record': {RECORD}, 'value': CAST({_value_of(r, columns)} AS VARCHAR)}} "
                f"ORDER BY {RECORD}) FILTER (WHERE f{i})[1:{examples}]"
                for i, r in enumerate(rules)
            )
            counts = list(con.sql(f"SELECT {aggregates} FROM flagged").fetchall()[0])
        canonical = ", ".join(f"{c.typed} AS {q(c.canonical.name)}" for c in columns)
        clean = con.sql(
            f"SELECT {RECORD}"
            + (f", {canonical}" if canonical else "")
            + f" FROM flagged WHERE NOT ({any_error}) ORDER BY {RECORD}"
        ).to_arrow_table()
        reason_list = f"list_filter([{reasons}], lambda x: x IS NOT NULL)" if reasons else "[]"
        quarantine = con.sql(
            f"SELECT r.{RECORD}, {', '.join('r.' + q(c) for c in raw.header)}, "
            f"array_to_string({reason_list}, '; ') AS reasons "
            f"FROM flagged f JOIN raw_input r USING ({RECORD}) WHERE {any_error} ORDER BY 1"
        ).to_arrow_table()
    finally:
        con.close()
    results = []
    for i, r in enumerate(rules):
        count = int(counts[2 * i])
        if count == 0:
            continue
        issue = ISSUES[r.code]
        results.append(
            RuleResult(
                r.code,
                r.field,
                r.severity,
                issue.title,
                r.message,
                count,
                count / n,
                list(counts[2 * i + 1] or []),
            )
        )
    return clean, quarantine, results


def _value_of(rule: Rule, columns: list[MappedColumn]) -> str:
    for c in columns:
        if c.canonical.name == rule.field:
            return c.raw
    return "NULL"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _with_rejected(quarantine: pa.Table, raw: RawTable) -> pa.Table:
    """Quarantined rows from rules and from the parser, in one table (text columns)."""
    rejected = raw.rejected
    if not rejected.num_rows:
        return quarantine
    parsed = {
        RECORD: rejected[RECORD],
        **{
            c: pa.nulls(rejected.num_rows, pa.string())
            for c in quarantine.column_names
            if c not in (RECORD, "reasons")
        },
        "reasons": pa.array([f"MALFORMED_ROW: {e}" for e in rejected["error"].to_pylist()]),
        "raw_line": rejected["raw"],
    }
    rejected_table = pa.table(parsed)
    out = pa.concat_tables(
        [
            quarantine.append_column("raw_line", pa.nulls(quarantine.num_rows, pa.string())),
            rejected_table.select([*quarantine.column_names, "raw_line"]),
        ],
        promote_options="permissive",
    )
    return out.sort_by(RECORD)
