"""The tables a release publishes: checks at the boundary, flags and their meaning.

A published table is an :class:`~migstats.stats.cube.ObservationTable` that has been
through disclosure control: one column per dimension (string codes), ``OBS_VALUE``,
``OBS_STATUS`` (SDMX CL_OBS_STATUS), ``CONF_STATUS`` (SDMX CL_CONF_STATUS) and,
optionally, ``LOWER``/``UPPER`` bounds. :func:`checked` refuses anything else with an
error naming the table and what to fix; in particular a cell whose ``CONF_STATUS``
says it is confidential must not carry a value or bounds.

>>> import pyarrow as pa
>>> t = ObservationTable("9.9", "Example", ("SEX",), pa.table({"SEX": ["F", "M", "_T"],
...     "OBS_VALUE": [4.0, None, 9.0], "OBS_STATUS": ["A", "A", "A"],
...     "CONF_STATUS": ["F", "A", "F"]}))
>>> p = checked(t)
>>> p.dimensions, p.cells, p.withheld
(('SEX',), 3, 1)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable

__all__ = [
    "CONFIDENTIAL",
    "CONF_STATUS_CODES",
    "OBSERVATION_COLUMNS",
    "OBS_STATUS_CODES",
    "PublishError",
    "PublishedTable",
    "checked",
]

log = logging.getLogger("migstats.publish")

#: Columns that are not dimensions, in the order they are written.
OBSERVATION_COLUMNS: Final = ("OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "LOWER", "UPPER")

#: SDMX cross-domain code list CL_OBS_STATUS (version 2.2), the codes a release may use.
OBS_STATUS_CODES: Final[dict[str, str]] = {
    "A": "Normal value",
    "B": "Time series break",
    "E": "Estimated value",
    "F": "Forecast value",
    "I": "Imputed value",
    "L": "Missing value; data exist but were not collected",
    "M": "Missing value; data cannot exist",
    "N": "Not significant",
    "P": "Provisional value",
    "U": "Low reliability",
}

#: SDMX cross-domain code list CL_CONF_STATUS (version 1.3).
CONF_STATUS_CODES: Final[dict[str, str]] = {
    "F": "Free (free for publication)",
    "A": "Primary confidentiality due to small counts",
    "C": "Confidential statistical information",
    "D": "Secondary confidentiality set by the sender, not for publication",
    "G": "Primary confidentiality due to dominance by one or two units",
    "M": "Primary confidentiality due to data declared confidential based on other "
    "measures of concealment",
    "N": "Not for publication, restricted for internal use only",
    "O": "Primary confidentiality due to dominance by one unit",
    "S": "Secondary confidentiality set and managed by the receiver, not for publication",
    "T": "Primary confidentiality due to dominance by two units",
}

#: CONF_STATUS codes whose cells must be published without a value.
CONFIDENTIAL: Final = frozenset(CONF_STATUS_CODES) - {"F"}


class PublishError(UserInputError):
    """A table cannot be published as it is: the message names the table and the fix."""


@dataclass(frozen=True)
class PublishedTable:
    """A checked table: its dimensions as present in the data, and counts of cells."""

    table: ObservationTable
    dimensions: tuple[str, ...]
    #: Cells (rows) in the table.
    cells: int
    #: Cells published without a value (suppressed or missing).
    withheld: int

    @property
    def table_id(self) -> str:
        return self.table.table_id

    @property
    def columns(self) -> tuple[str, ...]:
        """Dimensions, then the observation columns the table has, in publication order."""
        present = set(self.table.data.column_names)
        return (*self.dimensions, *(c for c in OBSERVATION_COLUMNS if c in present))

    def rows(self) -> list[dict[str, Any]]:
        """The cells as dictionaries, in the table's row order."""
        return list(self.table.data.select(list(self.columns)).to_pylist())

    def unit_of(self, row: dict[str, Any]) -> str:
        """The unit of one cell: ``unit_by_measure`` of the metadata, else the table's."""
        by_measure = self.table.metadata.get("unit_by_measure")
        if isinstance(by_measure, dict) and "MEASURE" in row:
            unit = by_measure.get(row["MEASURE"])
            if isinstance(unit, str):
                return unit
        return self.table.unit


