"""Tables 1.P and 1.R: provisional migration flows for the periods not yet final, and
how past provisional figures were revised.

**Why provisional.** The residence rule decides whether a crossing is a long-term
migration only once the traveller has spent ``T`` days on the new side of the border, or
more than ``W - T`` on the old side (DOMAIN.md section 3). Crossings in the last ``W``
days before the data end are mostly still ``unknown``. Official practice (Stats NZ,
ABS) publishes them as provisional figures: the migrations already decided plus a
model's prediction for the undecided crossings, with an interval, revised as data come
in.

**The model** is trained on crossings that looked exactly like today's undecided ones:
the rule is run again on the same crossings with an earlier observation end (a
*replay* at cut-off ``c'``, :data:`TRAINING_LAGS` days before ``c - W``, so that every
crossing undecided at ``c'`` is decided by the cut-off ``c``), and each crossing
undecided at ``c'`` is one training example, labelled by how the rule decided it with
the data up to ``c``. What is known at a cut-off about an undecided crossing:

- its direction, whether the person is a citizen, the visa type of the crossing, sex,
  broad age group, and whether the status before it is itself still unknown;
- above all what the traveller did since: days on the new side of the border so far
  (in the country after an arrival, abroad after a departure; 30-day bands) and days
  back on the old side (none, 1-30, 31-60, 61-122).

The probability of a long-term migration is an empirical rate in nested cells, each
shrunk towards the rate of the cell above it with :data:`SHRINKAGE` pseudo-crossings:
(direction) > (+ status before unknown, days on the new side, days on the old side) >
(+ citizen) > (+ visa type) > (+ sex, age group). A provisional count is the decided
migrations plus the sum of the predicted probabilities; its variance adds the binomial
noise of the undecided crossings, the uncertainty of the cell rates, and the drift of
the method over time, measured by a back-test: the model trained on the older replay
alone predicting the newer replay's outcomes (its relative error on the predicted part,
per direction, is added as a relative standard error). Net migration adds the variances
of its two flows. Intervals are 95%, normal.

**1.P** provisional ``IMMIGRANTS``, ``EMIGRANTS`` and ``NET`` (``MEASURE``) by
``TIME_PERIOD`` (``FREQ`` ``A``: calendar years; ``M``: months, ``YYYY-MM``) for every
period with crossings in the last ``W`` days of the data, by ``CITIZEN`` (``Y``, ``N``,
``_T``), ``OBS_STATUS`` ``P``, with ``LOWER``/``UPPER``.

**1.R** revisions: the same method run at earlier cut-offs (:data:`REVISION_LAGS` days
before the data end, on the data as they stood then, model included) gives the
provisional flows of the year ended at each cut-off; the final figures come from the
full data (crossings the full data still leave undecided are predicted by today's
model). ``VINTAGE``: ``PROVISIONAL`` (with its interval), ``FINAL``, ``REVISION``
(final less provisional); ``CUTOFF`` is the cut-off date and ``TIME_PERIOD`` the year
ended then (``start/end``). The metadata says whether each revision fell inside the
interval stated at the time.

>>> band_sql("d")
'least(d // 30, 12)'
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pyarrow as pa

from migstats.residence import run_classification
from migstats.stats.cube import TOTAL, ObservationTable, age_sql, broad_age_sql, table_from
from migstats.stats.departures import Z95, missed_departures
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame
from migstats.stats.initial import VISITOR_VISAS, initial_status_table, spine_crossings

__all__ = [
    "REVISION_LAGS",
    "SHRINKAGE",
    "TRAINING_LAGS",
    "Vintage",
    "band_sql",
    "build",
    "evaluate",
    "fit_model",
    "predict",
    "provisional_flows",
    "replay",
]

log = logging.getLogger("migstats.stats")

PROVISIONAL_ID: Final = "1.P"
REVISION_ID: Final = "1.R"
#: Pseudo-crossings with which a cell's rate is pulled towards the rate of its parent.
SHRINKAGE: Final = 10.0
#: Training replays: days before ``cut-off - W`` (two: the older one back-tests the model).
TRAINING_LAGS: Final = (0, 182)
#: Past cut-offs whose provisional figures are compared with the final ones (days).
REVISION_LAGS: Final = (365, 487)
#: Nested cells of the model, coarse to fine (each adds its columns to the one before).
LEVELS: Final = (
    ("direction",),
    ("rb_unknown", "new_band", "old_band"),
    ("citizen",),
    ("visa_type",),
    ("sex", "age_group"),
)
MEASURES: Final = ("IMMIGRANTS", "EMIGRANTS", "NET")


def band_sql(days: str) -> str:
    """SQL for the 30-day band of days on the new side of the border (0 ... 12)."""
    return f"least({days} // 30, 12)"


def _old_band_sql(days: str) -> str:
    return (
        f"case when {days} <= 0 then 0 when {days} <= 30 then 1 when {days} <= 60 then 2 else 3 end"
    )


@dataclass(frozen=True)
class Vintage:
    """The rule's classification of the spine's crossings with the data up to ``cutoff``.

    ``table``: a table of the frame's connection with ``record_id``, ``person_key``,
    ``crossing_date``, ``direction``, ``res_status_before``, ``is_long_term_migration``.
    """

    cutoff: dt.date
    table: str


def replay(
    frame: StatFrame, cutoff: dt.date, name: str, *, final: Vintage | None = None
) -> Vintage:
    """Run the residence rule on the spine's crossings up to ``cutoff`` (as
    :func:`migstats.stats.initial.classify_spine` does for all of them), into ``name``.

    With ``final`` (the rule on all the data, :func:`current`), only the travellers
    with a crossing in the last W days before ``cutoff`` are run again: every window
    of the others ended before the cut-off, so the rule decided each of their crossings
    then exactly as it does now (same crossings, same initial status), and their rows
    are taken from ``final``. One exception: a crossing imputed by a repair (two
    arrivals in a row: a departure at their midpoint) can fall inside an old window
    because of a crossing after the cut-off, so travellers with an imputed crossing
    flagged after ``cutoff - W`` are run again too. At national scale this is a small
    share of the travellers; a test checks the two replays are identical.
    """
    con = frame.con
    initial = initial_status_table(frame)
    day = f"date '{cutoff.isoformat()}'"
    since = f"{day} - interval {frame.rule.window_days} day"
    active = (
        f" and c.person_key in (select person_key from crossing where crossing_date <= {day}"
        f" and crossing_date > {since} union select person_key from event"
        f" where repair like '%imputed' and crossing_date > {since})"
        if final is not None
        else ""
    )
    crossings = spine_crossings(frame, initial, f"c.crossing_date <= {day}{active}")
    result = run_classification(crossings, frame.rule, frame.period_start, cutoff).table
    con.register("provisional_replay_result", result)
    unchanged = (
        f" union all select f.record_id, f.person_key, f.crossing_date, f.direction,"
        f" f.res_status_before, f.is_long_term_migration from {final.table} f"
        f" where f.crossing_date <= {day} and f.person_key not in"
        " (select person_id from provisional_replay_result)"
        if final is not None
        else ""
    )
    con.execute(
        f"drop table if exists {_features_name(name)};"
        f" create or replace temp table {name} as select record_id, person_id as person_key,"
        " crossing_date, direction, res_status_before::varchar as res_status_before,"
        " is_long_term_migration from provisional_replay_result"
        f" where coalesce(repair::varchar, '') <> 'outside_period'{unchanged}"
    )
    con.unregister("provisional_replay_result")
    return Vintage(cutoff, name)


def current(frame: StatFrame, name: str = "provisional_vintage_now") -> Vintage:
    """The ``event`` view (the rule on all the data) as a :class:`Vintage`."""
    frame.con.execute(
        f"""
        drop table if exists {_features_name(name)};
        create or replace temp table {name} as
        select record_id, person_key, crossing_date, direction, res_status_before,
               is_long_term_migration
        from event where coalesce(repair, '') <> 'outside_period'
        """
    )
    return Vintage(frame.period_end, name)


def features_sql(frame: StatFrame, vintage: Vintage) -> str:
    """SQL for the crossings undecided in ``vintage``, with what was known at its cut-off.

    Columns: ``record_id``, ``crossing_date``, ``direction``, ``citizen`` (Y/N),
    ``visa_type``, ``sex``, ``age_group``, ``rb_unknown``, ``new_days`` and ``old_days``
    (days from the crossing to the cut-off, both included, on its new and its old side
    of the border), ``new_band``, ``old_band``.
    """
    cutoff = vintage.cutoff.isoformat()
    age = broad_age_sql(age_sql("p.date_of_birth", "v.crossing_date"))
    undecided = (
        "is_long_term_migration is null"
        f" and crossing_date >= date '{frame.period_start.isoformat()}'"
    )
    # The windows run over the travellers with an undecided crossing only (a small share
    # of them; every other traveller's rows would be numbered and dropped).
    return f"""
        (with open_traveller as (
            select distinct person_key from {vintage.table} where {undecided}
        ),
        ordered as (
            select v.*, coalesce(lead(v.crossing_date) over w, date '{cutoff}' + 1)
                          - v.crossing_date as spell_days
            from {vintage.table} v semi join open_traveller using (person_key)
            window w as (partition by v.person_key order by v.crossing_date, v.record_id)
        ),
        sides as (
            select *,
                   sum(case when direction = 'ARR' then spell_days else 0 end) over (
                       partition by person_key order by crossing_date, record_id
                       rows between current row and unbounded following) as in_days
            from ordered
        ),
        undecided as (
            select *, date '{cutoff}' + 1 - crossing_date as observed_days,
                   case when direction = 'ARR' then in_days
                        else date '{cutoff}' + 1 - crossing_date - in_days end as new_days
            from sides
            where {undecided}
        )
        select v.record_id, v.crossing_date, v.direction,
               case when p.citizenship = '{frame.country}' then 'Y' else 'N' end as citizen,
               coalesce(c.visa_type, '_U') as visa_type, coalesce(p.sex, '_U') as sex,
               {age} as age_group, v.res_status_before = 'unknown' as rb_unknown,
               v.new_days, v.observed_days - v.new_days as old_days,
               {band_sql("v.new_days")} as new_band,
               {_old_band_sql("v.observed_days - v.new_days")} as old_band
        from undecided v join person p using (person_key)
        left join crossing c using (record_id))
    """


def _features_name(vintage_table: str) -> str:
    return f"{vintage_table}_features"


def features_table(frame: StatFrame, vintage: Vintage) -> str:
    """:func:`features_sql` worked out once per vintage (the model's training and its
    predictions both read it, several times over); returns the temporary table's name.
    Making a vintage again (:func:`replay`, :func:`current`) drops its features."""
    name = _features_name(vintage.table)
    frame.con.execute(
        f"create temp table if not exists {name} as select * from {features_sql(frame, vintage)}"
    )
    return name


def _level_columns(level: int) -> list[str]:
    return [c for group in LEVELS[: level + 1] for c in group]


def fit_model(frame: StatFrame, examples: Sequence[tuple[Vintage, Vintage]], name: str) -> None:
    """Cell counts of the model from training replays, as tables ``<name>_<level>``.

    ``examples``: pairs (replay, labels): the crossings undecided in the replay, with
    the outcome the labels vintage gives them (crossings it leaves undecided too are
    not used). Each table holds the level's columns, ``n`` examples and ``y`` long-term
    migrations.
    """
    con = frame.con
    parts = [
        f"select f.*, l.is_long_term_migration::int as y from {features_table(frame, r)} f"
        f" join {labels.table} l using (record_id) where l.is_long_term_migration is not null"
        for r, labels in examples
    ]
    con.execute(f"create or replace temp table {name}_examples as {' union all '.join(parts)}")
    for level in range(len(LEVELS)):
        cols = ", ".join(_level_columns(level))
        con.execute(
            f"create or replace temp table {name}_{level} as select {cols},"
            f" count(*) as n, sum(y) as y from {name}_examples group by all"
        )


def predict(frame: StatFrame, model: str, vintage: Vintage, name: str) -> None:
    """Predicted probabilities for the crossings undecided in ``vintage``, into ``name``.

    Columns: the features, ``p`` (probability of a long-term migration), ``rate_var``
    (variance of the finest cell's rate) and ``cell`` (that cell's key).
    """
    k = SHRINKAGE
    joins, rate = [], "0.5"
    for level in range(len(LEVELS)):
        cols = _level_columns(level)
        on = " and ".join(f"m{level}.{c} = u.{c}" for c in cols)
        joins.append(f"left join {model}_{level} m{level} on {on}")
        rate = f"((coalesce(m{level}.y, 0) + {k!r} * {rate}) / (coalesce(m{level}.n, 0) + {k!r}))"
    last = len(LEVELS) - 1
    cell = " || '|' || ".join(f"coalesce(u.{c}::varchar, '')" for c in _level_columns(last))
    frame.con.execute(
        f"""
        create or replace temp table {name} as
        select *, p * (1 - p) / (n_cell + {k!r}) as rate_var from (
            select u.*, {rate} as p, coalesce(m{last}.n, 0) as n_cell, {cell} as cell
            from {features_table(frame, vintage)} u {" ".join(joins)}
        )
        """
    )


@dataclass(frozen=True)
class Flows:
    """Provisional flows: per (period, measure, citizen) the value and its variance."""

    rows: pa.Table
    drift: dict[str, float]


def _decided_and_predicted_sql(
    vintage: Vintage, predicted: str, periods: dict[str, str], country: str
) -> str:
    """Per period (by its SQL condition on ``crossing_date``), direction and citizen:
    decided migrations, predicted ones, and the variance of the prediction's parts."""
    blocks = [
        f"""
        select direction, citizen, crossing_date, 1 as decided, 0.0 as p, 0.0 as binomial,
               null::varchar as cell, 0.0 as rate_var
        from (select v.*, case when p.citizenship = '{country}' then 'Y' else 'N' end
                            as citizen
              from {vintage.table} v join person p using (person_key)
              where v.is_long_term_migration)
        """,
        f"""
        select direction, citizen, crossing_date, 0, p, p * (1 - p), cell, rate_var
        from {predicted}
        """,
    ]
    # Each period is one pass over the (small) decided and predicted rows; periods may
    # overlap (a year and its months), so a crossing can belong to several.
    selects = []
    for code, condition in periods.items():
        selects.append(
            f"""
            select '{code}' as period, direction, citizen, sum(decided) as decided,
                   sum(predicted) as predicted, sum(binomial) as binomial,
                   sum(cell_var) as cell_var
            from (
                select direction, citizen, cell, sum(decided) as decided, sum(p) as predicted,
                       sum(binomial) as binomial,
                       count(*) filter (where cell is not null) ^ 2 * any_value(rate_var)
                         as cell_var
                from provisional_rows where {condition.format(d="crossing_date")}
                group by all
            ) group by all
            """
        )
    return (
        f"with provisional_rows as materialized ({' union all '.join(blocks)})"
        f" {' union all '.join(selects)}"
    )


