"""Code lists for every dimension of a release, with labels, and the country mapping.

Each dimension gets a code list, shared by every table that has the dimension:

- countries (``CITIZENSHIP``, ``COUNTRY_OF_BIRTH``, previous / next residence and
  ``REF_AREA``) share ``CL_AREA``: the 248 UN M49 areas by their numeric code, then the
  flagged non-M49 codes of :mod:`migstats.refdata.countries` kept as they are (``XKX``
  Kosovo, ``TWN`` Taiwan, ``XXA`` stateless, ``XXB``/``XXC`` refugees, ``XXX``
  unspecified). Tables carry ISO alpha-3 codes; :func:`publish_code` converts them, and
  ``OTH`` (the "all other countries" of a top-N breakdown) becomes SDMX ``_O``. Any
  other code raises :class:`~migstats.publish.tables.PublishError` naming the table,
  the dimension and the code: nothing is dropped silently;
- ``SEX``, ``AGE`` (five-year and broad groups, any ``Y<a>T<b>`` / ``Y_GE<a>``), the
  Maldives atolls (``ATOLL``, from the geography reference data), ``OCCUPATION``
  (ISCO-08), ``INDUSTRY`` (ISIC Rev.4) and ``MIGRATORY_STATUS`` have built-in labels;
- every other dimension (``MEASURE``, ``REASON``, ``DURATION``, ``REF_DATE`` ...) gets
  a code list of the codes in the data, labelled from the tables' metadata
  (``duration_codes``, ``length_codes``, ``measures``, ``reference_dates``, ...) and
  otherwise from the code itself.

SDMX special codes: ``_T`` total, ``_U`` unknown, ``_O`` other, ``_Z`` not applicable.

>>> publish_code("1.1", "CITIZENSHIP", "BGD"), publish_code("1.1", "CITIZENSHIP", "XKX")
('050', 'XKX')
>>> publish_code("1.1", "COUNTRY_OF_BIRTH", "OTH"), publish_code("1.1", "SEX", "F")
('_O', 'F')
>>> code_label("AGE", "Y_GE85"), code_label("AGE", "Y15T64")
('85 years and over', '15-64 years')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Final

from migstats.publish.tables import PublishedTable, PublishError
from migstats.refdata import countries as country_ref
from migstats.refdata import geography, industries, occupations
from migstats.stats.sdg import MIGRATORY_STATUSES

__all__ = [
    "COUNTRY_DIMENSIONS",
    "SPECIAL_CODES",
    "CodeItem",
    "CodeList",
    "area_label",
    "build_codelists",
    "code_label",
    "codelist_id",
    "country_m49",
    "publish_code",
]

#: SDMX special codes (SDMX Content-Oriented Guidelines).
SPECIAL_CODES: Final = {
    "_T": "Total",
    "_U": "Unknown",
    "_O": "Other",
    "_Z": "Not applicable",
    "_X": "Unspecified",
}
#: Dimensions coded by country (ISO alpha-3 in the tables, M49 in SDMX).
COUNTRY_DIMENSIONS: Final = frozenset(
    {
        "REF_AREA",
        "CITIZENSHIP",
        "COUNTRY_OF_BIRTH",
        "PREVIOUS_RESIDENCE",
        "NEXT_RESIDENCE",
        "COUNTRY_OF_PREVIOUS_RESIDENCE",
        "COUNTRY_OF_NEXT_RESIDENCE",
        "COUNTERPART_AREA",
        "NATIONALITY",
    }
)
#: The time dimension: not coded (SDMX time periods, see :func:`.sdmx.sdmx_period`).
TIME_DIMENSION: Final = "TIME_PERIOD"
#: "All other countries" in a top-N breakdown.
OTHER_COUNTRIES: Final = "OTH"

_SHARED: Final = {
    "SEX": "CL_SEX",
    "AGE": "CL_AGE",
    "ATOLL": "CL_ATOLL",
    "OCCUPATION": "CL_OCCUPATION",
    "INDUSTRY": "CL_INDUSTRY",
    "MIGRATORY_STATUS": "CL_MIGRATORY_STATUS",
}
_SEX: Final = {"F": "Female", "M": "Male", "O": "Other"}
_MIGRATORY: Final = {
    "NB_CIT": "Native-born citizens",
    "NB_FOR": "Native-born foreign citizens",
    "FB_CIT": "Foreign-born citizens",
    "FB_FOR": "Foreign-born foreign citizens",
    "NB": "Native-born (non-migrants), all citizenships",
    "FB": "Foreign-born (migrants), all citizenships",
}
_AGE_RANGE: Final = re.compile(r"Y(\d+)T(\d+)")
_AGE_GE: Final = re.compile(r"Y_GE(\d+)")
_AGE_LT: Final = re.compile(r"Y_LT(\d+)")
_AGE_ONE: Final = re.compile(r"Y(\d+)")
#: SDMX IDType: the characters a code may have.
_SDMX_ID: Final = re.compile(r"[A-Za-z0-9_@$\-]+")


@dataclass(frozen=True)
class CodeItem:
    """One code: its id, English label and, for flagged codes, a note."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class CodeList:
    """A code list with its SDMX id (``CL_...``), name, version and codes in order."""

    id: str
    name: str
    items: tuple[CodeItem, ...]
    description: str = ""
    version: str = "1.0"

    def labels(self) -> dict[str, str]:
        """Code -> label."""
        return {item.id: item.name for item in self.items}


