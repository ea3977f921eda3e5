"""Input checks and the canonical crossing table the engines work on.

Every problem a user can fix is reported before any work runs, as a
:class:`~migstats.errors.UserInputError` naming the column, the row (data rows counted
from 1, the header not counted) and the offending value. Values are checked with
vectorised Arrow kernels, never row by row in Python.

Accepted input (a :class:`pyarrow.Table`):

- ``person_id``: any type, no empty values;
- ``crossing_date``: a date (or timestamp) column, or ISO ``YYYY-MM-DD`` text;
- ``direction``: ``ARR`` or ``DEP`` (case and surrounding spaces ignored);
- ``initial_status`` (optional): ``resident``, ``non_resident`` or empty, the same for
  every row of a person.

>>> import pyarrow as pa
>>> table = pa.table({"person_id": [7, 7], "crossing_date": ["2017-01-01", "2017-13-01"],
...                   "direction": ["ARR", "DEP"]})
>>> canonical_crossings(table)  # doctest: +ELLIPSIS
Traceback (most recent call last):
migstats.errors.UserInputError: Unparseable crossing_date: data row 2 has '2017-13-01'...
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from migstats.engine.grouping import group_codes
from migstats.errors import UserInputError

__all__ = [
    "CANONICAL_SCHEMA",
    "REQUIRED_COLUMNS",
    "CanonicalCrossings",
    "arrival_flags",
    "canonical_crossings",
    "crossing_days",
    "parse_date",
]

REQUIRED_COLUMNS: Final = ("person_id", "crossing_date", "direction")
OPTIONAL_COLUMNS: Final = ("initial_status",)
EPOCH: Final = dt.date(1970, 1, 1)

#: What the engines receive: one row per input row, in input order.
CANONICAL_SCHEMA: Final = pa.schema(
    [
        ("row_nr", pa.int64()),  # position in the input table
        ("person", pa.int64()),  # dense person code: equal exactly for equal person_id
        ("day", pa.int32()),  # crossing date, days since 1970-01-01
        ("arrival", pa.bool_()),
        ("initial", pa.int8()),  # given initial status: 1, 0, or -1 when not given
    ]
)


@dataclass(frozen=True, slots=True)
class CanonicalCrossings:
    """The checked columns, in input order, and the range of crossing dates (days since
    1970-01-01); :meth:`table` puts them in a table of :data:`CANONICAL_SCHEMA`."""

    person: np.ndarray
    day: np.ndarray
    arrival: np.ndarray
    initial: np.ndarray
    first_day: int
    last_day: int

    def table(self) -> pa.Table:
        """The canonical table, for engines that take tables (adds ``row_nr``)."""
        return pa.Table.from_arrays(
            [
                pa.array(np.arange(len(self.day), dtype=np.int64)),
                pa.array(self.person),
                pa.array(self.day),
                pa.array(self.arrival),
                pa.array(self.initial),
            ],
            schema=CANONICAL_SCHEMA,
        )


def canonical_crossings(crossings: pa.Table) -> CanonicalCrossings:
    """Check ``crossings`` and return its canonical form; see the module docstring."""
    if not isinstance(crossings, pa.Table):
        raise UserInputError(
            "Crossings must be a table",
            f"got {type(crossings).__name__}",
            "pass a pyarrow.Table (pyarrow.Table.from_pandas, pyarrow.parquet.read_table)",
        )
    _check_columns(crossings)
    if crossings.num_rows == 0:
        raise UserInputError(
            "Empty input", "there are no crossings", "pass at least one border crossing"
        )
    person_id = crossings.column("person_id")
    if person_id.null_count:
        row = _first_true(person_id.is_null())
        raise UserInputError(
            "Missing person_id",
            f"data row {row + 1} has no person_id",
            "give every crossing the traveller's identifier",
        )
    day = crossing_days(crossings.column("crossing_date"))
    arrival = arrival_flags(crossings.column("direction"))
    if "initial_status" in crossings.column_names:
        initial = _initial(crossings.column("initial_status"))
    else:
        initial = np.full(crossings.num_rows, -1, dtype=np.int8)
    person = group_codes(person_id)
    _check_initial_consistent(person, initial, person_id)
    return CanonicalCrossings(person, day, arrival, initial, int(day.min()), int(day.max()))


def parse_date(value: dt.date | str | None, name: str) -> int | None:
    """A date option as days since 1970-01-01; accepts a date or ISO text."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise UserInputError(
                f"Invalid {name}", f"{value!r} is not a date", "write it as YYYY-MM-DD"
            ) from None
    if not isinstance(value, dt.date):
        raise UserInputError(
            f"Invalid {name}", f"{value!r} is not a date", "pass a datetime.date or YYYY-MM-DD"
        )
    return (value - EPOCH).days


def _check_columns(crossings: pa.Table) -> None:
    present = crossings.column_names
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if not missing:
        return
    hints = []
    for column in missing:
        lowered = {p.lower().strip(): p for p in present}
        close = difflib.get_close_matches(column, list(lowered), n=1, cutoff=0.6)
        if close:
            hints.append(f"did you mean {lowered[close[0]]!r} for {column!r}?")
    raise UserInputError(
        "Missing column" + ("s" if len(missing) > 1 else ""),
        f"{', '.join(missing)} not found among {', '.join(present) or 'no columns'}",
        " ".join(hints) or f"the input needs columns {', '.join(REQUIRED_COLUMNS)}",
    )