def provisional_flows(
    frame: StatFrame,
    vintage: Vintage,
    training: Sequence[Vintage],
    periods: dict[str, str],
    name: str,
) -> Flows:
    """Provisional immigrants, emigrants and net migration at ``vintage``'s cut-off.

    ``training``: replays at least ``W`` days before the cut-off, newest first (labels
    from ``vintage``). ``periods``: period code -> SQL condition on ``{d}`` (a date).
    """
    model = f"{name}_model"
    fit_model(frame, [(t, vintage) for t in training], model)
    predict(frame, model, vintage, f"{name}_predicted")
    drift = _back_test(frame, vintage, training, name)
    rows = frame.con.sql(
        _decided_and_predicted_sql(vintage, f"{name}_predicted", periods, frame.country)
    ).to_arrow_table()
    return Flows(_measures(rows, drift), drift)


def _back_test(
    frame: StatFrame, vintage: Vintage, training: Sequence[Vintage], name: str
) -> dict[str, float]:
    """Relative error of the predicted part, per direction: the model trained on the
    older replays alone predicting the newest one (0 with a single replay)."""
    if len(training) < 2:
        return {"ARR": 0.0, "DEP": 0.0}
    newest, older = training[0], training[1:]
    fit_model(frame, [(t, vintage) for t in older], f"{name}_bt_model")
    predict(frame, f"{name}_bt_model", newest, f"{name}_bt_predicted")
    rows = frame.con.sql(
        f"select b.direction, sum(b.p), sum(l.is_long_term_migration::int)"
        f" from {name}_bt_predicted b join {vintage.table} l using (record_id)"
        " where l.is_long_term_migration is not null group by 1"
    ).fetchall()
    out = {"ARR": 0.0, "DEP": 0.0}
    for direction, predicted, actual in rows:
        if actual:
            out[str(direction)] = abs(float(predicted) - float(actual)) / float(actual)
    return out


