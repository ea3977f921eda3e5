"""The harmonisation stage: a canonical table in, the same table with coded columns out.

Columns added per source kind (only for input columns that are present):

==================  ==================  =================================================
kind                input column        added columns
==================  ==================  =================================================
border_crossing     nationality         nationality_iso3, _m49, _is_m49, _method,
                                        _confidence
                    crossing_datetime   crossing_date (date32), crossing_timestamp
                    date_of_birth       date_of_birth_date
                    visa_type           purpose, purpose_method, purpose_confidence
visa_permit         nationality         as above
                    permit_type         purpose, purpose_method, purpose_confidence
                    date_of_birth,      date_of_birth_date, valid_from_date,
                    valid_from/_to      valid_to_date
work_permit         nationality         as above
                    industry            industry_isic, industry_section, _method,
                                        _confidence
                    occupation          occupation_isco, _method, _confidence (the coded
                                        industry is the context of the occupation rules)
                    work_island         work_island_code, work_atoll_code, _method,
                                        _confidence
                    dates               date_of_birth_date, valid_from_date, valid_to_date
census_person       country_of_birth,   country_of_birth_iso3 ..., citizenship_iso3 ...
                    citizenship
                    island              island_code, atoll_code, island_method, ...
                    industry,           as for work permits
                    occupation
                    date_of_birth       date_of_birth_date
register_person     island              island_code, atoll_code, island_method, ...
                    date_of_birth,      date_of_birth_date, date_of_death_date
                    date_of_death
==================  ==================  =================================================

Each date column's format is detected on its own (:func:`~migstats.harmonise.dates.parse_dates`),
unless the caller states it in ``date_formats``.

>>> import pyarrow as pa
>>> table = pa.table({"nationality": ["D", "GBN"], "visa_type": ["TOURIST", "CITIZEN"],
...                   "crossing_datetime": ["01/03/2022 10:00", "13/03/2022 23:59"]})
>>> out, report = harmonise_table("border_crossing", table)
>>> out.column("nationality_iso3").to_pylist(), out.column("purpose").to_pylist()
(['DEU', 'GBR'], ['tourism', None])
>>> str(out.column("crossing_date")[1])
'2022-03-13'
>>> report.variable("nationality").counts["exact"]
2
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from migstats.errors import UserInputError
from migstats.harmonise.codebook import CodedColumn, Overrides
from migstats.harmonise.countries import code_countries
from migstats.harmonise.dates import parse_dates
from migstats.harmonise.industries import code_industries
from migstats.harmonise.occupations import code_occupations
from migstats.harmonise.places import atoll_column, code_places
from migstats.harmonise.purposes import code_purposes
from migstats.harmonise.reference import CodeList
from migstats.harmonise.report import (
    REVIEW_BELOW,
    CodingReport,
    ReviewItem,
    VariableReport,
    date_report,
    merge_review,
    review_items,
    variable_report,
)

__all__ = ["KINDS", "harmonise_table", "harmonised_columns"]

LOGGER = logging.getLogger("migstats.harmonise")


@dataclass(frozen=True)
class _Step:
    column: str
    coder: str  # country, place, occupation, industry, purpose, date
    prefix: str = ""


_COUNTRY = "country"
_DATE = "date"

STEPS: Mapping[str, tuple[_Step, ...]] = {
    "border_crossing": (
        _Step("nationality", _COUNTRY),
        _Step("visa_type", "purpose", "purpose"),
        _Step("crossing_datetime", _DATE),
        _Step("date_of_birth", _DATE),
    ),
    "visa_permit": (
        _Step("nationality", _COUNTRY),
        _Step("permit_type", "purpose", "purpose"),
        _Step("date_of_birth", _DATE),
        _Step("valid_from", _DATE),
        _Step("valid_to", _DATE),
    ),
    "work_permit": (
        _Step("nationality", _COUNTRY),
        _Step("industry", "industry"),
        _Step("occupation", "occupation"),
        _Step("work_island", "place", "work_island"),
        _Step("date_of_birth", _DATE),
        _Step("valid_from", _DATE),
        _Step("valid_to", _DATE),
    ),
    "census_person": (
        _Step("country_of_birth", _COUNTRY),
        _Step("citizenship", _COUNTRY),
        _Step("island", "place", "island"),
        _Step("industry", "industry"),
        _Step("occupation", "occupation"),
        _Step("date_of_birth", _DATE),
    ),
    "register_person": (
        _Step("island", "place", "island"),
        _Step("date_of_birth", _DATE),
        _Step("date_of_death", _DATE),
    ),
}

KINDS: tuple[str, ...] = tuple(STEPS)
"""The source kinds :func:`harmonise_table` knows."""


def _date_names(column: str) -> tuple[str, str]:
    stem = column.removesuffix("_datetime")
    return f"{stem}_date", f"{stem}_timestamp"


def harmonised_columns(kind: str) -> tuple[str, ...]:
    """Names of the columns :func:`harmonise_table` can add for ``kind`` (a timestamp
    column only appears when the detected format has a time).

    >>> harmonised_columns("work_permit")[:3]
    ('nationality_iso3', 'nationality_m49', 'nationality_is_m49')
    >>> harmonised_columns("register_person")[:4]
    ('island_code', 'atoll_code', 'island_method', 'island_confidence')
    >>> harmonised_columns("register_person")[4:]
    ('date_of_birth_date', 'date_of_death_date')
    """
    names: list[str] = []
    for step in _steps(kind):
        stem = step.prefix or step.column
        if step.coder == _DATE:
            day, stamp = _date_names(step.column)
            names += [day, stamp] if step.column.endswith("_datetime") else [day]
            continue
        names += {
            _COUNTRY: [f"{stem}_iso3", f"{stem}_m49", f"{stem}_is_m49"],
            "place": [f"{stem}_code", atoll_column(stem)],
            "occupation": [f"{stem}_isco"],
            "industry": [f"{stem}_isic", f"{stem}_section"],
            "purpose": [stem],
        }[step.coder]
        names += [f"{stem}_method", f"{stem}_confidence"]
    return tuple(names)


def _steps(kind: str) -> tuple[_Step, ...]:
    try:
        return STEPS[kind]
    except KeyError:
        raise UserInputError(
            "Unknown source kind", f"{kind!r}", f"use one of {', '.join(KINDS)}"
        ) from None


def harmonise_table(
    kind: str,
    table: pa.Table,
    overrides: Overrides | None = None,
    *,
    isco: CodeList | None = None,
    date_formats: Mapping[str, str] | None = None,
    day_first: bool = True,
    reference_date: date | None = None,
    review_below: float = REVIEW_BELOW,
) -> tuple[pa.Table, CodingReport]:
    """Code every harmonisable column of a canonical table of source ``kind``.

    Returns a new table (the input's columns, unchanged, then the coded columns) and the
    coding report, whose ``review`` lists the values for the review file. ``overrides``
    (from :func:`~migstats.harmonise.review.load_overrides`) are applied first;
    ``isco`` replaces the built-in ISCO-08; ``date_formats`` fixes the format of named
    date columns instead of detecting it; ``reference_date`` checks place codes'
    validity on that day.
    """
    steps = _steps(kind)
    clash = [n for n in harmonised_columns(kind) if n in table.column_names]
    if clash:
        raise UserInputError(
            "Table already harmonised",
            f"{kind} table has {clash}",
            "pass the canonical table as read, not a harmonised one",
        )
    out = table
    variables: list[VariableReport] = []
    items: list[ReviewItem] = []
    coded_industry: pa.ChunkedArray | None = None
    formats = dict(date_formats or {})
    for step in steps:
        if step.column not in table.column_names:
            LOGGER.debug("%s: no column %r, skipped", kind, step.column)
            continue
        values = table.column(step.column)
        if step.coder == _DATE:
            parsed = parse_dates(
                values, column=step.column, format=formats.get(step.column), day_first=day_first
            )
            day, stamp = _date_names(step.column)
            out = out.append_column(day, parsed.dates)
            if parsed.timestamps is not None and step.column.endswith("_datetime"):
                out = out.append_column(stamp, parsed.timestamps)
            variables.append(date_report(parsed))
            continue
        coded = _code(step, values, overrides, isco, coded_industry, reference_date)
        if step.coder == "industry":
            coded_industry = coded.table.column(f"{step.column}_isic")
        for name, column in zip(coded.table.column_names, coded.table.columns, strict=True):
            out = out.append_column(name, column)
        variables.append(variable_report(coded))
        items += review_items(coded, review_below)
    report = CodingReport(kind, tuple(variables), merge_review(items))
    LOGGER.info("harmonised %s: %d rows, %d values for review", kind, table.num_rows, len(items))
    return out, report


def _code(
    step: _Step,
    values: pa.ChunkedArray,
    overrides: Overrides | None,
    isco: CodeList | None,
    industry: pa.ChunkedArray | None,
    on: date | None,
) -> CodedColumn:
    if step.coder == _COUNTRY:
        return code_countries(values, column=step.column, overrides=overrides)
    if step.coder == "purpose":
        return code_purposes(values, column=step.column, prefix=step.prefix, overrides=overrides)
    if step.coder == "place":
        return code_places(
            values, column=step.column, prefix=step.prefix, overrides=overrides, on=on
        )
    if step.coder == "industry":
        return code_industries(values, column=step.column, overrides=overrides)
    return code_occupations(
        values, industry=industry, column=step.column, overrides=overrides, codes=isco
    )
