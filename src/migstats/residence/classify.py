"""``classify``: residence status before and after every crossing, on tables.

The stage function behind ``migstats residence classify`` and the pipeline's residence
stage. It checks the input, hands whole travel histories to an engine, and puts the
results back in input order next to the input's own columns.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

import numba
import numpy as np
import pyarrow as pa

from migstats import __version__
from migstats.engine import Engine, get_engine
from migstats.errors import UserInputError
from migstats.residence.histories import RESULT_SCHEMA, classify_histories, unpack_codes
from migstats.residence.initial_status import SOURCE_NAMES
from migstats.residence.inputs import (
    EPOCH,
    CanonicalCrossings,
    arrival_flags,
    canonical_crossings,
    parse_date,
)
from migstats.residence.kernel import NO_DATE32, RowResults, classify_grouped
from migstats.residence.packing import code_histogram, group, take_codes
from migstats.residence.repair import REPAIR_NAMES
from migstats.residence.rule import INITIAL_SOURCES, REPAIR_CODES, STATUS_NAMES, ResidenceRule

__all__ = ["METADATA_KEY", "OUTPUT_COLUMNS", "Classification", "classify", "run_classification"]

log = logging.getLogger("migstats.residence")

#: Schema-metadata key under which the rule and its settings are stored (JSON).
METADATA_KEY: Final = "migstats.residence"

#: Columns added to the input, in order, with their meaning.
OUTPUT_COLUMNS: Final[dict[str, str]] = {
    "res_status_before": "resident, non_resident or unknown just before the crossing",
    "res_status_after": "resident, non_resident or unknown just after the crossing",
    "is_long_term_migration": "true, false, or empty (null) when not yet decidable",
    "date_final": "first date from which later data cannot change this row; empty if unknown",
    "repair": "empty, or the code of the repair rule applied (see repair_codes)",
    "initial_status_source": "where the person's status before their first crossing came from",
}

_STATUS_DICTIONARY: Final = pa.array(STATUS_NAMES, pa.string())
_REPAIR_DICTIONARY: Final = pa.array(REPAIR_NAMES[1:], pa.string())
_SOURCE_DICTIONARY: Final = pa.array(SOURCE_NAMES, pa.string())
_STATUS_INDEX: Final = np.array(
    [
        STATUS_NAMES.index("unknown"),
        STATUS_NAMES.index("non_resident"),
        STATUS_NAMES.index("resident"),
    ],
    dtype=np.int8,
)

_CODE_RANGE: Final = 1 << 12
#: Every packed code's fields (see ``histories.pack_codes``), for counting by code.
_FIELDS_BY_CODE: Final = unpack_codes(np.arange(_CODE_RANGE, dtype=np.int16))
#: Per code, the output columns' raw values: status dictionary indices before and after,
#: long-term flag and its null mask, repair dictionary index and its null mask, source.
_COLUMN_CODES: Final = np.stack(
    [
        _STATUS_INDEX[np.minimum(_FIELDS_BY_CODE["before"] + 1, 2)],  # 3: never packed
        _STATUS_INDEX[np.minimum(_FIELDS_BY_CODE["after"] + 1, 2)],
        _FIELDS_BY_CODE["long_term"] == 1,
        _FIELDS_BY_CODE["long_term"] < 0,
        np.maximum(_FIELDS_BY_CODE["repair"] - 1, 0),
        _FIELDS_BY_CODE["repair"] == 0,
        _FIELDS_BY_CODE["source"],
    ]
).astype(np.int8)


@dataclass(frozen=True)
class Classification:
    """What one run of the rule produced.

    ``table``: the input rows in input order with :data:`OUTPUT_COLUMNS` added.
    ``imputed``: the crossings imputed by repairs (``input_index`` is the row after
    each, the one flagged). ``metadata``: rule, period and counts, also stored in
    ``table``'s schema metadata under :data:`METADATA_KEY`.
    """

    table: pa.Table
    imputed: pa.Table
    metadata: dict[str, Any] = field(default_factory=dict)


def classify(
    crossings: pa.Table,
    rule: ResidenceRule = ResidenceRule(),  # noqa: B008  (frozen, safe as a default)
    observation_start: dt.date | str | None = None,
    observation_end: dt.date | str | None = None,
    engine: str | Engine = "duckdb",
) -> pa.Table:
    """Classify every border crossing with the outcomes-based residence rule.

    ``crossings`` needs ``person_id``, ``crossing_date`` (date or ISO text) and
    ``direction`` (``ARR``/``DEP``), optionally ``initial_status`` (``resident`` /
    ``non_resident``) per person. The observation period defaults to the first and last
    crossing dates; windows running past its end stay ``unknown`` unless already decided.
    Returns one row per input row, in input order, with the input columns and
    :data:`OUTPUT_COLUMNS`; the rule's settings are in the schema metadata.

    >>> import pyarrow as pa
    >>> from datetime import date
    >>> crossings = pa.table({
    ...     "person_id": [1, 1, 2],
    ...     "crossing_date": [date(2017, 1, 1), date(2017, 1, 11), date(2017, 1, 1)],
    ...     "direction": ["ARR", "DEP", "ARR"],
    ...     "initial_status": ["non_resident", "non_resident", "non_resident"]})
    >>> out = classify(crossings, observation_end=date(2020, 1, 1))
    >>> out.column("is_long_term_migration").to_pylist()
    [False, False, True]
    >>> [str(d) for d in out.column("date_final").to_pylist()]
    ['2017-05-14', '2017-05-14', '2018-01-01']
    >>> out.column("res_status_after").to_pylist()
    ['non_resident', 'non_resident', 'resident']
    """
    return run_classification(crossings, rule, observation_start, observation_end, engine).table


def run_classification(
    crossings: pa.Table,
    rule: ResidenceRule = ResidenceRule(),  # noqa: B008
    observation_start: dt.date | str | None = None,
    observation_end: dt.date | str | None = None,
    engine: str | Engine = "duckdb",
) -> Classification:
    """:func:`classify` with the imputed crossings and the metadata kept apart."""
    started = time.perf_counter()
    if not isinstance(rule, ResidenceRule):
        raise UserInputError(
            "Invalid rule", f"got {type(rule).__name__}", "pass a migstats.residence.ResidenceRule"
        )
    canonical = canonical_crossings(crossings)
    start = parse_date(observation_start, "observation_start")
    end = parse_date(observation_end, "observation_end")
    start = canonical.first_day if start is None else start
    end = canonical.last_day if end is None else end
    if start > end:
        raise UserInputError(
            "Empty observation period",
            f"observation_start {_iso(start)} is after observation_end {_iso(end)}",
            "swap them, or leave either out to use the first or last crossing date",
        )

    active = get_engine(engine)
    try:
        if active.in_process:
            results = _classify_in_process(canonical, rule, start, end, active.threads)
        else:
            results = _classify_by_batches(canonical.table(), rule, start, end, active)
    finally:
        if not isinstance(engine, Engine):
            active.close()

    table = _with_results(crossings, results)
    imputed = _imputed_crossings(crossings, results)
    metadata = _metadata(rule, start, end, active.name, results.codes, len(imputed))
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), METADATA_KEY.encode(): json.dumps(metadata).encode()}
    )
    log.info(
        "classified %d crossings with %s in %.2fs: %d long-term migrations, %d unknown, "
        "%d repaired",
        crossings.num_rows,
        active.name,
        time.perf_counter() - started,
        metadata["counts"]["long_term_migrations"],
        metadata["counts"]["unknown_status_after"],
        sum(metadata["counts"]["repairs"].values()),
    )
    return Classification(table, imputed, metadata)


def _classify_in_process(
    canonical: CanonicalCrossings, rule: ResidenceRule, start: int, end: int, threads: int
) -> RowResults:
    """Whole columns to the compiled rule: group by person, classify, in input order."""
    # Numba's pool is sized at start-up; the engine's thread count can only narrow it.
    pool = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    numba.set_num_threads(max(1, min(threads, pool)))
    grouped = group(canonical.person, canonical.day, canonical.arrival, canonical.initial)
    return classify_grouped(
        grouped,
        start=start,
        end=end,
        window=rule.window_days,
        threshold=rule.threshold_days,
    )


def _classify_by_batches(
    canonical: pa.Table, rule: ResidenceRule, start: int, end: int, engine: Engine
) -> RowResults:
    """Batches of whole persons through the engine's :meth:`~Engine.map_groups`."""
    n = canonical.num_rows
    out = RowResults(
        codes=np.zeros(n, np.int16),
        date_final=np.full(n, NO_DATE32, np.int32),
        imputed=np.zeros(n, np.bool_),
        imputed_codes=np.zeros(n, np.int16),
        imputed_final=np.full(n, NO_DATE32, np.int32),
        imputed_day=np.zeros(n, np.int32),
    )
    batches = engine.map_groups(
        canonical,
        partial(classify_histories, rule=rule, start=start, end=end),
        key="person",
        order_by=("day", "row_nr"),
        schema=RESULT_SCHEMA,
    )
    for result in batches:
        rows = np.asarray(result.column("row_nr").to_numpy())
        codes = np.asarray(result.column("codes").to_numpy())
        final = np.asarray(result.column("date_final").to_numpy())
        is_imputed = np.asarray(result.column("imputed").to_numpy(zero_copy_only=False))
        recorded = ~is_imputed
        out.codes[rows[recorded]] = codes[recorded]
        out.date_final[rows[recorded]] = final[recorded]
        # An imputed crossing is reported beside the record that follows it.
        before = rows[is_imputed]
        out.imputed[before] = True
        out.imputed_codes[before] = codes[is_imputed]
        out.imputed_final[before] = final[is_imputed]
        out.imputed_day[before] = np.asarray(result.column("day").to_numpy())[is_imputed]
    return out