def _measures(rows: pa.Table, drift: dict[str, float]) -> pa.Table:
    """IMMIGRANTS, EMIGRANTS, NET per period and citizen group (Y, N, _T), with variance."""
    cells: dict[tuple[str, str, str], list[float]] = {}
    data = rows.to_pylist()
    for r in data:
        for citizen in (r["citizen"], "_T"):
            key = (r["period"], r["direction"], citizen)
            acc = cells.setdefault(key, [0.0, 0.0, 0.0, 0.0])
            acc[0] += float(r["decided"] or 0)
            acc[1] += float(r["predicted"] or 0)
            acc[2] += float(r["binomial"] or 0) + float(r["cell_var"] or 0)
    out: dict[str, list[Any]] = {
        k: [] for k in ("TIME_PERIOD", "MEASURE", "CITIZEN", "value", "var", "decided")
    }
    periods = sorted({k[0] for k in cells})
    for period in periods:
        for citizen in ("Y", "N", "_T"):
            flows = {}
            for direction, measure in (("ARR", "IMMIGRANTS"), ("DEP", "EMIGRANTS")):
                decided, predicted, var, _ = cells.get((period, direction, citizen), [0.0] * 4)
                var += (drift.get(direction, 0.0) * predicted) ** 2
                flows[measure] = (decided + predicted, var, decided)
            imm, emi = flows["IMMIGRANTS"], flows["EMIGRANTS"]
            flows["NET"] = (imm[0] - emi[0], imm[1] + emi[1], imm[2] - emi[2])
            for measure in MEASURES:
                value, var, decided = flows[measure]
                out["TIME_PERIOD"].append(period)
                out["MEASURE"].append(measure)
                out["CITIZEN"].append(citizen)
                out["value"].append(value)
                out["var"].append(var)
                out["decided"].append(decided)
    return pa.table(out)


