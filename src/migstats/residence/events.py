"""Long-term immigration and emigration events, for the flow tables.

One event per crossing that is (decidedly) a long-term migration: an arrival that made
a non-resident resident is an *immigration*, a departure that made a resident
non-resident an *emigration*. Crossings imputed by a repair count too, flagged
``imputed``, so flows balance. A citizen's immigration is a *returning citizen*
(DOMAIN.md section 2); citizenship comes from the input's optional ``citizenship``
column, compared with ``home_country``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np
import pyarrow as pa

from migstats.engine import Engine, get_engine
from migstats.residence.classify import METADATA_KEY, run_classification
from migstats.residence.inputs import arrival_flags, crossing_days
from migstats.residence.rule import ResidenceRule

__all__ = ["EVENT_COLUMNS", "long_term_migrations"]

#: Columns of the events table.
EVENT_COLUMNS: Final = (
    "person_id",
    "crossing_date",
    "direction",
    "migration",
    "citizenship",
    "is_citizen",
    "is_returning_citizen",
    "date_final",
    "imputed",
    "input_index",
)

# Written once, in DuckDB's dialect; the engine translates it where needed.
EVENTS_SQL: Final = """
SELECT
    m.person_id,
    m.crossing_date,
    m.direction,
    CASE WHEN m.direction = 'ARR' THEN 'immigration' ELSE 'emigration' END AS migration,
    m.citizenship,
    CASE
        WHEN m.citizenship IS NULL OR s.home_country IS NULL THEN NULL
        ELSE m.citizenship = s.home_country
    END AS is_citizen,
    CASE
        WHEN m.direction <> 'ARR' THEN FALSE
        WHEN m.citizenship IS NULL OR s.home_country IS NULL THEN NULL
        ELSE m.citizenship = s.home_country
    END AS is_returning_citizen,
    m.date_final,
    m.imputed,
    m.input_index
FROM long_term_crossing AS m
CROSS JOIN settings AS s
ORDER BY m.crossing_date, m.event_order
"""


def long_term_migrations(
    crossings: pa.Table,
    rule: ResidenceRule = ResidenceRule(),  # noqa: B008  (frozen, safe as a default)
    observation_start: dt.date | str | None = None,
    observation_end: dt.date | str | None = None,
    engine: str | Engine = "duckdb",
    home_country: str | None = None,
) -> pa.Table:
    """Long-term migration events derived from ``crossings`` (see :func:`classify`).

    Columns: :data:`EVENT_COLUMNS`. ``migration`` is ``immigration`` or ``emigration``;
    ``is_citizen`` and ``is_returning_citizen`` are empty when citizenship or
    ``home_country`` is not known; ``input_index`` is the event's row in ``crossings``
    (0-based; empty for imputed crossings). Ordered by date. Only decided migrations
    appear: crossings still ``unknown`` are in :func:`classify`'s output.

    >>> import pyarrow as pa
    >>> from datetime import date
    >>> crossings = pa.table({
    ...     "person_id": [1, 1], "crossing_date": [date(2017, 1, 1), date(2018, 1, 6)],
    ...     "direction": ["ARR", "DEP"], "citizenship": ["BGD", "BGD"],
    ...     "initial_status": ["non_resident", None]})
    >>> events = long_term_migrations(crossings, observation_end=date(2020, 1, 1),
    ...                               home_country="MDV")
    >>> events.select(["migration", "is_returning_citizen"]).to_pylist()
    [{'migration': 'immigration', 'is_returning_citizen': False}, \
{'migration': 'emigration', 'is_returning_citizen': False}]
    """
    active = get_engine(engine)
    try:
        result = run_classification(crossings, rule, observation_start, observation_end, active)
        table, imputed = result.table, result.imputed
        citizenship = (
            crossings.column("citizenship").cast(pa.string())
            if "citizenship" in crossings.column_names
            else pa.nulls(crossings.num_rows, pa.string())
        )
        long_term = table.column("is_long_term_migration").fill_null(False)
        rows = pa.array(np.flatnonzero(long_term.to_numpy(zero_copy_only=False)))
        day = _canonical_dates(table, rows)
        direction = _canonical_directions(table, rows)
        real = pa.table(
            {
                "person_id": table.column("person_id").take(rows),
                "crossing_date": day,
                "direction": direction,
                "citizenship": citizenship.take(rows),
                "date_final": table.column("date_final").take(rows),
                "imputed": pa.array(np.zeros(len(rows), np.bool_)),
                "input_index": rows.cast(pa.int64()),
                # An imputed crossing sorts just before the record it was imputed for.
                "event_order": pa.array(rows.to_numpy(zero_copy_only=False) * 2 + 1),
            }
        )
        imputed = imputed.filter(imputed.column("is_long_term_migration").fill_null(False))
        flagged = imputed.column("input_index").combine_chunks()
        made_up = pa.table(
            {
                "person_id": imputed.column("person_id"),
                "crossing_date": imputed.column("crossing_date"),
                "direction": imputed.column("direction"),
                "citizenship": citizenship.take(flagged),
                "date_final": imputed.column("date_final"),
                "imputed": pa.array(np.ones(len(flagged), np.bool_)),
                "input_index": pa.nulls(len(flagged), pa.int64()),
                "event_order": pa.array(flagged.to_numpy(zero_copy_only=False) * 2),
            }
        )
        moves = pa.concat_tables([real, made_up.cast(real.schema)])
        settings = pa.table({"home_country": pa.array([home_country], pa.string())})
        events = active.sql(EVENTS_SQL, {"long_term_crossing": moves, "settings": settings})
    finally:
        if not isinstance(engine, Engine):
            active.close()
    metadata = (result.table.schema.metadata or {}).get(METADATA_KEY.encode())
    return events.replace_schema_metadata({METADATA_KEY.encode(): metadata} if metadata else None)


def _canonical_dates(table: pa.Table, rows: pa.Array) -> pa.Array:
    days = crossing_days(table.column("crossing_date").take(rows))
    return pa.array(days, pa.int32()).cast(pa.date32())


def _canonical_directions(table: pa.Table, rows: pa.Array) -> pa.Array:
    arrival = arrival_flags(table.column("direction").take(rows))
    return pa.array(np.where(arrival, "ARR", "DEP"), pa.string())