def codelist_id(dimension: str) -> str:
    """The id of the code list of a dimension.

    >>> codelist_id("COUNTRY_OF_BIRTH"), codelist_id("AGE"), codelist_id("REASON")
    ('CL_AREA', 'CL_AGE', 'CL_REASON')
    """
    if dimension in COUNTRY_DIMENSIONS:
        return "CL_AREA"
    return _SHARED.get(dimension, f"CL_{dimension}")


@cache
def _m49_by_iso3() -> dict[str, str]:
    return {c.iso3: (c.m49 if c.is_m49 else c.iso3) for c in country_ref.countries()}


def country_m49(iso3: str) -> str:
    """The CL_AREA code of an ISO alpha-3 code: M49 numeric, or the flagged code.

    >>> country_m49("MDV"), country_m49("XXA")
    ('462', 'XXA')
    """
    return _m49_by_iso3()[iso3]


def publish_code(table_id: str, dimension: str, code: str) -> str:
    """The code a table's cell carries in SDMX (countries to CL_AREA; others as they are;
    ``TIME_PERIOD`` is not coded and returned unchanged).

    >>> publish_code("1.1", "CITIZENSHIP", "ZZZ")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    migstats.publish.tables.PublishError: Table 1.1 has a code that cannot be published: ...
    """
    if dimension in COUNTRY_DIMENSIONS:
        if code in SPECIAL_CODES:
            return code
        if code == OTHER_COUNTRIES:
            return "_O"
        mapped = _m49_by_iso3().get(code)
        if mapped is None:
            raise PublishError(
                f"Table {table_id} has a code that cannot be published",
                f"dimension {dimension} has code {code!r}, which is neither an ISO alpha-3 "
                f"code of {country_ref.VERSION} nor a flagged non-M49 code",
                "harmonise the country (migstats harmonise) or code it XXX (unspecified)",
            )
        return mapped
    if dimension == TIME_DIMENSION:
        return code
    if not _SDMX_ID.fullmatch(code):
        raise PublishError(
            f"Table {table_id} has a code that cannot be published",
            f"dimension {dimension} has code {code!r}; SDMX codes use only letters, digits "
            "and _ @ $ -",
            "recode the dimension",
        )
    return code


def _age_label(code: str) -> str | None:
    if m := _AGE_RANGE.fullmatch(code):
        return f"{m[1]}-{m[2]} years"
    if m := _AGE_GE.fullmatch(code):
        return f"{m[1]} years and over"
    if m := _AGE_LT.fullmatch(code):
        return f"under {m[1]} years"
    if m := _AGE_ONE.fullmatch(code):
        return f"{m[1]} years"
    return None


