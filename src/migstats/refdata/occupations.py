"""Occupations: the International Standard Classification of Occupations, ISCO-08.

Four levels: 10 major groups (1 digit), 43 sub-major groups (2 digits), 130 minor groups
(3 digits) and 436 unit groups (4 digits), with their official English titles
(``data/isco08.csv``). Armed forces occupations are major group ``0``; codes are strings
and keep their leading zero (``"0110"``).

:func:`occupation_aliases` maps common free-text job titles, as written on work-permit
forms in South and South-East Asian labour migration, to a unit group
(``data/isco08_aliases.csv``). Titles that do not say enough (``"labourer"``,
``"driver"``, ``"teacher"``, ``"manager"``) are coded to the usual meaning in Maldivian
work permits; the data file notes each such default.

>>> by_code("5120").title
'Cooks'
>>> occupation_aliases()[normalise_title("Room Boy")]
'9112'
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

__all__ = [
    "VALID_FROM",
    "VALID_TO",
    "VERSION",
    "OccupationGroup",
    "alias_notes",
    "by_code",
    "children",
    "isco08",
    "normalise_title",
    "occupation_aliases",
    "parent",
]

VERSION: str = "ISCO-08"
"""Version of the classification."""

VALID_FROM: date = date(2008, 1, 1)
"""Start of validity: ISCO-08 was adopted by the ILO meeting of experts in December 2007
(endorsed by the Governing Body in March 2008) and is in use from 2008."""

VALID_TO: date | None = None
"""Last day of validity; ``None`` while ISCO-08 is current."""

_PACKAGE = "migstats.refdata"


@dataclass(frozen=True)
class OccupationGroup:
    """One ISCO-08 group.

    >>> g = by_code("9313")
    >>> (g.code, g.level, g.title)
    ('9313', 4, 'Building construction labourers')
    """

    code: str
    """1 to 4 digits; the number of digits is the level."""
    title: str
    """Official English title."""
    level: int
    """1 major group, 2 sub-major group, 3 minor group, 4 unit group."""


def _read_csv(filename: str) -> Iterator[dict[str, str]]:
    text = resources.files(_PACKAGE).joinpath("data", filename).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text))


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_title(text: str) -> str:
    """Normalise a free-text title for exact look-up: accents folded, lower case, ``&``
    read as "and", every run of punctuation or white space turned into one space.

    >>> normalise_title("  Asst. Cook / KITCHEN ")
    'asst cook kitchen'
    >>> normalise_title("F&B  Attendant")
    'f and b attendant'
    >>> normalise_title("Café-Manager")
    'cafe manager'
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", folded).strip()


@cache
def isco08() -> tuple[OccupationGroup, ...]:
    """Every ISCO-08 group, in classification order (major group 0 last).

    >>> groups = isco08()
    >>> [sum(g.level == n for g in groups) for n in (1, 2, 3, 4)]
    [10, 43, 130, 436]
    """
    return tuple(
        OccupationGroup(code=row["code"], title=row["title"], level=int(row["level"]))
        for row in _read_csv("isco08.csv")
    )


@cache
def _index() -> dict[str, OccupationGroup]:
    return {g.code: g for g in isco08()}


def by_code(code: str) -> OccupationGroup:
    """The group with this code (1 to 4 digits, as a string to keep leading zeros).

    >>> by_code("2211").title
    'Generalist medical practitioners'
    """
    key = code.strip()
    try:
        return _index()[key]
    except KeyError:
        raise KeyError(f"unknown {VERSION} code {key!r} (codes are 1-4 digit strings)") from None


def parent(code: str) -> OccupationGroup | None:
    """The group one level up, or ``None`` for a major group.

    >>> parent("5131").code
    '513'
    """
    group = by_code(code)
    return None if group.level == 1 else by_code(group.code[:-1])


def children(code: str) -> tuple[OccupationGroup, ...]:
    """The groups one level down.

    >>> [g.code for g in children("513")]
    ['5131', '5132']
    """
    group = by_code(code)
    return tuple(
        g for g in isco08() if g.level == group.level + 1 and g.code.startswith(group.code)
    )


@cache
def _aliases() -> tuple[dict[str, str], dict[str, str]]:
    codes: dict[str, str] = {}
    notes: dict[str, str] = {}
    units = {g.code for g in isco08() if g.level == 4}
    for row in _read_csv("isco08_aliases.csv"):
        key = normalise_title(row["alias"])
        if row["code"] not in units:  # pragma: no cover - data guard
            raise ValueError(f"alias {key!r}: {row['code']} is not an ISCO-08 unit group")
        if codes.setdefault(key, row["code"]) != row["code"]:  # pragma: no cover
            raise ValueError(f"alias {key!r} is coded twice")
        if row["note"]:
            notes[key] = row["note"]
    return codes, notes


def occupation_aliases() -> dict[str, str]:
    """Free-text job title (normalised by :func:`normalise_title`) -> ISCO-08 unit group.

    Exact look-up only; unit-group titles themselves are not included (look them up in
    :func:`isco08`).

    >>> a = occupation_aliases()
    >>> a["construction worker"], a["waitress"], a["steel fixer"], a["boat driver"]
    ('9313', '5131', '7114', '8350')
    """
    return dict(_aliases()[0])


def alias_notes() -> dict[str, str]:
    """Why an alias was coded as it was, for the aliases that needed a default
    (e.g. ``"labourer"`` -> construction).

    >>> "construction" in alias_notes()["labourer"]
    True
    """
    return dict(_aliases()[1])
