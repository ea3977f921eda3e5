"""Temporary mobility (tables 2.1, 2.2): the crossings that do not change residence.

The UN framework splits border crossings into international migration (the movements
that change the country of usual residence) and temporary mobility (DOMAIN.md
section 2). The residence rule already says, for every crossing on the spine, the
traveller's status before and after it, so temporary mobility is read off it:

- **2.1 non-resident arrivals**: arrivals after which the traveller is non-resident
  (visitors, short-term workers, citizens living abroad on a visit): every arrival
  that is not a long-term immigration and is not a resident's return. Length of stay
  is the number of days to the traveller's next crossing when that is a departure
  (``_U`` when none is recorded yet, or when the next record is another arrival, i.e.
  the departure record is missing).
- **2.2 residents' temporary departures**: departures after which the traveller is
  still resident (not long-term emigrations). Duration of absence is the number of
  days to the next arrival, coded the same way.

Only recorded crossings are counted: same-day duplicates (the rule's ``duplicate``
repair) count once, and crossings the rule imputed for missing records are not added
(the flows are about 0.4% short where records were missed; the evaluation says how
much).

**Statuses the rule cannot decide yet.** A crossing in the last W days before the data
end whose outcome is still open has status ``unknown``, and unknown propagates to the
traveller's next crossings. Those crossings are allocated with the probability that
their status after the crossing turns out ``resident``, estimated the way Stats NZ
estimates provisional migration: from an *analogue cut-off* two years earlier (a whole
number of years, so the season matches, and at least W days back, so every training
outcome is final). The rule is re-run on the data as they stood at that cut-off; the
crossings it left undecided then, and which are decided now, train a table of
probabilities by direction, traveller class (citizen, visitor visa, work visa, other;
and whether the traveller holds a work permit or residence visa valid at the cut-off),
status before the crossing, whether the traveller is still on the side the crossing
took them to, and the days spent there so far. Cells are shrunk towards their parent
cell (a beta prior with weight :data:`PRIOR_WEIGHT`). Crossings near the *start* of the
data whose status before is unknown and can never be decided (the first crossing came
too early to derive it) are allocated the same way from the mirror analogue: the rule
re-run as if the data began two years later, on the crossings it could not decide then
(cells: direction, traveller class, long-term flag, first crossing or not, days since
the data start). Assumptions: within a cell, open crossings end like the decided ones
did (missing at random given the cell), and patterns two years apart are alike. The
allocation predicts what the rule will say once the data are in, so the rule's own
errors (a missed departure record makes a visitor an immigrant) stay in the figures.

Cells holding allocated crossings get ``OBS_STATUS`` ``P`` (provisional: later data
will revise them) or ``E`` (estimated, start of the data only), with a 95% interval in
``LOWER``/``UPPER`` from the Bernoulli variance of the allocated crossings and the
sampling variance of the probabilities (fully correlated within a probability cell).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Final

import duckdb
import pyarrow as pa

from migstats.residence import run_classification
from migstats.stats.cube import (
    TOTAL,
    UNKNOWN,
    ObservationTable,
    age_group_sql,
    age_sql,
    cube,
    table_from,
)
from migstats.stats.departures import Z95
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame
from migstats.stats.initial import (
    RESIDENCE_PURPOSES,
    VISITOR_VISAS,
    initial_status_table,
    initial_statuses_sql,
    spine_crossings,
)

__all__ = [
    "CROSSINGS",
    "LENGTH_CODES",
    "PRIOR_WEIGHT",
    "allocated_cube",
    "build",
    "classify_mobility",
    "ensure_mobility",
    "evaluate",
    "length_code_sql",
    "top_codes_sql",
]

log = logging.getLogger("migstats.stats")

#: Length of stay (or of absence) in days, SDMX-style codes; ``_U`` when unknown.
LENGTH_CODES: Final = ("D0T6", "D7T29", "D30T89", "D90T364", "D_GE365")
#: Weight (in crossings) of the parent cell's probability in a cell's estimate.
PRIOR_WEIGHT: Final = 10.0
#: How many citizenships table 2.1 shows before ``OTH``.
TOP_CITIZENSHIPS: Final = 15
#: The crossing-level table :func:`classify_mobility` creates.
CROSSINGS: Final = "mobility_crossing"


def length_code_sql(days: str) -> str:
    """SQL for the length-of-stay code of a number of days (``_U`` when null).

    >>> import duckdb
    >>> days = "(values (0), (7), (364), (365), (null)) v(d)"
    >>> [r[0] for r in duckdb.sql(f"select {length_code_sql('d')} from {days}").fetchall()]
    ['D0T6', 'D7T29', 'D90T364', 'D_GE365', '_U']
    """
    return (
        f"case when ({days}) is null or ({days}) < 0 then '_U'"
        f" when ({days}) < 7 then 'D0T6' when ({days}) < 30 then 'D7T29'"
        f" when ({days}) < 90 then 'D30T89' when ({days}) < 365 then 'D90T364'"
        " else 'D_GE365' end"
    )


def top_codes_sql(code: str, top: list[str], other: str = "OTH") -> str:
    """SQL keeping ``code`` when it is one of ``top``, else ``other`` (null stays null).

    >>> import duckdb
    >>> codes = "(values ('BGD'), ('NPL'), (null)) v(c)"
    >>> [r[0] for r in duckdb.sql(f"select {top_codes_sql('c', ['BGD'])} from {codes}").fetchall()]
    ['BGD', 'OTH', None]
    """
    listed = ", ".join(f"'{c}'" for c in top) or "null"
    return (
        f"case when ({code}) is null then null"
        f" when ({code}) in ({listed}) then ({code}) else '{other}' end"
    )


def _traveller_class_sql(frame: StatFrame) -> str:
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    return (
        f"case when citizenship = '{frame.country}' then 'citizen'"
        f" when visa_type in ({visitors}) then 'visitor'"
        " when visa_type = 'WORK' then 'work' else 'other' end"
    )


def _position_sql(relation: str, cutoff: str) -> str:
    """Where each crossing on or before ``cutoff`` left its traveller, as of ``cutoff``.

    ``new_side_days``: days in [crossing, cutoff] spent on the side the crossing led to
    (in the country after an arrival, abroad after a departure), counting the day of an
    arrival as in the country as the rule does; ``on_new_side``: whether the
    traveller's last crossing up to ``cutoff`` went the same way.
    """
    return f"""
        with spell as (
            select *, least(coalesce(lead(crossing_date) over w, {cutoff} + 1), {cutoff} + 1)
                      - crossing_date as spell_days
            from {relation} where crossing_date <= {cutoff}
            window w as (partition by person_key order by crossing_date, seq)
        ),
        suffix as (
            select *, sum(case when direction = 'ARR' then spell_days else 0 end) over
                        (partition by person_key order by crossing_date, seq
                         rows between current row and unbounded following) as in_days,
                   last_value(direction) over
                        (partition by person_key order by crossing_date, seq
                         rows between unbounded preceding and unbounded following)
                     as last_direction
            from spell
        )
        select *, case when direction = 'ARR' then in_days
                       else ({cutoff} + 1 - crossing_date) - in_days end as new_side_days,
               last_direction = direction as on_new_side
        from suffix
    """


def _end_cell_sql(frame: StatFrame) -> str:
    """Probability cell of a crossing left open by the data end (needs position columns)."""
    t = frame.rule.threshold_days
    bucket = (
        "case when new_side_days < 30 then 'N0T29' when new_side_days < 90 then 'N30T89'"
        f" when new_side_days < 180 then 'N90T179' when new_side_days < {t} then 'N180'"
        " else 'NT' end"
    )
    return (
        f"direction || '|' || ({_traveller_class_sql(frame)})"
        " || case when permit_held then '+permit' else '' end"
        f" || '|' || res_status_before || '|' || on_new_side::varchar || '|' || {bucket}"
    )


def _permit_holders_sql(frame: StatFrame, day: str) -> str:
    """SQL: spine persons holding a work permit or residence-type visa valid on ``day``.

    Whether a traveller still holds a permit at the cut-off says much about whether a
    departure is a trip or the end of their stay, so it splits the probability cells.
    """
    valid = f"{day} between valid_from and valid_to"
    parts = []
    if frame.has("work_permit"):
        parts.append(f"select person_key from work_permit where {valid}")
    if frame.has("visa"):
        purposes = ", ".join(f"'{p}'" for p in RESIDENCE_PURPOSES)
        parts.append(f"select person_key from visa where {valid} and purpose in ({purposes})")
    union = " union ".join(parts) or "select null::varchar as person_key"
    return f"(select distinct person_key from ({union}) where person_key is not null)"


def _start_cell_sql(frame: StatFrame, start: str) -> str:
    """Probability cell of a crossing left open by the data start (status before unknown)."""
    bucket = (
        f"case when crossing_date - {start} < 90 then 'S0T89'"
        f" when crossing_date - {start} < 180 then 'S90T179' else 'S180' end"
    )
    return (
        f"direction || '|' || ({_traveller_class_sql(frame)}) || '|'"
        " || coalesce(is_long_term_migration::varchar, 'open') || '|'"
        " || (row_number() over (partition by person_key order by crossing_date, seq) = 1)"
        f"::varchar || '|' || {bucket}"
    )


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _analogue_years(frame: StatFrame) -> int:
    """Whole years (so the season matches) covering the window, so analogues are final."""
    return -(-frame.rule.window_days // 365)


def _initial_statuses_since(frame: StatFrame, start: dt.date) -> str:
    """:func:`migstats.stats.initial.initial_statuses_sql` as if the data began on
    ``start``."""
    return initial_statuses_sql(frame, since=start)


def _rerun(
    frame: StatFrame,
    start: dt.date,
    end: dt.date,
    active: tuple[dt.date, dt.date],
    initial_sql: str,
) -> pa.Table:
    """The rule on the data as they would stand from ``start`` to ``end``.

    Only travellers with a crossing in ``active`` (both days included) are classified.
    """
    first, last = (f"date '{d.isoformat()}'" for d in (start, end))
    since, until = (f"date '{d.isoformat()}'" for d in active)
    crossings = spine_crossings(
        frame,
        f"({initial_sql})",
        f"c.crossing_date between {first} and {last} and c.person_key in"
        f" (select person_key from crossing where crossing_date between {since} and {until})",
    )
    columns = ("record_id", "res_status_before", "res_status_after", "repair")
    if crossings.num_rows == 0 or start > end:
        return pa.table({c: pa.array([], pa.string()) for c in columns})
    table = run_classification(crossings, frame.rule, start, end).table
    return pa.table({c: table.column(c).cast(pa.string()) for c in columns})


def _fit_cells(con: duckdb.DuckDBPyConnection, training: str) -> pa.Table:
    """Probability of ``resident_after`` per cell of ``training`` and per parent cell.

    ``training`` has ``model_cell`` (five ``|``-separated features) and
    ``resident_after``. Each cell's estimate is shrunk towards its parent's (the cell
    without its last feature) with :data:`PRIOR_WEIGHT`; the variance is the beta
    posterior's.
    """
    rows = con.sql(
        f"""
        with leaf as (
            select model_cell, count(*) as n, count(*) filter (where resident_after) as y
            from {training} group by 1
        )
        select array_to_string(string_split(model_cell, '|')[1:lvl], '|') as cell, lvl,
               sum(n) as n, sum(y) as y
        from leaf, range(1, 6) l(lvl) group by all order by lvl, cell
        """
    ).fetchall()
    estimates: dict[str, tuple[float, float]] = {}
    for cell, lvl, n, y in rows:  # the cell tree (hundreds), not the crossings
        parent = estimates.get(cell.rsplit("|", 1)[0]) if lvl > 1 else None
        prior = parent[0] if parent else 0.5
        p = (y + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)
        estimates[cell] = (p, p * (1 - p) / (n + PRIOR_WEIGHT + 1))
    return pa.table(
        {
            "cell": pa.array(list(estimates), pa.string()),
            "p": pa.array([v[0] for v in estimates.values()], pa.float64()),
            "variance": pa.array([v[1] for v in estimates.values()], pa.float64()),
        }
    )


def _deepest_cell_sql(cells: str, parts: str, alias: str) -> tuple[str, dict[str, str]]:
    """Joins finding, for a row's cell ``parts`` (a list), the deepest fitted cell."""
    joins = " ".join(
        f"left join {cells} {alias}{i} on {alias}{i}.cell = array_to_string({parts}[1:{i}], '|')"
        for i in range(1, 6)
    )
    pick = {
        col: "coalesce(" + ", ".join(f"{alias}{i}.{col}" for i in range(5, 0, -1)) + ")"
        for col in ("cell", "p", "variance")
    }
    return joins, pick


