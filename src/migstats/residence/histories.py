"""Classify one batch of complete travel histories.

An engine hands :func:`classify_histories` batches of canonical crossings (see
:mod:`migstats.residence.inputs`) holding whole persons, sorted by person, date and
input row. It repairs the histories, classifies every window, works out the initial
statuses and the statuses before and after each crossing, and returns one result row per
input row, plus one row per imputed crossing (``imputed`` true), whose classification
feeds the flow tables. It runs the compiled rule (:mod:`migstats.residence.kernel`).

:func:`classify_histories_vectorised` is the same rule as whole-array NumPy arithmetic
over the batch (repair, windows, status modules): the readable specification, against
which the tests hold the compiled rule to identical results.

The small per-row results travel packed in one ``codes`` integer (see
:func:`pack_codes`), so that putting them back in input order moves one column, not six.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from migstats.residence.initial_status import initial_status
from migstats.residence.kernel import NO_DATE32, classify_grouped
from migstats.residence.packing import Grouped, pack_rows
from migstats.residence.persons import person_rows
from migstats.residence.repair import (
    DUPLICATE,
    RepairedHistories,
    SortedCrossings,
    repair_histories,
)
from migstats.residence.rule import ResidenceRule
from migstats.residence.status import ResidenceStatuses, residence_statuses
from migstats.residence.windows import NO_DATE, window_outcomes

__all__ = [
    "NO_DATE32",
    "RESULT_SCHEMA",
    "Codes",
    "classify_histories",
    "classify_histories_vectorised",
    "pack_codes",
    "unpack_codes",
]

#: Columns of the batch results. For an imputed crossing ``row_nr`` is the input row
#: that follows it (the one flagged as repaired).
RESULT_SCHEMA: Final = pa.schema(
    [
        ("row_nr", pa.int64()),
        ("codes", pa.int16()),
        ("date_final", pa.int32()),
        ("imputed", pa.bool_()),
        ("day", pa.int32()),
        ("arrival", pa.bool_()),
    ]
)

Codes = dict[str, NDArray[np.int8]]
# (name, lowest bit, bits, offset added before packing so the value is non-negative)
_FIELDS: Final = (
    ("before", 0, 2, 1),
    ("after", 2, 2, 1),
    ("long_term", 4, 2, 1),
    ("repair", 6, 3, 0),
    ("source", 9, 2, 0),
    ("first", 11, 1, 0),
)


def pack_codes(**fields: NDArray[np.integer] | NDArray[np.bool_]) -> NDArray[np.int16]:
    """Pack status codes (-1, 0, 1), repair and source codes and the person-start flag.

    >>> import numpy as np
    >>> codes = pack_codes(before=np.array([-1]), after=np.array([1]), long_term=np.array([0]),
    ...                    repair=np.array([3]), source=np.array([2]), first=np.array([True]))
    >>> {k: v.tolist() for k, v in unpack_codes(codes).items()}
    {'before': [-1], 'after': [1], 'long_term': [0], 'repair': [3], 'source': [2], 'first': [1]}
    """
    packed: NDArray[np.int16] | None = None
    for name, low, _, offset in _FIELDS:
        part = fields[name].astype(np.int16)
        if offset:
            part += offset
        if low:
            part <<= low
        if packed is None:
            packed = part
        else:
            packed |= part
    assert packed is not None
    return packed


def _lookup_tables() -> dict[str, NDArray[np.int8]]:
    every = np.arange(1 << 12, dtype=np.int16)
    return {
        name: (((every >> low) & ((1 << bits) - 1)) - offset).astype(np.int8)
        for name, low, bits, offset in _FIELDS
    }


# Unpacking is one lookup in a 4096-entry table per field: cheaper than bit twiddling.
_LOOKUP: Final = _lookup_tables()


def unpack_codes(codes: NDArray[np.int16]) -> Codes:
    """The fields packed by :func:`pack_codes`."""
    return {name: table[codes] for name, table in _LOOKUP.items()}


def classify_histories(batch: pa.Table, rule: ResidenceRule, start: int, end: int) -> pa.Table:
    """Results for a sorted batch of canonical crossings (see :data:`RESULT_SCHEMA`).

    ``start`` and ``end`` are the observation period as days since 1970-01-01, both
    included. Runs on the calling thread (engines run batches on threads of their own).
    """
    n = batch.num_rows
    if n == 0:
        return RESULT_SCHEMA.empty_table()
    persons = person_rows(np.asarray(batch.column("person").to_numpy(), dtype=np.int64))
    starts = np.append(np.flatnonzero(persons.first), n).astype(np.int64)
    day = np.asarray(batch.column("day").to_numpy(), dtype=np.int32)
    arrival = np.asarray(batch.column("arrival").to_numpy(zero_copy_only=False))
    row_nr = np.asarray(batch.column("row_nr").to_numpy())
    packed, base = pack_rows(day, arrival, np.asarray(batch.column("initial").to_numpy()))
    out = classify_grouped(
        Grouped(packed, starts, base),
        start=start,
        end=end,
        window=rule.window_days,
        threshold=rule.threshold_days,
        sorted_by_day=True,
        threads=1,
    )
    columns = [row_nr, out.codes, out.date_final, np.zeros(n, np.bool_), day, arrival]
    imputed = np.flatnonzero(out.imputed)
    if len(imputed):
        added = [
            row_nr[imputed],
            out.imputed_codes[imputed],
            out.imputed_final[imputed],
            np.ones(len(imputed), np.bool_),
            out.imputed_day[imputed],
            ~arrival[imputed],
        ]
        columns = [np.concatenate([a, b]) for a, b in zip(columns, added, strict=True)]
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, RESULT_SCHEMA, strict=True)],
        schema=RESULT_SCHEMA,
    )


def classify_histories_vectorised(
    batch: pa.Table, rule: ResidenceRule, start: int, end: int
) -> pa.Table:
    """:func:`classify_histories` as whole-array NumPy arithmetic (the specification)."""
    n = batch.num_rows
    if n == 0:
        return RESULT_SCHEMA.empty_table()
    persons = person_rows(np.asarray(batch.column("person").to_numpy(), dtype=np.int64))
    day = batch.column("day").to_numpy().astype(np.int64)
    arrival = np.asarray(batch.column("arrival").to_numpy(zero_copy_only=False))
    given = np.asarray(batch.column("initial").to_numpy())
    row_nr = np.asarray(batch.column("row_nr").to_numpy())

    history = repair_histories(SortedCrossings(persons.number, day, arrival), start, end)
    effective = person_rows(history.person) if history.person is not persons.number else persons
    windows = window_outcomes(history.day, history.arrival, effective, rule, end)

    # Initial status per person of the batch.
    n_persons = int(persons.number[-1]) + 1
    given_by_person = np.maximum.reduceat(given, np.flatnonzero(persons.first)).astype(np.int8)
    first_day = np.full(n_persons, start, dtype=np.int64)  # no crossing in the period: none
    first_arrival = np.zeros(n_persons, dtype=np.bool_)
    who = history.person[effective.first]
    first_day[who] = history.day[effective.first]
    first_arrival[who] = history.arrival[effective.first]
    initial, source = initial_status(given_by_person, first_day, first_arrival, start, rule)

    statuses = residence_statuses(
        windows.outcome,
        windows.decided_on,
        history.day,
        history.arrival,
        effective,
        initial[history.person],
    )

    # Map the effective crossings back onto the input records.
    if not history.repair.any():  # one effective crossing per record, in order
        before, after = statuses.before, statuses.after
        long_term, date_final = statuses.long_term, statuses.date_final
    else:
        before, after, long_term, date_final = _per_record(history, statuses, day)

    imputed = np.flatnonzero(history.imputed)
    codes = pack_codes(
        before=before,
        after=after,
        long_term=long_term,
        repair=history.repair,
        source=source[persons.number],
        first=persons.first,
    )
    columns = [row_nr, codes, _days32(date_final), np.zeros(n, np.bool_), day, arrival]
    if len(imputed):
        extra = pack_codes(
            before=statuses.before[imputed],
            after=statuses.after[imputed],
            long_term=statuses.long_term[imputed],
            repair=np.zeros(len(imputed), np.int8),
            source=source[history.person[imputed]],
            first=np.zeros(len(imputed), np.bool_),
        )
        added = [
            row_nr[history.imputed_before],
            extra,
            _days32(statuses.date_final[imputed]),
            np.ones(len(imputed), np.bool_),
            history.day[imputed],
            history.arrival[imputed],
        ]
        columns = [np.concatenate([a, b]) for a, b in zip(columns, added, strict=True)]
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, RESULT_SCHEMA, strict=True)],
        schema=RESULT_SCHEMA,
    )


def _per_record(
    history: RepairedHistories, statuses: ResidenceStatuses, day: NDArray[np.int64]
) -> tuple[NDArray[np.int8], NDArray[np.int8], NDArray[np.int8], NDArray[np.int64]]:
    """Results per input record when repairs changed the history."""
    n = len(history.position)
    before = np.full(n, -1, dtype=np.int8)
    after = np.full(n, -1, dtype=np.int8)
    long_term = np.full(n, -1, dtype=np.int8)
    date_final = np.full(n, NO_DATE, dtype=np.int64)
    rows = np.flatnonzero(history.position >= 0)
    pos = history.position[rows]
    before[rows] = statuses.before[pos]
    after[rows] = statuses.after[pos]
    long_term[rows] = statuses.long_term[pos]
    date_final[rows] = statuses.date_final[pos]
    # A copy changes nothing: before and after are the kept record's status after.
    copies = np.flatnonzero(history.repair == DUPLICATE)
    kept = history.position[copies]
    before[copies] = statuses.after[kept]
    long_term[copies] = 0
    date_final[copies] = np.where(
        statuses.after[kept] >= 0,
        np.maximum(statuses.after_final[kept], day[copies]),
        NO_DATE,
    )
    return before, after, long_term, date_final


def _days32(days: NDArray[np.int64]) -> NDArray[np.int32]:
    return np.where(days == NO_DATE, NO_DATE32, days).astype(np.int32)
