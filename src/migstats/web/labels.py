"""Readable labels for dimension names and codes, and the order codes are shown in.

Tables carry codes (``F``, ``Y25T29``, ``BGD``, ``HA``, ``_T``); people read labels
("Female", "25-29", "Bangladesh", "Haa Alifu", "Total"). Labels come from, in order: the
table's own metadata (any ``{code: text}`` mapping covering most of a dimension's codes,
such as ``duration_codes`` or ``measures``), the project's code lists (countries, atolls,
ISCO-08, ISIC Rev.4) and a few SDMX conventions; an unknown code is shown as itself.

>>> code_label("AGE", "Y25T29"), code_label("AGE", "Y_GE85"), code_label("SEX", "_T")
('25-29', '85+', 'Total')
>>> code_label("CITIZENSHIP", "BGD"), code_label("ATOLL", "HA")
('Bangladesh', 'Haa Alifu')
>>> dimension_label("COUNTRY_OF_BIRTH")
'Country of birth'
>>> ordered_codes("AGE", ["Y10T14", "_T", "Y5T9", "_U", "Y0T4"])
['_T', 'Y0T4', 'Y5T9', 'Y10T14', '_U']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Final

__all__ = [
    "CONF_STATUS_LABELS",
    "OBS_STATUS_LABELS",
    "code_label",
    "dimension_label",
    "humanise",
    "metadata_code_labels",
    "ordered_codes",
]

TOTAL: Final = "_T"
UNKNOWN: Final = "_U"
OTHER: Final = "OTH"

#: SDMX CL_OBS_STATUS codes used by migstats (U: low reliability, from the SDG tables).
OBS_STATUS_LABELS: Final = {
    "A": "normal value",
    "E": "estimate",
    "P": "provisional",
    "M": "missing: not computable from the sources",
    "U": "low reliability",
    "F": "forecast",
    "B": "break in series",
}

#: SDMX CL_CONF_STATUS codes; every code but F (free) means the value is withheld.
CONF_STATUS_LABELS: Final = {
    "F": "free",
    "A": "suppressed: small count (primary)",
    "C": "confidential",
    "D": "suppressed: protects another cell (secondary)",
    "N": "not for publication",
    "S": "suppressed (secondary, set by receiver)",
}

_DIMENSIONS: Final = {
    "REF_DATE": "Reference date",
    "TIME_PERIOD": "Period",
    "FREQ": "Frequency",
    "MEASURE": "Measure",
    "SEX": "Sex",
    "AGE": "Age",
    "CITIZENSHIP": "Citizenship",
    "CITIZEN": "Citizen",
    "COUNTRY_OF_BIRTH": "Country of birth",
    "DURATION": "Duration of residence",
    "ATOLL": "Atoll",
    "REASON": "Reason (permit type)",
    "PURPOSE": "Purpose of visit",
    "LENGTH_OF_STAY": "Length of stay",
    "LENGTH_OF_ABSENCE": "Length of absence",
    "OCCUPATION": "Occupation (ISCO-08)",
    "INDUSTRY": "Industry (ISIC Rev.4)",
    "RESIDENCE": "Residence status",
    "PRESENCE": "Presence",
    "VISA_TYPE": "Visa type",
    "AUTHORISATION": "Authorisation",
    "MIGRATORY_STATUS": "Migratory status",
    "GROUP": "Population group",
    "SOURCES": "Sources",
    "CUTOFF": "Cut-off date",
    "VINTAGE": "Vintage",
}

#: Dimensions coded with ISO 3166-1 alpha-3 countries.
_COUNTRY_DIMENSIONS: Final = frozenset(
    {"CITIZENSHIP", "COUNTRY_OF_BIRTH", "PREVIOUS_RESIDENCE", "NEXT_RESIDENCE", "COUNTRY"}
)

_COMMON: Final = {
    TOTAL: "Total",
    UNKNOWN: "Unknown",
    OTHER: "Other",
}

_BY_DIMENSION: Final[dict[str, dict[str, str]]] = {
    "SEX": {"F": "Female", "M": "Male"},
    "CITIZEN": {"Y": "Citizens", "N": "Foreign citizens"},
    "FREQ": {"A": "Annual", "M": "Monthly", "Q": "Quarterly"},
    "RESIDENCE": {"RES": "Resident", "NONRES": "Non-resident"},
    "PRESENCE": {"PRESENT": "Present", "ABROAD": "Abroad"},
    "MEASURE": {
        "FOREIGN_BORN": "Foreign-born",
        "FOREIGN_CITIZENS": "Foreign citizens",
        "NET": "Net migration",
    },
    "MIGRATORY_STATUS": {
        "FB": "Foreign-born",
        "NB": "Native-born",
        "FB_CIT": "Foreign-born citizens",
        "FB_FOR": "Foreign-born foreign citizens",
        "NB_CIT": "Native-born citizens",
        "NB_FOR": "Native-born foreign citizens",
    },
}

_AGE_RANGE = re.compile(r"^Y(\d+)T(\d+)$")
_AGE_OVER = re.compile(r"^Y_GE(\d+)$")
_AGE_UNDER = re.compile(r"^Y_LT(\d+)$")
_YEAR_END = re.compile(r"^year_end_(\d{4})$")


def humanise(name: str) -> str:
    """``LABOUR_FORCE`` -> ``Labour force``; ``census_night`` -> ``Census night``."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower() if words else name


