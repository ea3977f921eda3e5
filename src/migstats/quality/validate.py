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
from pathlib import Path
from typing import Any

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
    *,
    clean_path: Path | None = None,
    quarantine_path: Path | None = None,
    tags: dict[str, str] | None = None,
) -> SourceValidation:
    """Check ``raw`` against its dictionary and the domain's rules.

    Returns the typed canonical rows that passed (``clean``), the rows set aside with
    their reasons (``quarantine``) and a result per rule. With ``clean_path`` and
    ``quarantine_path`` the two tables are written there as Parquet by DuckDB (a national
    file never passes through Python memory) and come back empty; ``tags`` are constant
    columns added to the clean rows (e.g. the source and snapshot).
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
    out = _run(
        raw,
        source,
        columns,
        rules,
        quality.examples_per_rule,
        clean_path,
        quarantine_path,
        tags or {},
    )
    results += out.results
    result = SourceValidation(
        source=source.name,
        kind=source.kind,
        file=raw.path.name,
        delivered=n,
        accepted=out.accepted,
        quarantined=out.quarantined,
        rules=results,
        clean=out.clean,
        quarantine=out.quarantine,
    )
    quarantined = out.quarantined
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
        # The format is a property of the file: detect it on the distinct values.
        values = raw.con.sql(
            f"SELECT DISTINCT {q(c.source_column)} FROM raw_input"
        ).to_arrow_table()
        found = parse_dates(values.column(0), column=c.canonical.name)
        if found.format and found.format != EXCEL and not found.format.startswith("%Y-%m-%d"):
            c = MappedColumn(c.canonical, c.source_column, {**c.field, "format": found.format})
        if found.ambiguous and found.format:
            ambiguous.append((c.canonical.name, found.format))
        out.append(c)
    return out, ambiguous


@dataclass
class _RunOutput:
    accepted: int
    quarantined: int
    clean: pa.Table
    quarantine: pa.Table
    results: list[RuleResult]


def _run(
    raw: RawTable,
    source: SourceSection,
    columns: list[MappedColumn],
    rules: list[Rule],
    examples: int,
    clean_path: Path | None,
    quarantine_path: Path | None,
    tags: dict[str, str],
) -> _RunOutput:
    n = raw.delivered
    con = raw.con
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
    staged = f"SELECT {RECORD}" + (f", {raw_cols}" if raw_cols else "") + " FROM raw_input"
    typed = f"SELECT *{', ' + typed_cols if typed_cols else ''} FROM ({staged})"
    joins = ""
    for k, c in enumerate(keyed):
        # Later copies of a key: the first record of each repeated key, by a group-by.
        first = q("__first_" + c.canonical.name)
        key_expr = raw_expr(c, source.codes.get(c.canonical.name, {}))
        joins += (
            f" LEFT JOIN (SELECT {key_expr} AS __key{k}, min({RECORD}) AS {first} "
            f"FROM raw_input WHERE {key_expr} IS NOT NULL GROUP BY ALL HAVING count(*) > 1) "
            f"d{k} ON d{k}.__key{k} = t.{c.raw}"
        )
    log.debug("validation of %s, typed rows:\n%s", source.name, typed)
    # Only the rule flags are kept (a narrow table of booleans): wide copies of a
    # national file cost more than computing the typed values again while streaming.
    flag_cols = ", ".join(f"f{i}" for i in range(len(rules)))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE flagged AS SELECT {RECORD}"
        + (f", {flag_cols}" if flag_cols else "")
        + f" FROM (SELECT *{', ' + flags if flags else ''} FROM ({typed}) t{joins})"
    )
    counts: list[Any] = []
    if rules:
        counts = list(
            con.sql(
                "SELECT "
                + ", ".join(f"count(*) FILTER (WHERE f{i})" for i in range(len(rules)))
                + " FROM flagged"
            ).fetchall()[0]
        )
    examples_of = _examples(con, rules, columns, counts, typed, examples)
    canonical = ", ".join(f"{c.typed} AS {q(c.canonical.name)}" for c in columns)
    tag_cols = "".join(f", {_lit(v)} AS {q(k)}" for k, v in tags.items())
    clean_sql = (
        f"SELECT {RECORD}"
        + (f", {canonical}" if canonical else "")
        + tag_cols
        + f" FROM ({typed}) WHERE {RECORD} NOT IN "
        # No ORDER BY: the rows stream in file order already (insertion order is
        # preserved), and sorting a national file would cost more than the checks.
        + f"(SELECT {RECORD} FROM flagged WHERE {any_error})"
    )
    reason_list = f"list_filter([{reasons}], lambda x: x IS NOT NULL)" if reasons else "[]"
    con.register("rejected_rows", raw.rejected)
    delivered_cols = ", ".join("r." + q(c) for c in raw.header)
    quarantine_sql = (
        f"SELECT r.{RECORD}, {delivered_cols}, array_to_string({reason_list}, '; ') AS reasons, "
        f"CAST(NULL AS VARCHAR) AS raw_line "
        f"FROM flagged f JOIN raw_input r USING ({RECORD}) WHERE {any_error} "
        f"UNION ALL BY NAME SELECT {RECORD}, 'MALFORMED_ROW: ' || error AS reasons, "
        f"raw AS raw_line FROM rejected_rows ORDER BY {RECORD}"
    )
    accepted = int(
        con.sql(f"SELECT count(*) FROM flagged WHERE NOT ({any_error})").fetchall()[0][0]
    )
    quarantined = int(
        con.sql(f"SELECT count(*) FROM flagged WHERE {any_error}").fetchall()[0][0]
    ) + int(raw.rejected.num_rows)
    clean = _write_or_fetch(con, clean_sql, clean_path)
    quarantine = _write_or_fetch(con, quarantine_sql, quarantine_path)
    con.execute("DROP TABLE flagged")
    results = []
    for i, r in enumerate(rules):
        count = int(counts[i])
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
                examples_of.get(i, []),
            )
        )
    return _RunOutput(accepted, quarantined, clean, quarantine, results)


def _examples(
    con: Any,
    rules: list[Rule],
    columns: list[MappedColumn],
    counts: list[Any],
    typed: str,
    examples: int,
) -> dict[int, list[dict[str, Any]]]:
    """The first rows breaking each rule, with the value at fault (read back only for the
    few flagged rows)."""
    broken = [i for i in range(len(rules)) if int(counts[i])]
    if not broken:
        return {}
    picks = " UNION ALL ".join(
        f"(SELECT {i} AS rule, {RECORD} FROM flagged WHERE f{i} ORDER BY {RECORD} LIMIT {examples})"
        for i in broken
    )
    values = ", ".join(f"CAST({_value_of(rules[i], columns)} AS VARCHAR) AS v{i}" for i in broken)
    rows = con.sql(
        f"SELECT p.rule, p.{RECORD}, {values} FROM ({picks}) p "
        f"JOIN ({typed}) t USING ({RECORD}) ORDER BY p.rule, p.{RECORD}"
    ).fetchall()
    out: dict[int, list[dict[str, Any]]] = {}
    position = {i: k for k, i in enumerate(broken)}
    for row in rows:
        rule, record = int(row[0]), int(row[1])
        out.setdefault(rule, []).append({"record": record, "value": row[2 + position[rule]]})
    return out


def _write_or_fetch(con: Any, sql: str, path: Path | None) -> pa.Table:
    """The query's rows as Arrow, or written to ``path`` (Parquet, atomically) by DuckDB."""
    if path is None:
        table: pa.Table = con.sql(sql).to_arrow_table()
        return table
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
    tmp.replace(path)
    empty: pa.Table = con.sql(f"SELECT * FROM ({sql}) LIMIT 0").to_arrow_table()
    return empty


def _value_of(rule: Rule, columns: list[MappedColumn]) -> str:
    for c in columns:
        if c.canonical.name == rule.field:
            return c.raw
    return "NULL"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