def _open_periods(frame: StatFrame) -> dict[str, str]:
    """Years and months with crossings in the last ``W`` days of the data."""
    end = frame.period_end
    first = max(end - dt.timedelta(days=frame.rule.window_days - 1), frame.period_start)
    periods: dict[str, str] = {}
    for year in range(first.year, end.year + 1):
        periods[f"A:{year}"] = f"year({{d}}) = {year}"
    month = dt.date(first.year, first.month, 1)
    while month <= end:
        periods[f"M:{month:%Y-%m}"] = f"date_trunc('month', {{d}}) = date '{month.isoformat()}'"
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return periods


def _year_ended(cutoff: dt.date) -> tuple[str, str]:
    start = cutoff - dt.timedelta(days=364)
    code = f"{start.isoformat()}/{cutoff.isoformat()}"
    return code, f"{{d}} between date '{start.isoformat()}' and date '{cutoff.isoformat()}'"


class _Replays:
    """Replays by cut-off, each run once (a replay does not depend on what labels it)."""

    def __init__(self, frame: StatFrame, final: Vintage | None = None) -> None:
        self.frame = frame
        self.final = final
        self.done: dict[dt.date, Vintage] = {}

    def at(self, cutoff: dt.date) -> Vintage:
        if cutoff not in self.done:
            name = f"provisional_replay_{cutoff:%Y%m%d}"
            self.done[cutoff] = replay(self.frame, cutoff, name, final=self.final)
        return self.done[cutoff]

    def training(self, latest_cutoff: dt.date) -> list[Vintage]:
        """Training replays for cut-offs up to ``latest_cutoff``: :data:`TRAINING_LAGS`
        days before ``latest_cutoff - W``, each with a full window of data behind it."""
        w = dt.timedelta(days=self.frame.rule.window_days)
        out = []
        for lag in TRAINING_LAGS:
            at = latest_cutoff - w - dt.timedelta(days=lag)
            if at - w >= self.frame.period_start:
                out.append(self.at(at))
        return out