def classify_mobility(frame: StatFrame) -> dict[str, Any]:
    """Create :data:`CROSSINGS`: one row per recorded spine crossing, with its status.

    Columns: the crossing (``record_id``, ``person_key``, ``crossing_date``,
    ``direction``, ``visa_type``, ``purpose``), the traveller (``citizenship``,
    ``sex``, ``date_of_birth``), the rule's ``res_status_before``/``res_status_after``
    and ``is_long_term_migration``, ``next_date``/``next_direction`` (the traveller's
    next crossing), ``p_resident`` (probability the traveller is resident after the
    crossing: 1 or 0 when decided), ``allocation`` (``decided``, ``provisional`` or
    ``start_of_data``), ``model_cell`` and ``cell_variance`` (of ``p_resident``).
    Returns the models' metadata (analogue dates, training sizes).
    """
    con = frame.con
    w, t = frame.rule.window_days, frame.rule.threshold_days
    start, end = frame.period_start, frame.period_end
    con.execute(
        """
        create or replace temp table mobility_record as
        -- A duplicate is the same crossing recorded twice; outside-period records are
        -- not classified. Neither is a crossing of the period.
        -- The next crossing comes from a window over the narrow event rows, before
        -- the wide join (a window sorts every column it carries).
        with ordered as (
            select *, lead(crossing_date) over w as next_date,
                   lead(direction) over w as next_direction
            from event where coalesce(repair, '') not in ('duplicate', 'outside_period')
            window w as (partition by person_key order by crossing_date, seq)
        )
        select ev.person_key, ev.crossing_date, ev.direction, ev.res_status_before,
               ev.res_status_after, ev.is_long_term_migration, ev.repair, ev.seq,
               ev.record_id, rec.visa_type, rec.purpose,
               p.citizenship, p.sex, p.date_of_birth, ev.next_date, ev.next_direction
        from ordered ev left join crossing rec using (record_id)
        left join person p on p.person_key = ev.person_key
        """
    )
    years = _analogue_years(frame)
    # End analogue: the data as they stood `years` earlier; crossings left open then and
    # decided now train the allocation of those left open now.
    cutoff = _shift_years(end, -years)
    rerun = _rerun(
        frame,
        start,
        cutoff,
        (cutoff - dt.timedelta(days=w - 1), cutoff),
        f"select * from {initial_status_table(frame)}",
    )
    con.register("mobility_rerun_arrow", rerun)
    day = f"date '{cutoff.isoformat()}'"
    con.execute(
        f"""
        create or replace temp table mobility_end_training as
        with at_cutoff as (
            select m.* exclude (res_status_before, res_status_after),
                   r.res_status_before, r.res_status_after as status_then,
                   m.res_status_after as status_now
            from mobility_record m join mobility_rerun_arrow r using (record_id)
            where coalesce(r.repair, '') not in ('duplicate', 'outside_period')
        ),
        positioned as ({_position_sql("at_cutoff", day)})
        select {_end_cell_sql(frame)} as model_cell, status_now = 'resident' as resident_after
        from (select p.*, h.person_key is not null as permit_held from positioned p
              left join {_permit_holders_sql(frame, day)} h using (person_key))
        where status_then = 'unknown' and status_now <> 'unknown'
          and crossing_date > {day} - interval {w} day
        """
    )
    con.unregister("mobility_rerun_arrow")
    # Start analogue: the data as if they began `years` later; crossings whose status
    # before was open then (and is known now) train those open at the real start.
    later = _shift_years(start, years)
    rerun = _rerun(
        frame,
        later,
        later + dt.timedelta(days=t + w),
        (later, later + dt.timedelta(days=t - 1)),
        _initial_statuses_since(frame, later),
    )
    con.register("mobility_rerun_arrow", rerun)
    day = f"date '{later.isoformat()}'"
    con.execute(
        f"""
        create or replace temp table mobility_start_training as
        with from_later as (
            select m.* exclude (res_status_before, res_status_after, is_long_term_migration),
                   r.res_status_after as status_then, m.res_status_after as status_now,
                   r.is_long_term_migration
            from mobility_record m
            join (select *, null::boolean as is_long_term_migration
                  from mobility_rerun_arrow) r using (record_id)
            where coalesce(r.repair, '') not in ('duplicate', 'outside_period')
        ),
        celled as (
            select *, {_start_cell_sql(frame, day)} as model_cell from from_later
        )
        select model_cell, status_now = 'resident' as resident_after
        from celled
        where status_then = 'unknown' and status_now <> 'unknown'
          and crossing_date < {day} + interval {t} day
        """
    )
    con.unregister("mobility_rerun_arrow")
    con.register("mobility_end_cell", _fit_cells(con, "mobility_end_training"))
    con.register("mobility_start_cell", _fit_cells(con, "mobility_start_training"))
    end_joins, end_pick = _deepest_cell_sql("mobility_end_cell", "c.end_parts", "e")
    start_joins, start_pick = _deepest_cell_sql("mobility_start_cell", "c.start_parts", "s")
    last, first = f"date '{end.isoformat()}'", f"date '{start.isoformat()}'"
    # Where travellers stand at the data end (three windows over their crossings) only
    # matters for the travellers with an open crossing; the windows are per traveller,
    # so running them over those travellers alone changes nothing.
    open_travellers = (
        "(select * from mobility_record where person_key in"
        " (select person_key from mobility_record where res_status_after = 'unknown'))"
    )
    con.execute(
        f"""
        create or replace temp table {CROSSINGS} as
        with positioned as (
            select p.*, h.person_key is not null as permit_held
            from ({_position_sql(open_travellers, last)}) p
            left join {_permit_holders_sql(frame, last)} h using (person_key)
        ),
        -- Model cells only for the open crossings: a small share of all of them.
        open_parts as (
            select *, string_split({_end_cell_sql(frame)}, '|') as end_parts,
                   string_split({_start_cell_sql(frame, first)}, '|') as start_parts
            from positioned where res_status_after = 'unknown'
        ),
        open as (  -- each open crossing's deepest fitted cell, by where it is open
            select c.record_id, 'provisional' as allocation, {end_pick["cell"]} as model_cell,
                   {end_pick["p"]} as p, {end_pick["variance"]} as cell_variance
            from open_parts c {end_joins}
            where c.crossing_date > {last} - interval {w} day
            union all
            select c.record_id, 'start_of_data', 'start|' || {start_pick["cell"]},
                   {start_pick["p"]}, {start_pick["variance"]}
            from open_parts c {start_joins}
            where c.crossing_date <= {last} - interval {w} day
        )
        select c.*, {_traveller_class_sql(frame)} as traveller_class,
               case c.res_status_after when 'resident' then 1.0 when 'non_resident' then 0.0
                    else coalesce(o.p, 0.5) end as p_resident,
               coalesce(o.allocation, 'decided') as allocation,
               o.model_cell,
               case when o.record_id is null then 0.0 else coalesce(o.cell_variance, 0.25) end
                 as cell_variance
        from mobility_record c left join open o using (record_id)
        """
    )
    con.unregister("mobility_end_cell")
    con.unregister("mobility_start_cell")
    trained = {
        "data_end": frame.count("select count(*) from mobility_end_training"),
        "data_start": frame.count("select count(*) from mobility_start_training"),
    }
    allocated = dict(con.sql(f"select allocation, count(*) from {CROSSINGS} group by 1").fetchall())
    log.info("mobility: allocation %s; training crossings %s", allocated, trained)
    return {
        "analogue_data_end": cutoff.isoformat(),
        "analogue_data_start": later.isoformat(),
        "training_crossings": trained,
        "prior_weight": PRIOR_WEIGHT,
        "crossings_by_allocation": {str(k): int(v) for k, v in allocated.items()},
    }


