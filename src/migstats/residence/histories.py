"""Classify one batch of complete travel histories: the rule's vectorised core.

An engine hands this function batches of canonical crossings (see
:mod:`migstats.residence.inputs`) holding whole persons, sorted by person, date and
input row. It repairs the histories, classifies every window, works out the initial
statuses and the statuses before and after each crossing, and returns one result row per
input row, plus one row per imputed crossing (``imputed`` true), whose classification
feeds the flow tables. Everything is array arithmetic over the batch: no Python loop per
person or crossing.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from migstats.residence.initial_status import initial_status
from migstats.residence.repair import DUPLICATE, SortedCrossings, repair_histories
from migstats.residence.rule import ResidenceRule
from migstats.residence.status import residence_statuses
from migstats.residence.windows import NO_DATE, window_outcomes

__all__ = ["RESULT_SCHEMA", "classify_histories"]

#: Stands for "no date" in the int32 ``date_final`` result column.
NO_DATE32: Final = np.iinfo(np.int32).min

#: Columns of the batch results. For an imputed crossing ``row_nr`` is the input row
#: that follows it (the one flagged as repaired).
RESULT_SCHEMA: Final = pa.schema(
    [
        ("row_nr", pa.int64()),
        ("res_status_before", pa.int8()),
        ("res_status_after", pa.int8()),
        ("is_long_term_migration", pa.int8()),
        ("date_final", pa.int32()),
        ("repair", pa.int8()),
        ("initial_status_source", pa.int8()),
        ("imputed", pa.bool_()),
        ("day", pa.int32()),
        ("arrival", pa.bool_()),
    ]
)


def _person_labels(codes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Number the persons of a sorted batch 0, 1, ... in order."""
    first = np.ones(len(codes), dtype=np.bool_)
    first[1:] = codes[1:] != codes[:-1]
    return np.cumsum(first, dtype=np.int64) - 1


def classify_histories(batch: pa.Table, rule: ResidenceRule, start: int, end: int) -> pa.Table:
    """Results for a sorted batch of canonical crossings (see :data:`RESULT_SCHEMA`).

    ``start`` and ``end`` are the observation period as days since 1970-01-01, both
    included.
    """
    n = batch.num_rows
    if n == 0:
        return RESULT_SCHEMA.empty_table()
    person = _person_labels(batch.column("person").to_numpy())
    day = batch.column("day").to_numpy().astype(np.int64)
    arrival = batch.column("arrival").to_numpy()
    given = batch.column("initial").to_numpy()
    row_nr = batch.column("row_nr").to_numpy()

    history = repair_histories(SortedCrossings(person, day, arrival), start, end)
    windows = window_outcomes(history.day, history.arrival, history.person, rule, end)

    n_persons = int(person[-1]) + 1
    starts = np.flatnonzero(np.diff(person, prepend=-1))
    given_by_person = np.maximum.reduceat(given, starts).astype(np.int8)
    first_day = np.zeros(n_persons, dtype=np.int64)
    first_arrival = np.zeros(n_persons, dtype=np.bool_)
    if len(history.person):
        eff_first = np.flatnonzero(np.diff(history.person, prepend=-1))
        first_day[history.person[eff_first]] = history.day[eff_first]
        first_arrival[history.person[eff_first]] = history.arrival[eff_first]
    has_history = np.zeros(n_persons, dtype=np.bool_)
    has_history[history.person] = True
    # A person with every record outside the period has no first crossing to go by.
    first_day = np.where(has_history, first_day, start)
    initial, source = initial_status(given_by_person, first_day, first_arrival, start, rule)

    statuses = residence_statuses(
        windows.outcome,
        windows.decided_on,
        history.day,
        history.arrival,
        history.person,
        initial[history.person],
    )

    # Map the effective crossings back onto the input records.
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

    imputed = np.flatnonzero(history.imputed)
    out_row_nr = np.concatenate([row_nr, row_nr[history.imputed_before]])
    columns = [
        out_row_nr,
        np.concatenate([before, statuses.before[imputed]]),
        np.concatenate([after, statuses.after[imputed]]),
        np.concatenate([long_term, statuses.long_term[imputed]]),
        _days32(np.concatenate([date_final, statuses.date_final[imputed]])),
        np.concatenate([history.repair, np.zeros(len(imputed), np.int8)]),
        np.concatenate([source[person], source[history.person[imputed]]]),
        np.concatenate([np.zeros(n, np.bool_), np.ones(len(imputed), np.bool_)]),
        np.concatenate([day, history.day[imputed]]).astype(np.int32),
        np.concatenate([arrival, history.arrival[imputed]]),
    ]
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, RESULT_SCHEMA, strict=True)],
        schema=RESULT_SCHEMA,
    )


def _days32(days: NDArray[np.int64]) -> NDArray[np.int32]:
    return np.where(days == NO_DATE, NO_DATE32, days).astype(np.int32)
