"""Countries and areas: UN M49 with ISO 3166-1 codes, ICAO Doc 9303 nationality codes.

The table holds the 248 areas of the UN M49 standard (whose numeric codes equal the
ISO 3166-1 numeric codes) plus a few flagged non-M49 entries that administrative data
need: Kosovo (``XKX``; ICAO ``RKS``), Taiwan (``TWN``; in the ISO and ICAO lists, not in the
M49 overview), stateless persons (``XXA``), refugees (``XXB``, ``XXC``) and unspecified
nationality (``XXX``). Non-M49 entries have ``is_m49=False`` and ``m49=""``.

ISO codes and ISO names come from :mod:`pycountry`. The UNSD English short names, the
region / sub-region / intermediate-region membership, the LDC / LLDC / SIDS flags, the
common short names and the English demonyms are package data
(``data/m49_areas.csv``, ``data/m49_regions.csv``, ``data/non_m49_areas.csv``), the ICAO
special codes are ``data/icao_special_codes.csv`` and extra name variants are
``data/country_name_aliases.csv``.

All look-up tables here are exact (lower-cased keys, accents also folded to ASCII); fuzzy
matching belongs elsewhere.

>>> by_iso3("MDV").name
'Maldives'
>>> by_m49(50).iso3
'BGD'
>>> icao_to_iso3()["D"]
'DEU'
>>> demonym_to_iso3()["nepalese"]
'NPL'
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import pycountry

__all__ = [
    "NOT_STATED",
    "VALID_FROM",
    "VALID_TO",
    "VERSION",
    "Country",
    "ambiguous_demonyms",
    "by_iso3",
    "by_m49",
    "countries",
    "demonym_to_iso3",
    "icao_categories",
    "icao_to_iso3",
    "name_to_iso3",
    "region_names",
]

VERSION: str = "M49-2024.09+ICAO9303-8"
"""Version of the list: UNSD M49 overview as of September 2024, ICAO Doc 9303 8th edition."""

VALID_FROM: date = date(2024, 9, 1)
"""First day on which this version of the list is valid."""

VALID_TO: date | None = None
"""Last day of validity; ``None`` while the version is current."""

NOT_STATED: str = "XXX"
"""The code of a nationality stated as unknown (ICAO Doc 9303's person of unspecified
nationality)."""

_PACKAGE = "migstats.refdata"


@dataclass(frozen=True)
class Country:
    """One country or area, with its codes, names, M49 groupings and flags.

    >>> c = by_iso3("GBR")
    >>> (c.iso2, c.m49, c.short_name, c.icao)
    ('GB', '826', 'United Kingdom', 'GBR')
    >>> c.subregion_name
    'Northern Europe'
    >>> by_iso3("XXA").is_m49
    False
    """

    iso3: str
    """ISO 3166-1 alpha-3 code (or a user-assigned / ICAO code for non-M49 entries)."""
    iso2: str
    """ISO 3166-1 alpha-2 code; ``""`` if none."""
    m49: str
    """UN M49 numeric code, 3 digits zero-padded; ``""`` for non-M49 entries."""
    name: str
    """UNSD English short name as written in M49."""
    short_name: str
    """Common English name (``"United Kingdom"``, ``"Russia"``, ``"Iran"``)."""
    demonyms: tuple[str, ...]
    """English demonyms / adjectives of nationality as written on forms."""
    icao: str
    """ICAO Doc 9303 nationality code; the alpha-3 code except Germany (``"D"``) and Kosovo."""
    region_code: str
    region_name: str
    subregion_code: str
    subregion_name: str
    intermediate_region_code: str
    intermediate_region_name: str
    ldc: bool
    """Least Developed Country."""
    lldc: bool
    """Land Locked Developing Country."""
    sids: bool
    """Small Island Developing State."""
    is_m49: bool
    """False for the flagged non-M49 entries (Kosovo, Taiwan, stateless, refugees, unknown)."""


def _read_csv(filename: str) -> Iterator[dict[str, str]]:
    text = resources.files(_PACKAGE).joinpath("data", filename).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text))


def _fold(text: str) -> str:
    """Lower-case, and strip accents and typographic apostrophes: ``"Côte d’Ivoire"`` ->
    ``"cote d'ivoire"``."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


