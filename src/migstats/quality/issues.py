"""The catalogue of data problems: each has a stable code, a title, a severity and a
message template. Codes never change meaning; reports and quarantine files use them.

``error`` problems send the row to quarantine; ``warning`` problems are reported and
the value is kept (or set empty where it cannot be typed) for later stages to handle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class IssueType:
    """One kind of data problem."""

    code: str
    title: str
    severity: Severity
    template: str  # formatted with field=..., detail=...

    def message(self, field: str, detail: str = "") -> str:
        return self.template.format(field=field, detail=detail)


ISSUES: dict[str, IssueType] = {
    i.code: i
    for i in (
        IssueType(
            "MALFORMED_ROW",
            "Row cannot be parsed",
            "error",
            "the row does not have the header's columns ({detail})",
        ),
        IssueType(
            "MISSING_COLUMN",
            "Column missing",
            "error",
            "column {field} named in the project file is not in the file{detail}",
        ),
        IssueType(
            "UNDOCUMENTED_COLUMN",
            "Column not in the dictionary",
            "warning",
            "column {field} is in the file but not in the data dictionary",
        ),
        IssueType(
            "DICTIONARY_COLUMN_ABSENT",
            "Dictionary column absent",
            "warning",
            "column {field} is in the data dictionary but not in the file",
        ),
        IssueType(
            "REQUIRED_MISSING", "Required value missing", "error", "{field} is required but empty"
        ),
        IssueType(
            "TYPE_INVALID", "Value of the wrong type", "error", "{field} is not a valid {detail}"
        ),
        IssueType(
            "TYPE_INVALID_OPTIONAL",
            "Optional value of the wrong type",
            "warning",
            "{field} is not a valid {detail}; it is left empty",
        ),
        IssueType(
            "CODE_INVALID",
            "Value not in the code list",
            "warning",
            "{field} is not one of the allowed values{detail}",
        ),
        IssueType(
            "PATTERN_INVALID",
            "Value does not match the pattern",
            "warning",
            "{field} does not match {detail}",
        ),
        IssueType("OUT_OF_RANGE", "Value out of range", "warning", "{field} is outside {detail}"),
        IssueType(
            "DUPLICATE_KEY",
            "Duplicate key",
            "error",
            "{field} repeats a key already seen in an earlier row",
        ),
        IssueType("DATE_ORDER", "Dates in the wrong order", "error", "{field}: {detail}"),
        IssueType(
            "DATE_OUTSIDE_PERIOD",
            "Date outside the data period",
            "error",
            "{field} falls outside the period {detail}",
        ),
        IssueType(
            "DATE_FORMAT_AMBIGUOUS",
            "Day and month cannot be told apart",
            "warning",
            "{field}: no value has a day above 12; read as {detail}",
        ),
        IssueType("DOB_IMPLAUSIBLE", "Implausible date of birth", "warning", "{field} {detail}"),
    )
}