def dimension_label(dimension: str) -> str:
    """The readable name of a dimension."""
    return _DIMENSIONS.get(dimension, humanise(dimension))


@cache
def _countries() -> dict[str, str]:
    from migstats.refdata.countries import countries

    return {c.iso3: c.short_name or c.name for c in countries()}


@cache
def _atolls() -> dict[str, str]:
    from migstats.refdata.geography import atolls

    return {a.code: a.name for a in atolls()}


@cache
def _atoll_order() -> dict[str, int]:
    from migstats.refdata.geography import atolls

    return {a.code: i for i, a in enumerate(atolls())}


@cache
def _classification(dimension: str, code: str) -> str | None:
    from migstats.refdata import industries, occupations

    try:
        if dimension == "OCCUPATION":
            return occupations.by_code(code).title
        if dimension == "INDUSTRY":
            return industries.by_code(code).title
    except KeyError:
        return None
    return None


def _age_label(code: str) -> str | None:
    if m := _AGE_RANGE.match(code):
        return f"{m[1]}-{m[2]}"
    if m := _AGE_OVER.match(code):
        return f"{m[1]}+"
    if m := _AGE_UNDER.match(code):
        return f"under {m[1]}"
    return None


def code_label(dimension: str, code: str, extra: Mapping[str, str] | None = None) -> str:
    """The readable label of ``code`` in ``dimension``; ``extra`` (from the table's
    metadata) wins over the built-in lists."""
    if extra and code in extra:
        return extra[code]
    if code in _COMMON:
        return _COMMON[code]
    known = _BY_DIMENSION.get(dimension, {})
    if code in known:
        return known[code]
    if dimension == "AGE" and (age := _age_label(code)):
        return age
    if dimension in _COUNTRY_DIMENSIONS and code in _countries():
        return _countries()[code]
    if dimension == "ATOLL" and code in _atolls():
        return _atolls()[code]
    if dimension in ("OCCUPATION", "INDUSTRY") and (title := _classification(dimension, code)):
        return title
    if dimension == "REF_DATE":
        if m := _YEAR_END.match(code):
            return f"End of {m[1]}"
        return humanise(code) if code.islower() else code
    if code.isupper() and "_" in code:
        return humanise(code)
    return code


def _string_maps(value: Any, path: str = "", depth: int = 0) -> Iterable[dict[str, str]]:
    """``{code: text}`` mappings in metadata that can be labels: not units (``unit_by_
    measure`` maps codes to units) and with a different text for each code."""
    if not isinstance(value, Mapping) or depth > 2 or "unit" in path:
        return
    if value and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        if len(set(value.values())) == len(value):
            yield dict(value)
        return
    for key, inner in value.items():
        yield from _string_maps(inner, f"{path}/{key}".lower(), depth + 1)


def metadata_code_labels(
    metadata: Mapping[str, Any], dimension: str, codes: Iterable[str]
) -> dict[str, str]:
    """Labels for a dimension's codes found in a table's metadata.

    Any ``{code: text}`` mapping (at most two levels down) that covers at least half of
    the dimension's codes (totals and unknowns aside) is taken; reference dates are
    shown with their date (``Census night (2022-09-20)``).
    """
    wanted = {c for c in codes if c not in (TOTAL, UNKNOWN)}
    if not wanted:
        return {}
    if dimension == "REF_DATE":
        dates = metadata.get("reference_dates")
        if isinstance(dates, Mapping):
            return {
                str(c): f"{code_label(dimension, str(c))} ({d})"
                for c, d in dates.items()
                if isinstance(d, str)
            }
        return {}
    best: dict[str, str] = {}
    best_cover = 0
    for candidate in _string_maps(metadata):
        cover = len(wanted & set(candidate))
        if cover * 2 >= len(wanted) and cover > best_cover:
            best, best_cover = candidate, cover
    return best


def _natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", code) if part
    )


def ordered_codes(dimension: str, codes: Iterable[str]) -> list[str]:
    """Codes in reading order: total first, then the dimension's natural order (ages
    by lower bound, atolls north to south, years ascending), other and unknown last."""
    unique = set(codes)

    def key(code: str) -> tuple[int, int, tuple[tuple[int, int | str], ...]]:
        if code == TOTAL:
            return (0, 0, ())
        if code == OTHER:
            return (2, 0, ())
        if code == UNKNOWN:
            return (3, 0, ())
        if dimension == "ATOLL" and code in _atoll_order():
            return (1, _atoll_order()[code], ())
        if dimension == "AGE":
            if m := _AGE_RANGE.match(code):
                return (1, int(m[1]) * 1000 + int(m[2]), ())
            if m := _AGE_OVER.match(code):
                return (1, int(m[1]) * 1000 + 999, ())
            if m := _AGE_UNDER.match(code):
                return (1, -1, ())
        if dimension == "REF_DATE" and not _YEAR_END.match(code):
            # named dates (census night) before the year ends
            return (1, -1, _natural_key(code))
        return (1, 10**9, _natural_key(code))

    return sorted(unique, key=key)