def _age_order(code: str) -> tuple[int, int, str]:
    if m := _AGE_RANGE.fullmatch(code):
        return (int(m[1]), int(m[2]), code)
    if m := _AGE_GE.fullmatch(code):
        return (int(m[1]), 999, code)
    if m := _AGE_LT.fullmatch(code):
        return (0, int(m[1]) - 1, code)
    if m := _AGE_ONE.fullmatch(code):
        return (int(m[1]), int(m[1]), code)
    return (10_000, 0, code)


def _humanise(code: str) -> str:
    text = code.replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:] if text else code


@cache
def _atolls() -> dict[str, str]:
    return {a.code: a.name for a in geography.atolls()}


def _builtin_label(dimension: str, code: str) -> str | None:
    if code in SPECIAL_CODES:
        return SPECIAL_CODES[code]
    if dimension in COUNTRY_DIMENSIONS or dimension == "CL_AREA":
        if code == OTHER_COUNTRIES:
            return "Other countries"
        try:
            if code.isdigit():
                return country_ref.by_m49(code).name
            return country_ref.by_iso3(code).short_name
        except KeyError:
            return None
    if dimension == "SEX":
        return _SEX.get(code)
    if dimension == "AGE":
        return _age_label(code)
    if dimension == "ATOLL":
        return _atolls().get(code)
    if dimension == "OCCUPATION":
        try:
            return occupations.by_code(code).title
        except KeyError:
            return None
    if dimension == "INDUSTRY":
        try:
            return industries.by_code(code).title
        except KeyError:
            return None
    if dimension == "MIGRATORY_STATUS":
        return _MIGRATORY.get(code)
    return None


def _metadata_labels(metadata: Mapping[str, Any], dimension: str) -> dict[str, str]:
    """Labels of a dimension's codes found in a table's metadata."""
    key = dimension.lower()
    found: dict[str, str] = {}
    candidates: list[Any] = [
        metadata.get(f"{key}_codes"),
        metadata.get(f"{key}s"),
        metadata.get(key),
    ]
    if dimension == "AGE":
        candidates.append(metadata.get("age_codes"))
    if dimension == "LENGTH_OF_STAY" or dimension == "LENGTH_OF_ABSENCE":
        candidates.append(metadata.get("length_codes"))
    for candidate in candidates:
        if isinstance(candidate, Mapping) and isinstance(candidate.get("codes"), Mapping):
            candidate = candidate["codes"]
        if isinstance(candidate, Mapping):
            for code, label in candidate.items():
                if isinstance(label, str):
                    found.setdefault(str(code), label)
    if dimension == "REF_DATE" and isinstance(metadata.get("reference_dates"), Mapping):
        for code, day in metadata["reference_dates"].items():
            found.setdefault(str(code), f"{_humanise(str(code))} ({day})")
    if dimension == "REF_DATE" and isinstance(metadata.get("reference_date"), str):
        found.setdefault("census_night", f"Census night ({metadata['reference_date']})")
    return found


def code_label(dimension: str, code: str, metadata: Mapping[str, Any] | None = None) -> str:
    """The English label of a code: built-in classifications, then the metadata, then
    the code itself made readable.

    >>> code_label("CITIZENSHIP", "BGD"), code_label("ATOLL", "K"), code_label("SEX", "_T")
    ('Bangladesh', 'Kaafu', 'Total')
    >>> code_label("DURATION", "Y0", {"duration_codes": {"Y0": "under 1 year"}})
    'under 1 year'
    """
    builtin = _builtin_label(dimension, code)
    if builtin is not None and code not in SPECIAL_CODES:
        return builtin
    if metadata:
        label = _metadata_labels(metadata, dimension).get(code)
        if label:
            return label
    if builtin is not None:
        return builtin
    if dimension in ("DURATION", "LENGTH_OF_STAY", "LENGTH_OF_ABSENCE", "AGE"):
        label = _age_label(code) if code.startswith("Y") else None
        if label:
            return label
    return _humanise(code)


def _order(dimension: str, code: str) -> tuple[Any, ...]:
    special = code in SPECIAL_CODES
    if dimension == "AGE":
        return (special, _age_order(code))
    if dimension == "SEX":
        return (special, {"F": 0, "M": 1}.get(code, 2), code)
    if dimension == "MIGRATORY_STATUS":
        known = list(MIGRATORY_STATUSES)
        return (special, known.index(code) if code in known else len(known), code)
    if dimension == "ATOLL":
        atolls = list(_atolls())
        return (special, atolls.index(code) if code in atolls else len(atolls), code)
    return (special, code)