def allocated_cube(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    dimensions: dict[str, str],
    breakdowns: list[tuple[str, ...]],
    always: tuple[str, ...],
) -> pa.Table:
    """Weighted counts with ``OBS_STATUS`` and 95% bounds from the allocation.

    ``relation`` has ``weight`` (the crossing's share in the table), ``sensitivity``
    (d weight / d p_resident: +1, -1, or 0 when decided), ``allocation``,
    ``model_cell`` and ``cell_variance``. A cell's variance is the Bernoulli variance
    of its allocated crossings plus, per probability cell, (sum of sensitivities)^2
    times the probability's variance (all crossings of a probability cell share its
    error).
    """
    names = list(dimensions)
    cols = ", ".join(f'"{n}"' for n in names)
    coded = ", ".join(
        f"coalesce(({e})::varchar, '{UNKNOWN}') as \"{n}\"" for n, e in dimensions.items()
    )
    con.execute(
        f"""
        create or replace temp table mobility_cells as
        select {coded},
               model_cell, any_value(cell_variance) as cell_variance,
               sum(weight) as weight, sum(weight * (1 - weight)) filter (
                 where allocation <> 'decided') as bernoulli,
               sum(sensitivity) as sensitivity,
               count(*) filter (where allocation = 'provisional') as provisional,
               count(*) filter (where allocation = 'start_of_data') as start_of_data
        from {relation} group by all
        """
    )
    plain = {n: f'"{n}"' for n in names}
    parts = {
        "value": cube(con, "mobility_cells", plain, breakdowns, value="sum(weight)", always=always),
        "bernoulli": cube(
            con, "mobility_cells", plain, breakdowns, value="sum(bernoulli)", always=always
        ),
        "provisional": cube(
            con, "mobility_cells", plain, breakdowns, value="sum(provisional)", always=always
        ),
        "start": cube(
            con, "mobility_cells", plain, breakdowns, value="sum(start_of_data)", always=always
        ),
        "model": cube(
            con,
            "mobility_cells",
            {**plain, "MODEL_CELL": "model_cell"},
            breakdowns,
            value="sum(sensitivity)",
            always=(*always, "MODEL_CELL"),
            where="model_cell is not null",
        ),
    }
    for key, table in parts.items():
        con.register(f"mobility_part_{key}", table)
    try:
        joined = con.sql(
            f"""
            with model as (
                select {cols}, sum(m.OBS_VALUE * m.OBS_VALUE * c.cell_variance) as variance
                from mobility_part_model m
                join (select distinct model_cell, cell_variance from mobility_cells) c
                  on c.model_cell = m.MODEL_CELL
                group by all
            ),
            cells as (
                select {cols}, v.OBS_VALUE,
                       coalesce(b.OBS_VALUE, 0) + coalesce(m.variance, 0) as variance,
                       case when p.OBS_VALUE > 0 then 'P' when s.OBS_VALUE > 0 then 'E'
                            else 'A' end as OBS_STATUS
                from mobility_part_value v
                left join mobility_part_bernoulli b using ({cols})
                left join mobility_part_provisional p using ({cols})
                left join mobility_part_start s using ({cols})
                left join model m using ({cols})
            )
            select {cols}, OBS_VALUE, OBS_STATUS,
                   case when OBS_STATUS <> 'A'
                        then greatest(0, OBS_VALUE - {Z95} * sqrt(variance)) end as LOWER,
                   case when OBS_STATUS <> 'A'
                        then OBS_VALUE + {Z95} * sqrt(variance) end as UPPER
            from cells order by {cols}
            """
        ).to_arrow_table()
    finally:
        for key in parts:
            con.unregister(f"mobility_part_{key}")
    return joined.combine_chunks() if joined.num_rows else joined