def _interval(value: float, var: float) -> tuple[float, float]:
    sd = float(np.sqrt(max(var, 0.0)))
    return value - Z95 * sd, value + Z95 * sd


def build(frame: StatFrame) -> list[ObservationTable]:
    """Tables 1.P and 1.R (see the module docstring)."""
    now = current(frame)
    replays = _Replays(frame, now)
    training = replays.training(frame.period_end)
    if not training:
        log.warning("provisional flows: the data are too short to train the model")
        return []
    cutoffs = [frame.period_end - dt.timedelta(days=lag) for lag in REVISION_LAGS]
    years_ended = {f"R:{_year_ended(c)[0]}": _year_ended(c)[1] for c in cutoffs}
    periods = _open_periods(frame)
    flows = provisional_flows(frame, now, training, {**periods, **years_ended}, "provisional_now")
    rows = flows.rows.to_pylist()
    open_rows, correction = _missed_departures_taken_off(
        frame, [r for r in rows if r["TIME_PERIOD"] in periods], periods
    )
    tables = [_provisional_table(frame, open_rows, flows.drift, training, correction)]
    final = {
        (r["TIME_PERIOD"][2:], r["MEASURE"], r["CITIZEN"]): r
        for r in rows
        if r["TIME_PERIOD"].startswith("R:")
    }
    revisions, revision_meta = _revisions(frame, replays, cutoffs, final)
    if revisions is not None:
        tables.append(
            table_from(
                REVISION_ID,
                "Revisions of provisional migration flows: provisional at the cut-off "
                "against final",
                revisions,
                ("CUTOFF", "TIME_PERIOD", "MEASURE", "CITIZEN", "VINTAGE"),
                metadata={**_common_metadata(frame), "revisions": revision_meta},
            )
        )
    return tables