def crossing_days(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Check crossing dates and return them as days since 1970-01-01 (int32)."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date64(kind):
        column = column.cast(pa.date32())
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = pc.utf8_trim_whitespace(column)
        parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2017-02-30 over to March: a real date prints back unchanged.
        printed = pc.strftime(parsed, format="%Y-%m-%d")
        bad = pc.invert(pc.equal(printed, text)).fill_null(True)
        if pc.any(bad).as_py():
            _raise_bad_date(column, bad)
        column = parsed.cast(pa.date32())
    elif not pa.types.is_date32(kind):
        raise UserInputError(
            "Unsupported crossing_date type",
            f"the column holds {kind}",
            "give dates as a date column or as text YYYY-MM-DD",
        )
    if column.null_count:
        _raise_bad_date(column, column.is_null())
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    days = [np.asarray(c.view(pa.int32()).to_numpy()) for c in chunks]
    if len(days) == 1:
        return days[0].copy()  # writable and owned, like a concatenation
    return np.concatenate(days) if days else np.zeros(0, np.int32)


def _raise_bad_values(
    column: pa.ChunkedArray | pa.Array,
    bad: pa.ChunkedArray | pa.Array,
    title: str,
    fix: str,
    offset: int = 0,
) -> None:
    """Name the first bad row (``offset`` + its position in ``bad``) and how many in all."""
    row = offset + _first_true(bad)
    value = column[row].as_py()
    count = pc.sum(bad.cast(pa.int64())).as_py()
    more = f" ({count} rows in all)" if count > 1 else ""
    shown = "an empty value" if value in (None, "") else repr(value)
    raise UserInputError(title, f"data row {row + 1} has {shown}{more}", fix)


def _raise_bad_date(column: pa.ChunkedArray | pa.Array, bad: pa.ChunkedArray | pa.Array) -> None:
    _raise_bad_values(
        column, bad, "Unparseable crossing_date", "write dates as YYYY-MM-DD (e.g. 2017-01-31)"
    )


def _coded_chunks(
    column: pa.ChunkedArray | pa.Array,
) -> Iterator[tuple[int, pa.Array, pa.Array]]:
    """Per chunk: its first row, its dictionary indices and its distinct values trimmed,
    so that few-valued text is checked and looked up once per value, not per row."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    offset = 0
    for chunk in chunks:
        coded = _dictionary(chunk)
        yield offset, coded.indices, pc.utf8_trim_whitespace(coded.dictionary.cast(pa.string()))
        offset += len(chunk)


def arrival_flags(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Check directions and return True for arrivals."""
    flags = np.empty(len(column), dtype=np.bool_)
    for offset, indices, text in _coded_chunks(column):
        values = pc.utf8_upper(text)
        is_arrival = pc.equal(values, "ARR").fill_null(False)
        valid = pc.or_(is_arrival, pc.equal(values, "DEP").fill_null(False))
        valid_values = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=np.bool_)
        if not valid_values.all() or indices.null_count:
            bad_codes = pa.array(np.flatnonzero(~valid_values))
            _raise_bad_values(
                column,
                pc.is_in(indices, value_set=bad_codes).fill_null(True),
                "Invalid direction",
                "use ARR for an arrival and DEP for a departure",
                offset,
            )
        lookup = np.asarray(is_arrival.to_numpy(zero_copy_only=False), dtype=np.bool_)
        codes = np.asarray(indices.to_numpy(zero_copy_only=False))
        np.take(lookup, codes, out=flags[offset : offset + len(indices)])
    return flags


def _dictionary(column: pa.Array) -> pa.DictionaryArray:
    """The array dictionary-encoded (as it is when Parquet stored it so)."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    assert isinstance(column, pa.DictionaryArray)
    return column


def _initial(column: pa.ChunkedArray) -> np.ndarray:
    """1 resident, 0 non_resident, -1 not given; checked on each chunk's few values."""
    if pa.types.is_null(column.type):
        return np.full(len(column), -1, dtype=np.int8)
    code = np.empty(len(column), dtype=np.int8)
    for offset, indices, text in _coded_chunks(column):
        text = pc.utf8_lower(text)
        values = np.full(len(text), -2, dtype=np.int8)  # -2: not a status
        values[np.asarray(pc.equal(text, "resident").fill_null(False))] = 1
        values[np.asarray(pc.equal(text, "non_resident").fill_null(False))] = 0
        values[np.asarray(pc.equal(text, "").fill_null(True))] = -1
        # Nulls (no status given) take the extra last slot.
        part = np.append(values, np.int8(-1))[np.asarray(indices.fill_null(len(values)))]
        if (part == -2).any():
            row = offset + int(np.argmax(part == -2))
            raise UserInputError(
                "Invalid initial_status",
                f"data row {row + 1} has {column[row].as_py()!r}",
                "use resident, non_resident, or leave it empty when not known",
            )
        code[offset : offset + len(indices)] = part
    return code


def _check_initial_consistent(
    person: np.ndarray, initial: np.ndarray, person_id: pa.ChunkedArray
) -> None:
    given = initial >= 0
    if not given.any():
        return
    who, status = person[given], initial[given]
    size = int(person.max()) + 1
    both = (np.bincount(who[status == 1], minlength=size) > 0) & (
        np.bincount(who[status == 0], minlength=size) > 0
    )
    conflict = both[who]
    if conflict.any():
        row = int(np.flatnonzero(given)[np.argmax(conflict)])
        raise UserInputError(
            "Conflicting initial_status",
            f"person {person_id[row].as_py()!r} is both resident and non_resident "
            f"(see data row {row + 1})",
            "give each person one initial status, or leave it empty",
        )


def _first_true(mask: pa.ChunkedArray | pa.Array) -> int:
    values = mask.to_numpy(zero_copy_only=False) if hasattr(mask, "to_numpy") else mask
    return int(np.argmax(np.asarray(values, dtype=np.bool_)))