def _metadata(frame: StatFrame, model: dict[str, Any], definition: str) -> dict[str, Any]:
    return {
        "definition": definition,
        "residence_rule": {
            "window_days": frame.rule.window_days,
            "threshold_days": frame.rule.threshold_days,
        },
        "period": [frame.period_start.isoformat(), frame.period_end.isoformat()],
        "counting": (
            "recorded border crossings on the person spine; same-day duplicates count once;"
            " crossings imputed by the rule's repairs for missing records are not added"
        ),
        "length_codes": {
            "D0T6": "0-6 days",
            "D7T29": "7-29 days",
            "D30T89": "30-89 days",
            "D90T364": "90-364 days",
            "D_GE365": "365 days or more",
            "_U": "no next crossing recorded yet, or the next record goes the same way",
        },
        "allocation": (
            "crossings whose status the rule cannot decide yet (data end) or ever (data"
            " start) are allocated with the probability of their status after the"
            " crossing, estimated on analogue cut-offs; OBS_STATUS P = provisional (data"
            " end), E = estimated (data start); LOWER/UPPER: 95% interval of the allocation"
        ),
        "allocation_model": model,
        "age": "age in completed years on the crossing date, five-year groups",
        "sources": sorted({"border_crossings", "person spine", "residence_event"}),
    }


