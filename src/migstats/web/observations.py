"""Observation tables as people and programs read them: safe rows, labels, display text.

Every route out of this package (pages, the JSON and CSV API, the static site) takes its
rows from :func:`safe_rows`, which withholds the value and interval of any cell whose
``CONF_STATUS`` is not ``F`` (free): a suppressed cell is never shown as a number, even if
a malformed table still carried one. Only the dimension columns and the known
observation columns are passed on; anything else in a file (say a record key) is not.

>>> import pyarrow as pa
>>> from migstats.stats.cube import ObservationTable
>>> data = pa.table({"SEX": ["F", "M"], "OBS_VALUE": [12.0, 3.0],
...                  "OBS_STATUS": ["A", "A"], "CONF_STATUS": ["F", "A"]})
>>> t = ObservationTable("9.9", "Test", ("SEX",), data)
>>> [row["OBS_VALUE"] for row in safe_rows(t)[1]]
[12.0, None]
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Final

import pyarrow as pa

from migstats.stats.cube import ObservationTable
from migstats.web.labels import (
    CONF_STATUS_LABELS,
    OBS_STATUS_LABELS,
    code_label,
    dimension_label,
    metadata_code_labels,
    ordered_codes,
)

__all__ = [
    "OBSERVATION_COLUMNS",
    "DimensionCodes",
    "cell_text",
    "dimension_codes",
    "format_number",
    "is_withheld",
    "legend",
    "public_metadata",
    "safe_rows",
    "table_dimensions",
    "table_payload",
]

#: Observation columns passed on, in this order, when a table has them.
OBSERVATION_COLUMNS: Final = (
    "OBS_VALUE",
    "OBS_STATUS",
    "CONF_STATUS",
    "LOWER",
    "UPPER",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "OBS_COMMENT",
)
_WITHHELD_COLUMNS: Final = ("OBS_VALUE", "LOWER", "UPPER")
#: Shown in place of a suppressed value, and of a value that is not available.
SUPPRESSED: Final = "x"
NOT_AVAILABLE: Final = ".."
#: Flags shown next to values, by OBS_STATUS.
STATUS_FLAGS: Final = {"E": "e", "P": "p", "U": "u", "F": "f", "B": "b"}
#: Dimensions a chart prefers along its horizontal axis, in this order.
_CHART_AXES: Final = ("TIME_PERIOD", "AGE", "REF_DATE")
_TIME_AXES: Final = ("TIME_PERIOD",)


def is_withheld(conf_status: object) -> bool:
    """Whether a cell's value must not be shown: any ``CONF_STATUS`` but free (``F``)."""
    return conf_status not in (None, "", "F")


def table_dimensions(table: ObservationTable) -> tuple[str, ...]:
    """The table's dimensions; for a table without that metadata, its text columns that
    are not observation columns."""
    if table.dimensions:
        return tuple(d for d in table.dimensions if d in table.data.column_names)
    return tuple(
        f.name
        for f in table.data.schema
        if f.name not in OBSERVATION_COLUMNS and pa.types.is_string(f.type)
    )


