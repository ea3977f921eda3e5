"""The outcomes-based residence rule's settings and the codes it writes.

A crossing on day ``d`` is a long-term migration when it is in the migrating direction
(an arrival by a non-resident, a departure by a resident) and the traveller spends at
least ``threshold_days`` of the ``window_days`` days in ``[d, d + window_days)`` on the new
side of the border (../shared/DOMAIN.md section 3). Stats NZ and the ABS use 487/365, the
UN option (b) "12 out of 16 months"; option (a) is 365/183.

>>> rule = ResidenceRule()
>>> rule.window_days, rule.threshold_days, rule.max_wrong_side_days
(487, 365, 122)
>>> ResidenceRule.option_a()
ResidenceRule(window_days=365, threshold_days=183)
>>> ResidenceRule(window_days=100, threshold_days=200)  # doctest: +ELLIPSIS
Traceback (most recent call last):
migstats.errors.UserInputError: Invalid residence rule: threshold_days (200) is larger than ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from migstats.errors import UserInputError

__all__ = [
    "INITIAL_SOURCES",
    "REPAIR_CODES",
    "STATUS_NAMES",
    "ResidenceRule",
]

#: Residence status values, indexed by the internal code (``-1`` unknown, 0, 1).
STATUS_NAMES: Final = ("non_resident", "resident", "unknown")

#: Repair codes written to the ``repair`` column, with what each means.
REPAIR_CODES: Final[dict[str, str]] = {
    "duplicate": (
        "same person, date and direction as the crossing just before it: the same "
        "crossing recorded twice; it copies the kept record's status and is never a "
        "long-term migration"
    ),
    "missing_dep_imputed": (
        "an arrival following an arrival: the departure between them was missing and "
        "was imputed at the midpoint date (rounded down); this row's status before is "
        "the status after the imputed departure"
    ),
    "missing_arr_imputed": (
        "a departure following a departure: the arrival between them was missing and "
        "was imputed at the midpoint date (rounded down); this row's status before is "
        "the status after the imputed arrival"
    ),
    "outside_period": (
        "dated before the observation start or after the observation end: left out of "
        "the rule (it cannot influence other crossings) and classified unknown"
    ),
}

#: Where the status before a person's first crossing came from.
INITIAL_SOURCES: Final[dict[str, str]] = {
    "given": "the input's initial_status column (register, census, residence permit)",
    "first_crossing": (
        "derived: the opposite of the first crossing's direction, which came at least "
        "threshold_days after the observation start"
    ),
    "unknown": "neither given nor derivable: the first crossing came too early in the data",
}


@dataclass(frozen=True, slots=True)
class ResidenceRule:
    """Window and threshold of the outcomes-based rule, in days; checked when built.

    ``max_wrong_side_days`` (``W - T``) is the most days a migration may spend on the
    wrong side of the border inside its window and still qualify.
    """

    window_days: int = 487
    threshold_days: int = 365

    def __post_init__(self) -> None:
        problems = []
        for name in ("window_days", "threshold_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{name} must be a whole number of days, got {value!r}")
            elif value <= 0:
                problems.append(f"{name} must be positive, got {value}")
        if not problems and self.threshold_days > self.window_days:
            problems.append(
                f"threshold_days ({self.threshold_days}) is larger than "
                f"window_days ({self.window_days})"
            )
        if problems:
            raise UserInputError(
                "Invalid residence rule",
                "; ".join(problems),
                "choose 0 < threshold_days <= window_days, e.g. 365 of 487",
            )

    @classmethod
    def option_a(cls) -> ResidenceRule:
        """UN option (a): more than 6 of the last 12 months (183 of 365 days)."""
        return cls(window_days=365, threshold_days=183)

    @property
    def max_wrong_side_days(self) -> int:
        """``W - T``: wrong-side days a qualifying window may still contain."""
        return self.window_days - self.threshold_days

    def metadata(self) -> dict[str, object]:
        """The rule as written into every output's metadata."""
        return {
            "rule": "outcomes-based residence rule (Stats NZ / ABS)",
            "window_days": self.window_days,
            "threshold_days": self.threshold_days,
            "day_counting": (
                "the day of an arrival counts as in the country, the day of a departure "
                "as abroad; a spell lasts (next date - this date) days"
            ),
        }