def _with_results(crossings: pa.Table, results: RowResults) -> pa.Table:
    table = crossings
    replaced = [c for c in OUTPUT_COLUMNS if c in table.column_names]
    if replaced:
        log.warning("replacing existing columns %s with new results", ", ".join(replaced))
        table = table.drop_columns(replaced)
    before, after, long_term, unknown, repair, not_repaired, source = take_codes(
        _COLUMN_CODES, results.codes
    )
    date_final = results.date_final
    columns = {
        "res_status_before": pa.DictionaryArray.from_arrays(before, _STATUS_DICTIONARY),
        "res_status_after": pa.DictionaryArray.from_arrays(after, _STATUS_DICTIONARY),
        "is_long_term_migration": pa.array(long_term.view(np.bool_), mask=unknown.view(np.bool_)),
        "date_final": pa.array(date_final, mask=date_final == NO_DATE32).cast(pa.date32()),
        "repair": pa.DictionaryArray.from_arrays(
            pa.array(repair, mask=not_repaired.view(np.bool_)), _REPAIR_DICTIONARY
        ),
        "initial_status_source": pa.DictionaryArray.from_arrays(source, _SOURCE_DICTIONARY),
    }
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


def _statuses(codes: np.ndarray) -> pa.DictionaryArray:
    # Codes -1, 0, 1 to positions in STATUS_NAMES (unknown, non_resident, resident).
    indices = _STATUS_INDEX[codes + 1]
    return pa.DictionaryArray.from_arrays(pa.array(indices), _STATUS_DICTIONARY)


