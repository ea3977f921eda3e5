"""Rules of one source, written as SQL: each rule is a boolean "this row fails" expression
over the raw text and the typed values, so a whole file is checked in one scan.

Rules come from three places: the agency's data dictionary (type, required, enum,
pattern, range, unique, primary key), the canonical table a column feeds (its type and
allowed codes), and cross-field rules of the domain (permits valid from before valid to,
plausible dates of birth, crossings inside the data period, death after birth).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from migstats.config import PeriodSection, SourceSection
from migstats.quality.issues import ISSUES
from migstats.sources.canonical import CANONICAL, CanonicalColumn


@dataclass(frozen=True)
class Rule:
    """A row-level rule: its issue code, the field it names, SQL that is true when a row
    fails, the severity, and the message detail."""

    code: str
    field: str
    fails: str
    detail: str = ""

    @property
    def severity(self) -> str:
        return ISSUES[self.code].severity

    @property
    def message(self) -> str:
        return ISSUES[self.code].message(self.field, self.detail)


def q(name: str) -> str:
    """A SQL identifier, quoted (inner double quotes doubled).

    >>> print(q("DATE OF BIRTH"))
    "DATE OF BIRTH"
    """
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A SQL literal for a string, number or date."""
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class MappedColumn:
    """A canonical column with the source column and dictionary field feeding it."""

    canonical: CanonicalColumn
    source_column: str
    field: dict[str, Any]

    # Internal names are prefixed: SQL identifiers ignore case, so a canonical
    # "date_of_birth" would otherwise collide with a delivered "DATE_OF_BIRTH".
    @property
    def raw(self) -> str:
        return q("__r_" + self.canonical.name)

    @property
    def typed(self) -> str:
        return typed_name(self.canonical.name)


def typed_name(canonical: str) -> str:
    """The SQL name of a canonical column's typed value inside a validation query."""
    return q("__c_" + canonical)


def _date_format(field: dict[str, Any]) -> str | None:
    fmt = field.get("format")
    return None if fmt in (None, "", "default", "any") else str(fmt)


def raw_expr(col: MappedColumn, codes: dict[str, str]) -> str:
    """Text as delivered, trimmed, empty as NULL, recoded with the project's codes."""
    expr = f"NULLIF(trim({q(col.source_column)}), '')"
    if codes:
        cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in sorted(codes.items()))
        expr = f"(CASE {expr} {cases} ELSE {expr} END)"
    return expr


def typed_expr(col: MappedColumn) -> str:
    """The canonical value: typed, or NULL where the text cannot be typed."""
    raw = col.raw
    kind = col.canonical.type
    if kind == "integer":
        return f"TRY_CAST(TRY_CAST({raw} AS DOUBLE) AS BIGINT)"
    if kind in ("date", "datetime"):
        fmt = _date_format(col.field)
        if fmt:
            parsed = f"TRY_STRPTIME({raw}, {lit(fmt)})"
        else:
            # ISO dates, and Excel date cells read as 'YYYY-MM-DD HH:MM:SS'.
            parsed = f"COALESCE(TRY_CAST({raw} AS TIMESTAMP), TRY_CAST({raw} AS DATE))"
        return f"CAST({parsed} AS DATE)" if kind == "date" else f"CAST({parsed} AS TIMESTAMP)"
    if kind == "code":
        values = ", ".join(lit(v) for v in col.canonical.values)
        return f"(CASE WHEN {raw} IN ({values}) THEN {raw} END)"
    return raw