def safe_rows(table: ObservationTable) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns passed on and one dict per cell, suppressed values withheld (None).

    Non-finite numbers become None too (JSON has no NaN).
    """
    dims = table_dimensions(table)
    columns = [*dims, *(c for c in OBSERVATION_COLUMNS if c in table.data.column_names)]
    rows = table.data.select(columns).to_pylist()
    for row in rows:
        for name in _WITHHELD_COLUMNS:
            value = row.get(name)
            if isinstance(value, float) and not math.isfinite(value):
                row[name] = None
        if is_withheld(row.get("CONF_STATUS")):
            for name in _WITHHELD_COLUMNS:
                if name in row:
                    row[name] = None
    return columns, rows


@dataclass(frozen=True)
class DimensionCodes:
    """A dimension with its codes in reading order and their labels."""

    dimension: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def default(self) -> str:
        """The code a filter starts on: the total when there is one, else the first."""
        if "_T" in self.codes:
            return "_T"
        if self.dimension == "REF_DATE" and "census_night" in self.codes:
            return "census_night"
        return self.codes[0] if self.codes else ""


def dimension_codes(table: ObservationTable) -> list[DimensionCodes]:
    """Each dimension of a table with its codes (reading order) and labels."""
    result = []
    for dim in table_dimensions(table):
        present = [str(c) for c in table.data.column(dim).unique().to_pylist() if c is not None]
        codes = ordered_codes(dim, present)
        dates = table.metadata.get("reference_dates")
        if dim == "REF_DATE" and isinstance(dates, Mapping):
            # chronological, where the metadata date them
            rank = {c: i for i, c in enumerate(codes)}
            codes.sort(key=lambda c: (c != "_T", str(dates.get(c, "9999")), rank[c]))
        extra = metadata_code_labels(table.metadata, dim, codes)
        labels = tuple(code_label(dim, c, extra) for c in codes)
        result.append(DimensionCodes(dim, dimension_label(dim), tuple(codes), labels))
    return result


def decimals_for(unit: str) -> int:
    """Decimal places shown for a unit: 1 for percentages, 2 for ratios, else 0."""
    text = unit.lower()
    if "percent" in text or "%" in text:
        return 1
    if "ratio" in text or "index" in text or "rate" in text:
        return 2
    return 0


def format_number(value: float, decimals: int) -> str:
    """A value with thousands separators and a plain minus sign.

    >>> format_number(132371.4, 0), format_number(-17.19, 0), format_number(6.25, 1)
    ('132,371', '-17', '6.2')
    """
    text = f"{value:,.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") and decimals == 0 else text


def cell_text(row: Mapping[str, Any], decimals: int) -> tuple[str, str, str]:
    """What a table shows for one cell: the value, its flags, its interval (or "")."""
    if is_withheld(row.get("CONF_STATUS")):
        return SUPPRESSED, SUPPRESSED, ""
    value = row.get("OBS_VALUE")
    status = str(row.get("OBS_STATUS") or "")
    if value is None:
        return NOT_AVAILABLE, "", ""
    flag = STATUS_FLAGS.get(status, "")
    lower, upper = row.get("LOWER"), row.get("UPPER")
    interval = ""
    if lower is not None and upper is not None and (lower != value or upper != value):
        interval = f"{format_number(lower, decimals)} to {format_number(upper, decimals)}"
    return format_number(float(value), decimals), flag, interval


def _unit_by_measure(table: ObservationTable) -> dict[str, str]:
    units = table.metadata.get("unit_by_measure")
    if isinstance(units, Mapping):
        return {str(k): str(v) for k, v in units.items()}
    return {}


def chart_axis(dims: Sequence[DimensionCodes]) -> str:
    """The dimension a table's chart runs along: a preferred one (period, age, reference
    date) with at least two codes besides the total, else the one with the most codes."""
    varied = {d.dimension: len([c for c in d.codes if c != "_T"]) for d in dims}
    for name in _CHART_AXES:
        if varied.get(name, 0) >= 2:
            return name
    if not varied:
        return ""
    return max(varied, key=lambda d: (varied[d], -list(varied).index(d)))


_ABSOLUTE_PATH: Final = re.compile(r"^(?:/|[A-Za-z]:[\\/])\S+$")


def public_metadata(value: Any) -> Any:
    """Metadata fit for a page: absolute file paths of the producing machine are cut to
    their file name (they say nothing to a reader and describe the server)."""
    if isinstance(value, str) and _ABSOLUTE_PATH.match(value):
        path = PureWindowsPath(value) if "\\" in value else PurePosixPath(value)
        return path.name
    if isinstance(value, Mapping):
        return {str(k): public_metadata(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [public_metadata(v) for v in value]
    return value


def table_payload(table: ObservationTable) -> dict[str, Any]:
    """The data an indicator page draws from: dimensions with labelled codes, the chart
    axis and one compact row per cell.

    Each row is ``[code index per dimension..., value, text, flags, interval]``: the
    value is None when suppressed or missing, and ``text`` is what the table shows.
    """
    dims = dimension_codes(table)
    columns, rows = safe_rows(table)
    position = [{code: i for i, code in enumerate(d.codes)} for d in dims]
    units = _unit_by_measure(table)
    has_interval = "LOWER" in columns and "UPPER" in columns
    compact: list[list[Any]] = []
    for row in rows:
        unit = units.get(str(row.get("MEASURE")), table.unit)
        text, flag, interval = cell_text(row, decimals_for(unit))
        indices: list[Any] = [position[i][str(row[d.dimension])] for i, d in enumerate(dims)]
        compact.append([*indices, row.get("OBS_VALUE"), text, flag, interval])
    axis = chart_axis(dims)
    return {
        "id": table.table_id,
        "title": table.title,
        "unit": table.unit,
        "dimensions": [
            {
                "id": d.dimension,
                "label": d.label,
                "codes": list(d.codes),
                "labels": list(d.labels),
                "default": d.default,
            }
            for d in dims
        ],
        "axis": axis,
        "kind": "line" if axis in _TIME_AXES else "bar",
        "interval": has_interval,
        "rows": compact,
    }


def legend(table: ObservationTable) -> list[tuple[str, str]]:
    """The symbols a table's cells use, each with its meaning."""
    _, rows = safe_rows(table)
    statuses = {str(r.get("OBS_STATUS") or "") for r in rows if r.get("OBS_VALUE") is not None}
    withheld = sorted({str(r["CONF_STATUS"]) for r in rows if is_withheld(r.get("CONF_STATUS"))})
    symbols = [
        (STATUS_FLAGS[s], OBS_STATUS_LABELS.get(s, s))
        for s in sorted(statuses)
        if s in STATUS_FLAGS
    ]
    if withheld:
        why = "; ".join(f"{c}: {CONF_STATUS_LABELS.get(c, c)}" for c in withheld)
        symbols.append((SUPPRESSED, f"value withheld to protect confidentiality ({why})"))
    if any(r.get("OBS_VALUE") is None and not is_withheld(r.get("CONF_STATUS")) for r in rows):
        symbols.append((NOT_AVAILABLE, "not available"))
    return symbols