def _fail(table: ObservationTable, cause: str, fix: str) -> PublishError:
    return PublishError(f"Table {table.table_id} cannot be published", cause, fix)


def _codes(column: pa.ChunkedArray) -> set[str]:
    return {str(v) for v in pc.unique(column).to_pylist() if v is not None}


def checked(table: ObservationTable) -> PublishedTable:
    """Check that ``table`` is a protected, well-formed table and describe it.

    Declared dimensions missing from the data are left out with a warning (a table
    that declares a breakdown it does not have); any other column that is neither a
    dimension nor an observation column is an error, as are null codes, duplicate
    keys, flags outside the SDMX code lists, and confidential cells with a value.
    """
    data = table.data
    names = data.column_names
    dimensions = tuple(d for d in table.dimensions if d in names)
    missing = [d for d in table.dimensions if d not in names]
    if missing:
        log.warning("table %s declares dimensions %s that its data lacks", table.table_id, missing)
    extra = [c for c in names if c not in dimensions and c not in OBSERVATION_COLUMNS]
    if extra:
        raise _fail(
            table,
            f"columns {extra} are neither dimensions {list(table.dimensions)} nor "
            f"observation columns {list(OBSERVATION_COLUMNS)}",
            "declare them as dimensions or drop them before publishing",
        )
    for required in ("OBS_VALUE", "OBS_STATUS", "CONF_STATUS"):
        if required not in names:
            fix = (
                "run disclosure control on the table first: only protected tables are published"
                if required == "CONF_STATUS"
                else f"add {required}"
            )
            raise _fail(table, f"it has no {required} column", fix)
    for dimension in dimensions:
        column = data.column(dimension)
        if column.null_count:
            raise _fail(
                table,
                f"dimension {dimension} has {column.null_count} cells without a code",
                f"code them ({'_U'!r} for unknown)",
            )
    for flag, known in (("OBS_STATUS", OBS_STATUS_CODES), ("CONF_STATUS", CONF_STATUS_CODES)):
        column = data.column(flag)
        unknown = sorted(_codes(column) - set(known))
        if unknown or column.null_count:
            shown = unknown + (["<null>"] if column.null_count else [])
            raise _fail(
                table,
                f"{flag} codes {shown} are not in SDMX CL_{flag} ({', '.join(known)})",
                f"use the SDMX CL_{flag} codes",
            )
    confidential = pc.is_in(data.column("CONF_STATUS"), pa.array(sorted(CONFIDENTIAL)))
    for column_name in ("OBS_VALUE", "LOWER", "UPPER"):
        if column_name not in names:
            continue
        leaks = pc.sum(pc.and_(confidential, pc.is_valid(data.column(column_name)))).as_py()
        if leaks:
            raise _fail(
                table,
                f"{leaks} cells flagged confidential by CONF_STATUS still carry {column_name}",
                "blank the values of suppressed cells (disclosure control)",
            )
    if dimensions and data.num_rows:
        keys = data.group_by(list(dimensions)).aggregate([([], "count_all")])
        duplicated = keys.filter(pc.greater(keys.column("count_all"), 1))
        if duplicated.num_rows:
            example = {d: duplicated.column(d)[0].as_py() for d in dimensions}
            raise _fail(
                table,
                f"{duplicated.num_rows} keys occur more than once, e.g. {example}",
                "give each cell one row",
            )
    withheld = data.column("OBS_VALUE").null_count
    return PublishedTable(table, dimensions, data.num_rows, withheld)


def checked_all(tables: Sequence[ObservationTable]) -> list[PublishedTable]:
    """:func:`checked` for each table; table ids must be unique."""
    seen: set[str] = set()
    out = []
    for table in tables:
        if table.table_id in seen:
            raise _fail(table, "two tables have this id", "give every table its own id")
        seen.add(table.table_id)
        out.append(checked(table))
    return out