def column_rules(col: MappedColumn, primary_key: list[str]) -> list[Rule]:
    """Rules from the dictionary field and the canonical column."""
    c = col.canonical
    f = col.field
    cons = f.get("constraints", {}) or {}
    name = c.name
    rules: list[Rule] = []
    required = c.required or bool(cons.get("required"))
    if required:
        rules.append(Rule("REQUIRED_MISSING", name, f"{col.raw} IS NULL"))
    if c.type != "string":
        what = {"code": f"code ({', '.join(c.values)})"}.get(
            c.type, c.type + (f" ({_date_format(f)})" if _date_format(f) else "")
        )
        code = "TYPE_INVALID" if required else "TYPE_INVALID_OPTIONAL"
        rules.append(Rule(code, name, f"{col.raw} IS NOT NULL AND {col.typed} IS NULL", what))
    if "enum" in cons and c.type != "code":
        values = ", ".join(lit(v) for v in cons["enum"])
        rules.append(
            Rule(
                "CODE_INVALID",
                name,
                f"{col.raw} IS NOT NULL AND CAST({col.raw} AS VARCHAR) NOT IN ({values})",
                f" ({', '.join(str(v) for v in cons['enum'][:8])})",
            )
        )
    if "pattern" in cons:
        rules.append(
            Rule(
                "PATTERN_INVALID",
                name,
                f"{col.raw} IS NOT NULL "
                f"AND NOT regexp_full_match({col.raw}, {lit(cons['pattern'])})",
                repr(cons["pattern"]),
            )
        )
    for bound, op in (("minimum", "<"), ("maximum", ">")):
        if bound in cons and c.type == "integer":
            rules.append(
                Rule(
                    "OUT_OF_RANGE",
                    name,
                    f"{col.typed} {op} {lit(cons[bound])}",
                    f"{bound} {cons[bound]}",
                )
            )
    if cons.get("unique") or primary_key == [col.source_column]:
        # Later copies of a key; the first record of each repeated key is joined in as
        # __first_<column> (a group-by is much cheaper than a window over every row).
        first = q("__first_" + c.name)
        rules.append(Rule("DUPLICATE_KEY", name, f"{first} IS NOT NULL AND _record > {first}"))
    return rules


def cross_field_rules(kind: str, mapped: set[str], period: PeriodSection) -> list[Rule]:
    """Rules between fields, from the domain."""
    t = typed_name
    rules: list[Rule] = []
    if {"valid_from", "valid_to"} <= mapped:
        rules.append(
            Rule(
                "DATE_ORDER",
                "valid_to",
                f"{t('valid_from')} > {t('valid_to')}",
                "valid_to before valid_from",
            )
        )
    if {"date_of_birth", "date_of_death"} <= mapped:
        rules.append(
            Rule(
                "DATE_ORDER",
                "date_of_death",
                f"{t('date_of_death')} < {t('date_of_birth')}",
                "date of death before date of birth",
            )
        )
    if "date_of_birth" in mapped:
        dob = t("date_of_birth")
        rules.append(
            Rule(
                "DOB_IMPLAUSIBLE",
                "date_of_birth",
                f"{dob} < DATE '1900-01-01' OR {dob} > {lit(period.end)}",
                f"is before 1900 or after the period end {period.end}",
            )
        )
    if kind == "border_crossing" and "crossing_datetime" in mapped:
        rules.append(
            Rule(
                "DATE_OUTSIDE_PERIOD",
                "crossing_datetime",
                f"CAST({t('crossing_datetime')} AS DATE) NOT BETWEEN {lit(period.start)} "
                f"AND {lit(period.end)}",
                f"{period.start} to {period.end}",
            )
        )
    return rules


def mapped_columns(
    source: SourceSection, header: list[str], dictionary: dict[str, Any] | None
) -> tuple[list[MappedColumn], list[str]]:
    """The canonical columns this source maps and finds, and the mapped columns missing
    from the file."""
    fields = {f["name"]: f for f in (dictionary or {}).get("fields", [])}
    found: list[MappedColumn] = []
    missing: list[str] = []
    for canon in CANONICAL[source.kind]:
        column = source.columns.get(canon.name)
        if column is None:
            continue
        if column not in header:
            missing.append(column)
            continue
        found.append(MappedColumn(canon, column, fields.get(column, {})))
    return found, missing
