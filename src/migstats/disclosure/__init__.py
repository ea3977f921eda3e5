"""Disclosure control: nothing unprotected leaves the secure space.

Each published table gets a rule (:mod:`.rules`, configured in the project file's
``disclosure:`` section): threshold with primary and secondary suppression
(:mod:`.suppression`, proven by :mod:`.ranges`), the cell key method (:mod:`.cellkey`),
rounding (:mod:`.rounding`), or rounded rates. :func:`protect_all` applies them
(:mod:`.stage`); :func:`gate` re-checks the protected tables on their own and
refuses publication of any table that has not passed its rule (:mod:`.audit`).

See ``docs/disclosure.md`` for the methods, the defaults per table and the flags.

The rules import only pydantic (the project file loads them); the methods, with SciPy
and the statistics tables, are imported when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from migstats.disclosure.rules import (
    Balance,
    CellKeyRule,
    DisclosureSection,
    RatesRule,
    Ratio,
    RoundingRule,
    TableRule,
    ThresholdRule,
    describe,
)

if TYPE_CHECKING:
    from migstats.disclosure.audit import PublicationRefused, Violation, check, check_all, gate
    from migstats.disclosure.stage import protect, protect_all

__all__ = [
    "Balance",
    "CellKeyRule",
    "DisclosureSection",
    "PublicationRefused",
    "RatesRule",
    "Ratio",
    "RoundingRule",
    "TableRule",
    "ThresholdRule",
    "Violation",
    "check",
    "check_all",
    "describe",
    "gate",
    "protect",
    "protect_all",
]

_LAZY = {
    "PublicationRefused": "audit",
    "Violation": "audit",
    "check": "audit",
    "check_all": "audit",
    "gate": "audit",
    "protect": "stage",
    "protect_all": "stage",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"migstats.disclosure.{module}"), name)