def _area_codelist(used: Iterable[str]) -> CodeList:
    items = [
        CodeItem(c.m49, c.name)
        for c in sorted(country_ref.countries(), key=lambda c: c.m49)
        if c.is_m49
    ]
    for c in country_ref.countries():
        if not c.is_m49:
            items.append(CodeItem(c.iso3, c.name, "flagged: not an UN M49 area"))
    items.append(CodeItem("_O", "Other countries", "all countries not shown separately"))
    known = {i.id for i in items}
    for code in sorted(set(used) - known):
        if code in SPECIAL_CODES:
            items.append(CodeItem(code, SPECIAL_CODES[code]))
    return CodeList(
        "CL_AREA",
        "Countries and areas (UN M49)",
        tuple(items),
        f"UN M49 numeric codes, with flagged non-M49 codes ({country_ref.VERSION}, "
        f"valid from {country_ref.VALID_FROM.isoformat()})",
    )


_NAMES: Final = {
    "CL_SEX": ("Sex", "SDMX CL_SEX codes"),
    "CL_AGE": (
        "Age group",
        "Age in completed years: Y<a>T<b> = a to b years, Y_GE<a> = a and over",
    ),
    "CL_ATOLL": ("Administrative atoll", f"Maldives atolls and Malé City ({geography.VERSION})"),
    "CL_OCCUPATION": ("Occupation (ISCO-08)", occupations.VERSION),
    "CL_INDUSTRY": ("Industry (ISIC Rev.4)", industries.VERSION),
    "CL_MIGRATORY_STATUS": (
        "Migratory status",
        "Country of birth x citizenship (UN framework); FB and NB are the SDG "
        "COMPOSITE_BREAKDOWN MS_MIGRANT and MS_NOMIGRANT",
    ),
}


def build_codelists(tables: Iterable[PublishedTable], country: str) -> dict[str, CodeList]:
    """Every code list the tables need, by id; ``CL_AREA`` always (``REF_AREA``).

    Codes come from the data (mapped by :func:`publish_code`) plus, for countries, the
    whole M49 list; labels from :func:`code_label` with the metadata of the first table
    that explains a code.
    """
    used: dict[str, dict[str, tuple[str, Mapping[str, Any]]]] = {"CL_AREA": {}}
    for table in tables:
        for dimension in table.dimensions:
            if dimension == TIME_DIMENSION:
                continue
            cl = codelist_id(dimension)
            for code in sorted({str(v) for v in table.table.data.column(dimension).to_pylist()}):
                published = publish_code(table.table_id, dimension, code)
                used.setdefault(cl, {}).setdefault(published, (dimension, table.table.metadata))
    used["CL_AREA"].setdefault(country_m49(country), ("REF_AREA", {}))
    out: dict[str, CodeList] = {"CL_AREA": _area_codelist(used["CL_AREA"])}
    for cl, codes in sorted(used.items()):
        if cl == "CL_AREA":
            continue
        dimension = next(iter(codes.values()))[0] if codes else cl[3:]
        items = []
        for code in sorted(codes, key=partial(_order, dimension)):
            dim, metadata = codes[code]
            items.append(CodeItem(code, code_label(dim, code, metadata)))
        name, description = _NAMES.get(cl, (_humanise(cl[3:]), f"Codes of {cl[3:]}"))
        out[cl] = CodeList(cl, name, tuple(items), description)
    return out


def area_label(code: str) -> str:
    """Label of a CL_AREA code (M49 numeric, flagged or special).

    >>> area_label("050"), area_label("XXA"), area_label("_O")
    ('Bangladesh', 'Stateless person', 'Other countries')
    """
    if code == "_O":
        return "Other countries"
    if code in SPECIAL_CODES:
        return SPECIAL_CODES[code]
    if code.isdigit():
        return country_ref.by_m49(code).name
    return country_ref.by_iso3(code).name