def build(frame: StatFrame) -> list[ObservationTable]:
    """Tables 2.1 (non-resident arrivals) and 2.2 (residents' temporary departures).

    Needs the ``event`` view; see the module docstring for the method.
    """
    if not frame.has("event"):
        return []
    model = classify_mobility(frame)
    con = frame.con
    top = [
        code
        for (code,) in con.sql(
            f"select citizenship from {CROSSINGS} where direction = 'ARR'"
            " and citizenship is not null group by 1"
            f" order by sum(1 - p_resident) desc, 1 limit {TOP_CITIZENSHIPS}"
        ).fetchall()
    ]
    age = age_group_sql(age_sql("date_of_birth", "crossing_date"))
    year = "strftime(crossing_date, '%Y')"
    arrivals = (
        f"(select *, 1 - p_resident as weight, case when allocation = 'decided' then 0"
        f" else -1 end as sensitivity from {CROSSINGS}"
        " where direction = 'ARR' and p_resident < 1)"
    )
    dims_21 = {
        "TIME_PERIOD": year,
        "PURPOSE": "purpose",
        "LENGTH_OF_STAY": length_code_sql(
            "case when next_direction = 'DEP' then next_date - crossing_date end"
        ),
        "CITIZENSHIP": top_codes_sql("citizenship", top),
        "SEX": "sex",
        "AGE": age,
    }
    t21 = allocated_cube(
        con,
        arrivals,
        dims_21,
        [
            (),
            ("PURPOSE",),
            ("LENGTH_OF_STAY",),
            ("CITIZENSHIP",),
            ("SEX",),
            ("AGE",),
            ("PURPOSE", "LENGTH_OF_STAY"),
            ("PURPOSE", "CITIZENSHIP"),
            ("PURPOSE", "SEX"),
            ("CITIZENSHIP", "LENGTH_OF_STAY"),
            ("CITIZENSHIP", "SEX"),
            ("SEX", "AGE"),
        ],
        ("TIME_PERIOD",),
    )
    departures = (
        f"(select *, p_resident as weight, case when allocation = 'decided' then 0"
        f" else 1 end as sensitivity from {CROSSINGS}"
        " where direction = 'DEP' and p_resident > 0)"
    )
    dims_22 = {
        "TIME_PERIOD": year,
        "LENGTH_OF_ABSENCE": length_code_sql(
            "case when next_direction = 'ARR' then next_date - crossing_date end"
        ),
        "CITIZEN": f"case when citizenship = '{frame.country}' then 'Y'"
        " when citizenship is not null then 'N' end",
        "SEX": "sex",
        "AGE": age,
    }
    t22 = allocated_cube(
        con,
        departures,
        dims_22,
        [
            (),
            ("LENGTH_OF_ABSENCE",),
            ("CITIZEN",),
            ("SEX",),
            ("AGE",),
            ("CITIZEN", "LENGTH_OF_ABSENCE"),
            ("CITIZEN", "SEX"),
            ("CITIZEN", "AGE"),
            ("SEX", "AGE"),
            ("LENGTH_OF_ABSENCE", "SEX"),
        ],
        ("TIME_PERIOD",),
    )
    meta_21 = _metadata(
        frame,
        model,
        "arrivals after which the traveller is non-resident under the residence rule"
        " (not long-term immigrations, not residents' returns), by year of arrival;"
        " length of stay = days to the next departure",
    )
    meta_21["citizenship"] = (
        f"the {TOP_CITIZENSHIPS} citizenships with most non-resident arrivals over the"
        " period, the rest OTH"
    )
    meta_21["purpose"] = (
        "purpose coded from the visa or permit type on the border record; citizens'"
        " records carry none (_U)"
    )
    meta_22 = _metadata(
        frame,
        model,
        "departures after which the traveller is still resident under the residence rule"
        " (residents' trips abroad, not long-term emigrations), by year of departure;"
        " length of absence = days to the next arrival",
    )
    meta_22["citizen"] = f"Y: citizen of {frame.country}; N: foreign citizen"
    return [
        table_from(
            "2.1",
            "Non-resident arrivals by purpose and length of stay",
            t21,
            list(dims_21),
            unit="arrivals",
            metadata=meta_21,
        ),
        table_from(
            "2.2",
            "Residents' temporary departures by duration of absence",
            t22,
            list(dims_22),
            unit="departures",
            metadata=meta_22,
        ),
    ]


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Yearly totals of 2.1 and 2.2 against the truth's crossings of the period.

    The truth counts every crossing, recorded or not; the tables count recorded ones
    (missed records are not imputed), so each year also has a check against the
    recorded crossings only. The allocation itself is checked on the crossings it
    allocated: their allocated total, with its interval, against how many of them
    truly belong to the table.
    """
    checks: list[Check] = []
    if not frame.has("truth_crossing"):
        return checks
    wanted = {
        "2.1": ("non-resident arrivals", "ARR", "non_resident"),
        "2.2": ("residents' temporary departures", "DEP", "resident"),
    }
    if any(t in tables for t in wanted):
        ensure_mobility(frame)
    for table_id, (what, direction, after) in wanted.items():
        table = tables.get(table_id)
        if table is None:
            continue
        truth = {
            str(y): (int(n), int(r))
            for y, n, r in frame.con.sql(
                "select strftime(crossing_date, '%Y'), count(*), count(*) filter (where recorded)"
                " from truth_crossing where in_period and direction = ?"
                " and res_status_after = ? group by 1",
                params=[direction, after],
            ).fetchall()
        }
        for row in table.data.to_pylist():
            if any(row[d] != TOTAL for d in table.dimensions if d != "TIME_PERIOD"):
                continue
            year = row["TIME_PERIOD"]
            if year not in truth:
                continue
            everything, recorded = truth[year]
            checks.append(Check(table_id, f"{what}, {year}", row["OBS_VALUE"], everything, 0.02))
            checks.append(
                Check(
                    table_id, f"{what}, {year}, recorded crossings only", row["OBS_VALUE"], recorded
                )
            )
        checks.extend(_allocation_checks(frame, table_id, what, direction, after))
    return checks


def ensure_mobility(frame: StatFrame) -> None:
    """Run :func:`classify_mobility` unless :data:`CROSSINGS` exists (other tables use it)."""
    rows = frame.con.sql(
        "select count(*) from duckdb_tables() where table_name = ?", params=[CROSSINGS]
    ).fetchall()
    if not rows[0][0]:
        classify_mobility(frame)


def _allocation_checks(
    frame: StatFrame, table_id: str, what: str, direction: str, after: str
) -> list[Check]:
    """The allocated crossings' total (with its interval) against their true statuses."""
    weight = "1 - p_resident" if after == "non_resident" else "p_resident"
    sensitivity = "-1" if after == "non_resident" else "1"
    allocated = allocated_cube(
        frame.con,
        f"(select *, {weight} as weight, {sensitivity} as sensitivity from {CROSSINGS}"
        f" where direction = '{direction}' and allocation <> 'decided')",
        {"ALLOCATION": "allocation"},
        [("ALLOCATION",)],
        (),
    )
    truth = dict(
        frame.con.sql(
            f"select m.allocation, count(*) filter (where t.res_status_after = ?)"
            f" from {CROSSINGS} m join truth_crossing t on t.border_record_id = m.record_id"
            " where m.direction = ? and m.allocation <> 'decided' group by 1",
            params=[after, direction],
        ).fetchall()
    )
    return [
        Check(
            table_id,
            f"{what}: crossings allocated ({row['ALLOCATION']})",
            row["OBS_VALUE"],
            float(truth.get(row["ALLOCATION"], 0)),
            lower=row["LOWER"],
            upper=row["UPPER"],
        )
        for row in allocated.to_pylist()
        if row["ALLOCATION"] != TOTAL
    ]
