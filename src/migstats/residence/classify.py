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

import numpy as np
import pyarrow as pa

from migstats import __version__
from migstats.engine import Engine, get_engine
from migstats.errors import UserInputError
from migstats.residence.histories import (
    NO_DATE32,
    RESULT_SCHEMA,
    classify_histories,
    unpack_codes,
)
from migstats.residence.initial_status import SOURCE_NAMES
from migstats.residence.inputs import EPOCH, canonical_crossings, parse_date
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

    n = crossings.num_rows
    # Results land here in input order; unpacked once all batches are in.
    codes = np.zeros(n, dtype=np.int16)
    date_final = np.full(n, NO_DATE32, dtype=np.int32)
    imputed_parts: list[pa.Table] = []

    active = get_engine(engine)
    try:
        batches = active.map_groups(
            canonical.table,
            partial(classify_histories, rule=rule, start=start, end=end),
            key="person",
            order_by=("day", "row_nr"),
            schema=RESULT_SCHEMA,
        )
        for result in batches:
            is_imputed = np.asarray(result.column("imputed").to_numpy(zero_copy_only=False))
            if is_imputed.any():
                imputed_parts.append(result.filter(pa.array(is_imputed)))
                result = result.filter(pa.array(~is_imputed))
            rows = result.column("row_nr").to_numpy()
            codes[rows] = result.column("codes").to_numpy()
            date_final[rows] = result.column("date_final").to_numpy()
    finally:
        if not isinstance(engine, Engine):
            active.close()

    fields = unpack_codes(codes)
    before, after, long_term = fields["before"], fields["after"], fields["long_term"]
    repair, source = fields["repair"], fields["source"]
    table = _with_results(crossings, before, after, long_term, date_final, repair, source)
    imputed = _imputed_crossings(crossings, imputed_parts)
    metadata = _metadata(
        rule,
        start,
        end,
        active.name,
        before,
        after,
        long_term,
        repair,
        source[fields["first"] == 1],
        len(imputed),
    )
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), METADATA_KEY.encode(): json.dumps(metadata).encode()}
    )
    log.info(
        "classified %d crossings with %s in %.2fs: %d long-term migrations, %d unknown, "
        "%d repaired",
        n,
        active.name,
        time.perf_counter() - started,
        metadata["counts"]["long_term_migrations"],
        metadata["counts"]["unknown_status_after"],
        int((repair > 0).sum()),
    )
    return Classification(table, imputed, metadata)


def _with_results(
    crossings: pa.Table,
    before: np.ndarray,
    after: np.ndarray,
    long_term: np.ndarray,
    date_final: np.ndarray,
    repair: np.ndarray,
    source: np.ndarray,
) -> pa.Table:
    table = crossings
    replaced = [c for c in OUTPUT_COLUMNS if c in table.column_names]
    if replaced:
        log.warning("replacing existing columns %s with new results", ", ".join(replaced))
        table = table.drop_columns(replaced)
    columns = {
        "res_status_before": _statuses(before),
        "res_status_after": _statuses(after),
        "is_long_term_migration": pa.array(long_term == 1, mask=long_term < 0),
        "date_final": pa.array(date_final, mask=date_final == NO_DATE32).cast(pa.date32()),
        "repair": pa.DictionaryArray.from_arrays(
            pa.array(repair - 1, mask=repair == 0), _REPAIR_DICTIONARY
        ),
        "initial_status_source": pa.DictionaryArray.from_arrays(
            pa.array(source), _SOURCE_DICTIONARY
        ),
    }
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


def _statuses(codes: np.ndarray) -> pa.DictionaryArray:
    # Codes -1, 0, 1 to positions in STATUS_NAMES (unknown, non_resident, resident).
    indices = _STATUS_INDEX[codes + 1]
    return pa.DictionaryArray.from_arrays(pa.array(indices), _STATUS_DICTIONARY)


def _imputed_crossings(crossings: pa.Table, parts: list[pa.Table]) -> pa.Table:
    result = pa.concat_tables(parts) if parts else RESULT_SCHEMA.empty_table()
    rows = result.column("row_nr").combine_chunks()
    fields = unpack_codes(np.asarray(result.column("codes").to_numpy()))
    long_term = fields["long_term"]
    final = np.asarray(result.column("date_final").to_numpy())
    arrival = np.asarray(result.column("arrival").to_numpy(zero_copy_only=False))
    return pa.table(
        {
            "input_index": rows,
            "person_id": crossings.column("person_id").take(rows),
            "crossing_date": result.column("day").cast(pa.date32()),
            "direction": pa.array(np.where(arrival, "ARR", "DEP"), pa.string()),
            "res_status_before": _statuses(fields["before"]),
            "res_status_after": _statuses(fields["after"]),
            "is_long_term_migration": pa.array(long_term == 1, mask=long_term < 0),
            "date_final": pa.array(final, mask=final == NO_DATE32).cast(pa.date32()),
        }
    )


def _metadata(
    rule: ResidenceRule,
    start: int,
    end: int,
    engine: str,
    before: np.ndarray,
    after: np.ndarray,
    long_term: np.ndarray,
    repair: np.ndarray,
    person_source: np.ndarray,
    imputed: int,
) -> dict[str, Any]:
    repairs = np.bincount(repair, minlength=len(REPAIR_NAMES))
    by_source = np.bincount(person_source, minlength=len(SOURCE_NAMES))
    persons_by_source = {name: int(by_source[code]) for code, name in enumerate(SOURCE_NAMES)}
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
            "crossings": len(after),
            "long_term_migrations": int((long_term == 1).sum()),
            "long_term_unknown": int((long_term < 0).sum()),
            "unknown_status_before": int((before < 0).sum()),
            "unknown_status_after": int((after < 0).sum()),
            "repairs": {name: int(repairs[code]) for code, name in enumerate(REPAIR_NAMES) if name},
            "imputed_crossings": imputed,
            "persons_by_initial_status_source": persons_by_source,
        },
    }


def _iso(day: int) -> str:
    return (EPOCH + dt.timedelta(days=int(day))).isoformat()