def _imputed_crossings(crossings: pa.Table, results: RowResults) -> pa.Table:
    rows = np.flatnonzero(results.imputed)
    fields = unpack_codes(results.imputed_codes[rows])
    long_term = fields["long_term"]
    final = results.imputed_final[rows]
    arrival = ~arrival_flags(_take_ascending(crossings.column("direction"), rows))
    return pa.table(
        {
            "input_index": pa.array(rows, pa.int64()),
            "person_id": _take_ascending(crossings.column("person_id"), rows),
            "crossing_date": pa.array(results.imputed_day[rows]).cast(pa.date32()),
            "direction": pa.array(np.where(arrival, "ARR", "DEP"), pa.string()),
            "res_status_before": _statuses(fields["before"]),
            "res_status_after": _statuses(fields["after"]),
            "is_long_term_migration": pa.array(long_term == 1, mask=long_term < 0),
            "date_final": pa.array(final, mask=final == NO_DATE32).cast(pa.date32()),
        }
    )


def _take_ascending(column: pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    """``column.take(rows)`` for ascending rows, chunk by chunk (a take on a chunked
    column first joins its chunks, a copy of the whole column)."""
    parts, offset = [], 0
    for chunk in column.chunks:
        lo, hi = np.searchsorted(rows, [offset, offset + len(chunk)])
        if hi > lo:
            parts.append(chunk.take(pa.array(rows[lo:hi] - offset)))
        offset += len(chunk)
    return pa.concat_arrays(parts) if parts else pa.array([], column.type)


def _metadata(
    rule: ResidenceRule, start: int, end: int, engine: str, codes: np.ndarray, imputed: int
) -> dict[str, Any]:
    # Every count is a sum over the 4096 possible codes: one pass over the rows.
    histogram = code_histogram(codes, _CODE_RANGE)
    fields = _FIELDS_BY_CODE

    def count(selected: np.ndarray) -> int:
        return int(histogram[selected].sum())

    first = fields["first"] == 1
    return {
        "stage": "residence.classify",
        "migstats_version": __version__,
        "rule": rule.metadata(),
        "observation_start": _iso(start),
        "observation_end": _iso(end),
        "observation_end_meaning": "last day observed (included); nothing after it is assumed",
        "engine": engine,
        "columns": OUTPUT_COLUMNS,
        "repair_codes": REPAIR_CODES,
        "initial_status_sources": INITIAL_SOURCES,
        "counts": {
            "crossings": len(codes),
            "long_term_migrations": count(fields["long_term"] == 1),
            "long_term_unknown": count(fields["long_term"] < 0),
            "unknown_status_before": count(fields["before"] < 0),
            "unknown_status_after": count(fields["after"] < 0),
            "repairs": {
                name: count(fields["repair"] == code)
                for code, name in enumerate(REPAIR_NAMES)
                if name
            },
            "imputed_crossings": imputed,
            "persons_by_initial_status_source": {
                name: count(first & (fields["source"] == code))
                for code, name in enumerate(SOURCE_NAMES)
            },
        },
    }


def _iso(day: int) -> str:
    return (EPOCH + dt.timedelta(days=int(day))).isoformat()