def _keys(text: str) -> set[str]:
    """Lower-cased key plus its accent-folded form."""
    return {text.lower().strip(), _fold(text)} - {""}


@cache
def region_names() -> dict[str, str]:
    """M49 region, sub-region and intermediate-region names by code.

    >>> region_names()["034"]
    'Southern Asia'
    """
    return {row["code"]: row["name"] for row in _read_csv("m49_regions.csv")}


@cache
def countries() -> tuple[Country, ...]:
    """All 248 M49 areas, then the flagged non-M49 entries.

    >>> len([c for c in countries() if c.is_m49])
    248
    >>> [c.iso3 for c in countries() if not c.is_m49]
    ['XKX', 'TWN', 'XXA', 'XXB', 'XXC', 'XXX']
    """
    names = region_names()

    def regions(row: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key in ("region", "subregion", "intermediate_region"):
            code = row[f"{key}_code"]
            out[f"{key}_code"] = code
            out[f"{key}_name"] = names[code] if code else ""
        return out

    result: list[Country] = []
    for row in _read_csv("m49_areas.csv"):
        iso = pycountry.countries.get(numeric=row["m49"])
        if iso is None or iso.alpha_3 != row["iso3"]:  # pragma: no cover - data guard
            raise ValueError(f"m49_areas.csv: {row['m49']}/{row['iso3']} disagrees with ISO")
        iso3 = str(iso.alpha_3)
        result.append(
            Country(
                iso3=iso3,
                iso2=str(iso.alpha_2),
                m49=row["m49"],
                name=row["name"],
                short_name=row["short_name"],
                demonyms=tuple(d for d in row["demonyms"].split(";") if d),
                icao="D" if iso3 == "DEU" else iso3,
                **regions(row),
                ldc=row["ldc"] == "1",
                lldc=row["lldc"] == "1",
                sids=row["sids"] == "1",
                is_m49=True,
            )
        )
    for row in _read_csv("non_m49_areas.csv"):
        result.append(
            Country(
                iso3=row["iso3"],
                iso2=row["iso2"],
                m49="",
                name=row["name"],
                short_name=row["short_name"],
                demonyms=tuple(d for d in row["demonyms"].split(";") if d),
                icao=row["icao"],
                **regions(row),
                ldc=False,
                lldc=False,
                sids=False,
                is_m49=False,
            )
        )
    return tuple(result)


@cache
def _by_iso3() -> dict[str, Country]:
    return {c.iso3: c for c in countries()}


@cache
def _by_m49() -> dict[str, Country]:
    return {c.m49: c for c in countries() if c.m49}


def by_iso3(code: str) -> Country:
    """The country with this alpha-3 code (case-insensitive).

    >>> by_iso3("npl").short_name
    'Nepal'
    >>> by_iso3("ZZZ")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "unknown ISO alpha-3 code 'ZZZ' (not in M49-2024.09+ICAO9303-8; ..."
    """
    key = code.strip().upper()
    try:
        return _by_iso3()[key]
    except KeyError:
        raise KeyError(
            f"unknown ISO alpha-3 code {key!r} (not in {VERSION}; ICAO codes such as 'D' or "
            "'GBD': use icao_to_iso3())"
        ) from None


def by_m49(code: str | int) -> Country:
    """The country with this M49 numeric code; ``"50"``, ``"050"`` and ``50`` all work.

    >>> by_m49("050").name
    'Bangladesh'
    >>> by_m49(462).iso3
    'MDV'
    """
    text = str(code).strip()
    if not text.isdigit() or len(text) > 3:
        raise KeyError(f"M49 code must be 1 to 3 digits, got {code!r}")
    key = text.zfill(3)
    try:
        return _by_m49()[key]
    except KeyError:
        raise KeyError(
            f"unknown M49 country/area code {key!r} (not in {VERSION}; region codes such as "
            "'034' are in region_names())"
        ) from None


@cache
def icao_categories() -> dict[str, str]:
    """Description of each special ICAO Doc 9303 code (codes that are not ISO alpha-3).

    >>> icao_categories()["GBN"]
    'British National (Overseas)'
    """
    return {row["code"]: row["description"] for row in _read_csv("icao_special_codes.csv")}


@cache
def icao_to_iso3() -> dict[str, str]:
    """Every ICAO 9303 nationality code to an ``iso3`` in :func:`countries`.

    All alpha-3 codes of the table map to themselves; ``D`` (also ``D<<`` as written in
    the machine-readable zone) to DEU; the British nationality categories GBD, GBN, GBO,
    GBP and GBS to GBR; RKS to XKX; UN and other organisations' documents (UNO, UNA,
    UNK, EUE, ...) to XXX (nationality not stated).

    >>> m = icao_to_iso3()
    >>> m["GBN"], m["RKS"], m["UNO"], m["BGD"]
    ('GBR', 'XKX', 'XXX', 'BGD')
    """
    table = {c.iso3: c.iso3 for c in countries()}
    for c in countries():
        table[c.icao] = c.iso3
    for row in _read_csv("icao_special_codes.csv"):
        table[row["code"]] = row["iso3"]
    table["D<<"] = "DEU"
    return table


@cache
def _demonym_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for c in countries():
        for demonym in c.demonyms:
            for key in _keys(demonym):
                codes = index.setdefault(key, [])
                if c.iso3 not in codes:
                    codes.append(c.iso3)
    return {k: tuple(sorted(v)) for k, v in index.items()}


@cache
def demonym_to_iso3() -> dict[str, str]:
    """Lower-cased English demonym or adjective of nationality -> ``iso3``, for every
    country; only demonyms that name exactly one country (see :func:`ambiguous_demonyms`).

    >>> d = demonym_to_iso3()
    >>> d["british"], d["indian"], d["filipino"], d["dutch"]
    ('GBR', 'IND', 'PHL', 'NLD')
    >>> "congolese" in d
    False
    """
    return {k: v[0] for k, v in _demonym_index().items() if len(v) == 1}


@cache
def ambiguous_demonyms() -> dict[str, tuple[str, ...]]:
    """Demonyms shared by more than one country, with the candidate ``iso3`` codes.

    >>> ambiguous_demonyms()["congolese"]
    ('COD', 'COG')
    """
    return {k: v for k, v in _demonym_index().items() if len(v) > 1}


@cache
def name_to_iso3() -> dict[str, str]:
    """Lower-cased country name -> ``iso3``: UNSD names, common short names, pycountry's
    name / official name / common name, and the variants in
    ``data/country_name_aliases.csv`` (former names such as "Burma" and "Swaziland",
    "UK", "Holland", ...). Accent-folded forms are included ("cote d'ivoire").

    England, Scotland, Wales and Northern Ireland map to GBR: they are constituent parts
    of the United Kingdom, with no code of their own, and forms often give them as the
    country of birth or citizenship.

    >>> n = name_to_iso3()
    >>> n["russia"], n["korea, republic of"], n["burma"], n["england"]
    ('RUS', 'KOR', 'MMR', 'GBR')
    """
    table: dict[str, str] = {}

    def add(name: str, iso3: str) -> None:
        for key in _keys(name):
            previous = table.setdefault(key, iso3)
            if previous != iso3:  # pragma: no cover - data guard
                raise ValueError(f"country name {key!r} maps to both {previous} and {iso3}")

    for c in countries():
        add(c.name, c.iso3)
        add(c.short_name, c.iso3)
        iso = pycountry.countries.get(alpha_3=c.iso3)
        if iso is not None:
            for attr in ("name", "official_name", "common_name"):
                value = getattr(iso, attr, None)
                if value:
                    add(str(value), c.iso3)
    for row in _read_csv("country_name_aliases.csv"):
        add(row["alias"], row["iso3"])
    return table
