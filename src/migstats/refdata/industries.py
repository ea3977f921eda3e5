"""Industries: the International Standard Industrial Classification of All Economic
Activities, Revision 4 (ISIC Rev.4).

Four levels: 21 sections (letters ``A`` to ``U``), 88 divisions (2 digits), 238 groups
(3 digits) and 419 classes (4 digits), with their official English titles
(``data/isic4.csv``). Codes are strings and keep their leading zero (``"0311"``).

:func:`industry_aliases` maps common free-text industry names, as written on work-permit
and census forms, to a section letter or a 2-digit division
(``data/isic4_aliases.csv``). Names that are not ISIC categories (``"tourism"``) are
coded to their usual meaning in the Maldives; the data file notes each such default.

>>> by_code("5510").title
'Short term accommodation activities'
>>> section_of("0311")
'A'
>>> industry_aliases()[normalise_title("Guest House")]
'55'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from migstats.refdata.occupations import normalise_title

__all__ = [
    "VALID_FROM",
    "VALID_TO",
    "VERSION",
    "IndustryGroup",
    "alias_notes",
    "by_code",
    "children",
    "industry_aliases",
    "isic4",
    "normalise_title",
    "parent",
    "section_of",
]

VERSION: str = "ISIC-4"
"""Version of the classification."""

VALID_FROM: date = date(2008, 1, 1)
"""Start of validity: ISIC Rev.4 was adopted by the UN Statistical Commission in 2006 and
published in 2008."""

VALID_TO: date | None = None
"""Last day of validity; ``None`` while ISIC Rev.4 is current (Rev.5 adopted in 2023 is
not yet used by the sources)."""

_PACKAGE = "migstats.refdata"


@dataclass(frozen=True)
class IndustryGroup:
    """One ISIC Rev.4 item.

    >>> g = by_code("41")
    >>> (g.code, g.level, g.title)
    ('41', 2, 'Construction of buildings')
    """

    code: str
    """Section letter, or 2 to 4 digits."""
    title: str
    """Official English title."""
    level: int
    """1 section, 2 division, 3 group, 4 class."""


@dataclass(frozen=True)
class _Row:
    group: IndustryGroup
    parent: str


def _read_csv(filename: str) -> Iterator[dict[str, str]]:
    text = resources.files(_PACKAGE).joinpath("data", filename).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text))


@cache
def _rows() -> tuple[_Row, ...]:
    return tuple(
        _Row(
            IndustryGroup(code=row["code"], title=row["title"], level=int(row["level"])),
            row["parent"],
        )
        for row in _read_csv("isic4.csv")
    )


@cache
def isic4() -> tuple[IndustryGroup, ...]:
    """Every ISIC Rev.4 item in classification order (each section followed by its
    divisions, groups and classes).

    >>> items = isic4()
    >>> [sum(g.level == n for g in items) for n in (1, 2, 3, 4)]
    [21, 88, 238, 419]
    """
    return tuple(r.group for r in _rows())


@cache
def _index() -> dict[str, _Row]:
    return {r.group.code: r for r in _rows()}


def by_code(code: str) -> IndustryGroup:
    """The item with this code: a section letter (any case) or 2 to 4 digits.

    >>> by_code("f").title
    'Construction'
    """
    key = code.strip().upper()
    try:
        return _index()[key].group
    except KeyError:
        raise KeyError(
            f"unknown {VERSION} code {key!r} (a section letter A-U or a 2-4 digit string)"
        ) from None


def parent(code: str) -> IndustryGroup | None:
    """The item one level up (a division's parent is its section); ``None`` for a
    section.

    >>> parent("5510").code, parent("55").code
    ('551', 'I')
    """
    up = _index()[by_code(code).code].parent
    return by_code(up) if up else None


def children(code: str) -> tuple[IndustryGroup, ...]:
    """The items one level down.

    >>> [g.code for g in children("55")]
    ['551', '552', '559']
    """
    key = by_code(code).code
    return tuple(r.group for r in _rows() if r.parent == key)


def section_of(code: str) -> str:
    """The section letter of any ISIC Rev.4 code.

    >>> section_of("5510"), section_of("03"), section_of("I")
    ('I', 'A', 'I')
    """
    key = by_code(code).code
    index = _index()
    while index[key].parent:
        key = index[key].parent
    return key


@cache
def _aliases() -> tuple[dict[str, str], dict[str, str]]:
    codes: dict[str, str] = {}
    notes: dict[str, str] = {}
    allowed = {g.code for g in isic4() if g.level <= 2}
    for row in _read_csv("isic4_aliases.csv"):
        key = normalise_title(row["alias"])
        if row["code"] not in allowed:  # pragma: no cover - data guard
            raise ValueError(f"alias {key!r}: {row['code']} is not an ISIC section/division")
        if codes.setdefault(key, row["code"]) != row["code"]:  # pragma: no cover
            raise ValueError(f"alias {key!r} is coded twice")
        if row["note"]:
            notes[key] = row["note"]
    return codes, notes


def industry_aliases() -> dict[str, str]:
    """Free-text industry name (normalised by :func:`normalise_title`) -> ISIC Rev.4
    section letter or 2-digit division. Exact look-up only.

    >>> a = industry_aliases()
    >>> a["construction"], a["resort"], a["fisheries"], a["retail"]
    ('F', '55', '03', '47')
    """
    return dict(_aliases()[0])


def alias_notes() -> dict[str, str]:
    """Why an alias was coded as it was, where the name is not an ISIC category.

    >>> "accommodation" in alias_notes()["tourism"]
    True
    """
    return dict(_aliases()[1])
