"""Visa and permit types to the purpose of stay: work, family, study, tourism, business,
residence.

Decisions (what a statistician would expect, written here so outputs can cite them):

- "Work Visa", "WORK", "Work Permit", "Employment Visa": ``work``.
- "Dependent Visa", "DEPENDENT", "Spouse Visa": ``family``.
- "Resident Visa (Marriage)", or any type naming marriage, a spouse or family:
  ``family``: residence granted to marry or join a family is family migration in the UN
  framework (reason for migration), whatever the permit is called.
- A residence visa or permit whose type gives no reason ("RESIDENT", "Residence Permit",
  "Permanent Resident"): ``residence``. In the Maldives the RESIDENT type at the border is
  the marriage resident visa; a project that wants it counted as family says so with an
  override (review file), so the choice stays visible.
- "Tourist Visa Extension", "TOURIST", "Visitor": ``tourism``; "Business Visa",
  "Investor": ``business``; "Student Visa", "STUDENT": ``study``.
- "CITIZEN" (a Maldivian crossing on a national document): no purpose, method
  ``not_applicable``.

Exact labels are ``exact``; other types are coded by keyword (``rule``), family keywords
taking precedence over residence ones; anything else goes to review.

>>> t = code_purposes(["Work Visa", "DEPENDENT", "Resident Visa (Marriage)", "RESIDENT",
...                    "Tourist Visa Extension", "Business Visa", "Student Visa", "CITIZEN"]).table
>>> t.column("purpose").to_pylist()
['work', 'family', 'family', 'residence', 'tourism', 'business', 'study', None]
>>> t.column("purpose_method").to_pylist()[-1]
'not_applicable'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from rapidfuzz import fuzz

from migstats.harmonise.codebook import (
    EXACT,
    NOT_APPLICABLE,
    RULE,
    CodedColumn,
    Decision,
    Overrides,
    code_column,
    fuzzy_candidates,
    review,
)
from migstats.refdata.occupations import normalise_title

__all__ = ["PURPOSES", "PurposeCoder", "code_purposes"]

PURPOSES: tuple[str, ...] = ("work", "family", "study", "tourism", "business", "residence")
"""The purposes of stay, as coded."""

VERSION = "MIGSTATS-PURPOSE-1"

_CITIZEN = "citizen"
_EXACT: dict[str, str] = {
    "work visa": "work",
    "work": "work",
    "work permit": "work",
    "employment visa": "work",
    "employment": "work",
    "dependent visa": "family",
    "dependant visa": "family",
    "dependent": "family",
    "dependant": "family",
    "spouse visa": "family",
    "resident visa marriage": "family",
    "marriage": "family",
    "resident": "residence",
    "resident visa": "residence",
    "residence permit": "residence",
    "residence visa": "residence",
    "permanent resident": "residence",
    "tourist visa extension": "tourism",
    "tourist extension": "tourism",
    "tourist visa": "tourism",
    "tourist": "tourism",
    "tourist extension visa": "tourism",
    "visitor": "tourism",
    "visit visa": "tourism",
    "business visa": "business",
    "business": "business",
    "student visa": "study",
    "student": "study",
    "study": "study",
    "citizen": _CITIZEN,
    "maldivian": _CITIZEN,
}
# Checked in this order: a marriage resident visa is family before it is residence, and
# "spouse of a Maldivian" is family, not a citizen.
_KEYWORDS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "family",
        frozenset(
            {
                "marriage",
                "spouse",
                "dependent",
                "dependant",
                "family",
                "wife",
                "husband",
                "child",
                "reunification",
            }
        ),
    ),
    ("work", frozenset({"work", "worker", "employment", "employee", "labour", "job"})),
    ("study", frozenset({"student", "study", "studies", "education", "training"})),
    ("business", frozenset({"business", "investor", "investment", "conference"})),
    ("tourism", frozenset({"tourist", "tourism", "visitor", "visit", "holiday", "arrival"})),
    ("residence", frozenset({"resident", "residence", "permanent"})),
    (_CITIZEN, frozenset({"citizen", "citizens", "maldivian", "national"})),
)


class PurposeCoder:
    """Coder of visa and permit types (classification ``purpose``).

    >>> PurposeCoder().decide("Work permit (renewal)").code
    'work'
    """

    classification = "purpose"
    fields = pa.schema([("", pa.string())])
    version = VERSION

    def key(self, raw: str) -> str:
        """The normalised type (override key)."""
        return normalise_title(raw)

    def decide(self, raw: str, context: str | None = None) -> Decision:
        """Code one type (``context`` is not used)."""
        key = normalise_title(raw)
        purpose = _EXACT.get(key)
        if purpose is not None:
            return self._decision(purpose, EXACT, 1.0, "label")
        words = set(key.split())
        for purpose, keywords in _KEYWORDS:
            if words & keywords:
                return self._decision(purpose, RULE, 0.9, "keyword")
        choices = {k: v for k, v in _EXACT.items() if v != _CITIZEN}
        return review(fuzzy_candidates(key, choices, str, scorer=fuzz.ratio, cutoff=75.0))

    @staticmethod
    def _decision(purpose: str, method: str, confidence: float, rule: str) -> Decision:
        if purpose == _CITIZEN:
            return Decision(None, NOT_APPLICABLE, rule="citizen")
        return Decision(purpose, method, confidence, rule=rule)

    def expand(self, code: str) -> tuple[Any, ...]:
        """``(purpose,)``."""
        return (code,)

    def is_valid(self, code: str) -> bool:
        """Whether ``code`` is one of :data:`PURPOSES`."""
        return code in PURPOSES

    def label(self, code: str) -> str:
        """The purpose itself."""
        return code


def code_purposes(
    values: pa.Array | pa.ChunkedArray | Sequence[Any],
    *,
    column: str = "purpose",
    prefix: str | None = None,
    overrides: Overrides | None = None,
) -> CodedColumn:
    """Code a column of visa or permit types to purposes.

    The result's table has ``<prefix>``, ``<prefix>_method`` and ``<prefix>_confidence``
    (``prefix`` defaults to ``column``).
    """
    return code_column(PurposeCoder(), values, column=column, prefix=prefix, overrides=overrides)