def _common_metadata(frame: StatFrame) -> dict[str, Any]:
    return {
        "rule": frame.rule.metadata(),
        "observation_end": frame.period_end.isoformat(),
        "model": (
            "empirical rates of long-term migration among crossings undecided at replayed "
            "cut-offs, in nested cells shrunk to their parent with "
            f"{SHRINKAGE:g} pseudo-crossings: {[list(level) for level in LEVELS]}"
        ),
        "training_replays": f"cut-off - W - {list(TRAINING_LAGS)} days",
        "interval": "95%, normal: binomial + cell-rate variance + back-test drift",
        "sources": sorted(frame.sources),
    }


def _missed_departures_taken_off(
    frame: StatFrame, rows: list[dict[str, Any]], periods: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Foreign immigrants (and net migration) less the visitors whose departure was not
    recorded, as table 1.2 does: ``p`` times the period's visitor arrivals, never more
    than the count, its uncertainty added to the variance. The model learns from what
    the data show once final, and that includes those visitors as immigrants."""
    rate = missed_departures(frame)
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    codes = sorted({r["TIME_PERIOD"] for r in rows} & set(periods))
    # Every period's visitor arrivals in one scan (periods overlap: a year, its months).
    counts = (
        frame.con.sql(
            "select "
            + ", ".join(
                f"count(*) filter (where {periods[code].format(d='c.crossing_date')})"
                for code in codes
            )
            + " from crossing c join person p using (person_key)"
            f" where c.direction = 'ARR' and c.visa_type in ({visitors})"
            f" and p.citizenship <> '{frame.country}'"
        ).fetchall()[0]
        if codes
        else ()
    )
    arrivals = {code: int(n) for code, n in zip(codes, counts, strict=True)}
    cut: dict[str, tuple[float, float]] = {}
    for code, n in arrivals.items():
        immigrants = next(
            (r["value"] for r in rows
             if r["TIME_PERIOD"] == code and r["MEASURE"] == "IMMIGRANTS"
             and r["CITIZEN"] == "N"),
            0.0,
        )  # fmt: skip
        lo, hi = rate.expected_interval(n)
        cut[code] = (min(immigrants, rate.expected(n)), ((hi - lo) / (2 * Z95)) ** 2)
    out = []
    for row in rows:
        taken, var = cut.get(row["TIME_PERIOD"], (0.0, 0.0))
        if row["CITIZEN"] in ("N", TOTAL) and row["MEASURE"] in ("IMMIGRANTS", "NET"):
            row = {**row, "value": row["value"] - taken, "var": row["var"] + var}
        out.append(row)
    meta = {
        "rate": rate.rate,
        "standard_error": rate.standard_error,
        "method": "p times the period's visitor arrivals (foreigners), taken off foreign "
        "immigrants and net migration, as in table 1.2",
    }
    return out, meta


def _provisional_table(
    frame: StatFrame,
    rows: list[dict[str, Any]],
    drift: dict[str, float],
    training: Sequence[Vintage],
    missed: dict[str, Any],
) -> ObservationTable:
    bounds = [_interval(r["value"], r["var"]) for r in rows]
    data = pa.table(
        {
            "FREQ": pa.array([r["TIME_PERIOD"][0] for r in rows], pa.string()),
            "TIME_PERIOD": pa.array([r["TIME_PERIOD"][2:] for r in rows], pa.string()),
            "MEASURE": pa.array([r["MEASURE"] for r in rows], pa.string()),
            "CITIZEN": pa.array([r["CITIZEN"] for r in rows], pa.string()),
            "OBS_VALUE": pa.array([r["value"] for r in rows], pa.float64()),
            "LOWER": pa.array([b[0] for b in bounds], pa.float64()),
            "UPPER": pa.array([b[1] for b in bounds], pa.float64()),
            "OBS_STATUS": pa.array(["P"] * len(rows), pa.string()),
        }
    )
    decided = {
        f"{r['TIME_PERIOD'][2:]} {r['MEASURE']}": r["decided"] for r in rows if r["CITIZEN"] == "_T"
    }
    metadata = {
        **_common_metadata(frame),
        "definition": (
            "long-term migrations (outcomes-based rule) by date of crossing: those decided "
            "by the data end plus the predicted number among the undecided crossings"
        ),
        "periods": "every year (FREQ A) and month (FREQ M) with crossings in the last "
        f"{frame.rule.window_days} days of the data",
        "training_cutoffs": [t.cutoff.isoformat() for t in training],
        "back_test_relative_error": drift,
        "decided_part": decided,
        "missed_departures": missed,
    }
    return table_from(
        PROVISIONAL_ID,
        "Provisional immigrants, emigrants and net migration (periods not yet final)",
        data,
        ("FREQ", "TIME_PERIOD", "MEASURE", "CITIZEN"),
        status="P",
        metadata=metadata,
    )


def _revisions(
    frame: StatFrame,
    replays: _Replays,
    cutoffs: Sequence[dt.date],
    final: dict[tuple[str, str, str], dict[str, Any]],
) -> tuple[pa.Table | None, dict[str, Any]]:
    """Provisional flows of the year ended at each past cut-off, computed on the data as
    they stood then (model included), against ``final``: the same flows from all the
    data, by (period code, measure, citizen). The past cut-offs share their training
    replays (those of the earliest), which saves runs of the rule."""
    columns = ("CUTOFF", "TIME_PERIOD", "MEASURE", "CITIZEN", "VINTAGE")
    out: dict[str, list[Any]] = {k: [] for k in (*columns, "OBS_VALUE", "LOWER", "UPPER")}
    meta: dict[str, Any] = {}
    training = replays.training(min(cutoffs)) if cutoffs else []
    for cutoff in cutoffs:
        tag = f"r{(frame.period_end - cutoff).days}"
        if not training:
            continue
        then = replays.at(cutoff)
        code, condition = _year_ended(cutoff)
        past = provisional_flows(frame, then, training, {code: condition}, f"provisional_{tag}")
        inside: dict[str, bool] = {}
        still_predicted: dict[str, float] = {}
        for prov in past.rows.to_pylist():
            key = (code, prov["MEASURE"], prov["CITIZEN"])
            fin = final.get(key, {"value": 0.0, "decided": 0.0})
            lo, hi = _interval(prov["value"], prov["var"])
            for vintage, value, low, high in (
                ("PROVISIONAL", prov["value"], lo, hi),
                ("FINAL", fin["value"], None, None),
                ("REVISION", fin["value"] - prov["value"], None, None),
            ):
                for name, item in zip(
                    columns, (cutoff.isoformat(), code, *key[1:], vintage), strict=True
                ):
                    out[name].append(item)
                out["OBS_VALUE"].append(float(value))
                out["LOWER"].append(low)
                out["UPPER"].append(high)
            label = f"{prov['MEASURE']} {prov['CITIZEN']}"
            inside[label] = bool(lo <= fin["value"] <= hi)
            still_predicted[label] = float(fin["value"] - fin["decided"])
        meta[cutoff.isoformat()] = {
            "year_ended": code,
            "training_cutoffs": [t.cutoff.isoformat() for t in training],
            "final_within_provisional_interval": inside,
            "final_part_still_predicted": still_predicted,
            "back_test_relative_error": past.drift,
        }
    if not out["CUTOFF"]:
        return None, meta
    table = pa.table(
        {
            **{k: pa.array(out[k], pa.string()) for k in columns},
            **{k: pa.array(out[k], pa.float64()) for k in ("OBS_VALUE", "LOWER", "UPPER")},
        }
    )
    return table, meta


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Provisional flows of the last year against the truth; revisions against their
    intervals.

    No goal is set against the truth: the provisional figures aim at what the border
    data will show once final, and the data's own errors (missed departures making
    visitors immigrants) are the flow tables' to correct. A revision check carries the
    provisional value, the final one as its "truth" and the interval stated then, so
    ``covered`` says whether the revision stayed inside it.
    """
    checks: list[Check] = []
    table = tables.get(PROVISIONAL_ID)
    if table is None:
        return checks
    year = str(frame.period_end.year)
    truth = dict(
        frame.con.sql(
            f"select kind, count(*) from truth_event where year(event_date) = {year} group by 1"
        ).fetchall()
    )
    truth_values = {
        "IMMIGRANTS": float(truth.get("immigration", 0)),
        "EMIGRANTS": float(truth.get("emigration", 0)),
    }
    truth_values["NET"] = truth_values["IMMIGRANTS"] - truth_values["EMIGRANTS"]
    for row in table.data.to_pylist():
        if row["FREQ"] != "A" or row["TIME_PERIOD"] != year or row["CITIZEN"] != "_T":
            continue
        measure = row["MEASURE"]
        checks.append(
            Check(
                PROVISIONAL_ID,
                f"provisional {measure.lower()}, {year}",
                float(row["OBS_VALUE"]),
                truth_values[measure],
                lower=float(row["LOWER"]),
                upper=float(row["UPPER"]),
            )
        )
    revisions = tables.get(REVISION_ID)
    if revisions is not None:
        rows = revisions.data.to_pylist()
        for prov in rows:
            if prov["VINTAGE"] != "PROVISIONAL" or prov["CITIZEN"] != "_T":
                continue
            final = next(
                r
                for r in rows
                if r["VINTAGE"] == "FINAL"
                and r["CUTOFF"] == prov["CUTOFF"]
                and r["MEASURE"] == prov["MEASURE"]
                and r["CITIZEN"] == "_T"
            )
            checks.append(
                Check(
                    REVISION_ID,
                    f"{prov['MEASURE'].lower()}, year ended {prov['CUTOFF']}: provisional "
                    "then vs final",
                    float(prov["OBS_VALUE"]),
                    float(final["OBS_VALUE"]),
                    lower=float(prov["LOWER"]),
                    upper=float(prov["UPPER"]),
                )
            )
    return checks
