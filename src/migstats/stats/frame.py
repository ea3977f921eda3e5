"""The statistics stage's inputs: the secure workspace as named DuckDB views.

Every table module reads the same views, so a table's SQL never names a file:

- ``person``: the person spine (``person_key``, ``sex``, ``date_of_birth``,
  ``citizenship`` as ISO alpha-3).
- ``crossing``: the spine's border crossings (``record_id``, ``person_key``,
  ``crossing_date``, ``direction``) joined with the border record's ``visa_type`` and
  ``purpose``. A temporary table rather than a view: some twenty queries read it, and
  the join of the two files cost each of them about 3 s at national scale.
- ``event``: the residence rule's output per crossing (``person_key``,
  ``crossing_date``, ``direction``, ``res_status_before``, ``res_status_after``,
  ``is_long_term_migration``, ``date_final``, ``repair``).
- ``census``: harmonised census persons with the ``person_key`` of their spine person
  (null when not linked).
- ``register``: the national population register (citizens).
- ``work_permit`` and ``visa``: permits with the ``person_key`` of their holder (null when
  not placed on the spine).

Views whose source is missing from the workspace are simply absent; :meth:`has` tells.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.residence import ResidenceRule
from migstats.sources.read import connect

__all__ = ["StatFrame", "open_frame", "reference_dates"]

# Harmonised file names of each source kind, as the linkage stage writes them.
_HARMONISED = {
    "border": "border_crossings",
    "census": "census_2022",
    "register": "national_register",
    "work_permit": "work_permits",
    "visa": "visas_permits",
}


@dataclass
class StatFrame:
    """A DuckDB connection with the input views, and the settings tables depend on.

    ``reference_dates`` maps labels (``census_night``, ``year_end_2022``) to dates.
    """

    con: duckdb.DuckDBPyConnection
    workspace: Path
    country: str
    period_start: dt.date
    period_end: dt.date
    census_night: dt.date | None
    rule: ResidenceRule
    reference_dates: dict[str, dt.date] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    #: Tables built so far in this run, by id (later table modules may use them).
    tables: dict[str, Any] = field(default_factory=dict)
    #: Results of shared steps that more than one table needs, by step (built once).
    built: dict[str, Any] = field(default_factory=dict)

    def has(self, view: str) -> bool:
        """Whether the input view exists (its source was in the workspace)."""
        rows = self.con.sql(
            "select count(*) from duckdb_views() where view_name = ?", params=[view]
        ).fetchall()
        return bool(rows[0][0])

    def use_events(self, path: Path) -> None:
        """Point the ``event`` view at a residence events file (after classifying).

        Shared results worked out from the previous events are forgotten.
        """
        _event_view(self.con, path)
        self.sources[path.name] = str(path)
        self.built.pop("missed_departures", None)

    def count(self, sql: str) -> int:
        """The single integer a query returns (``select count(*) ...``)."""
        rows = self.con.sql(sql).fetchall()
        return int(rows[0][0] or 0)

    def close(self) -> None:
        self.con.close()


def _event_view(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    # Events written before they carried the record id (migstats 0.1 workspaces) still
    # open; the statistics stage classifies the spine again before using them.
    names = {r[0] for r in con.sql(f"describe select * from read_parquet('{path}')").fetchall()}
    record_id = "record_id" if "record_id" in names else "null::varchar as record_id"
    # ``seq`` keeps the order of same-day crossings as the rule saw them.
    con.execute(
        f"create or replace view event as select {record_id}, person_id as person_key,"
        " crossing_date,"
        " direction, res_status_before::varchar as res_status_before,"
        " res_status_after::varchar as res_status_after, is_long_term_migration,"
        " date_final, repair::varchar as repair, file_row_number as seq"
        f" from read_parquet('{path}', file_row_number = true)"
    )


def reference_dates(
    period_start: dt.date, period_end: dt.date, census_night: dt.date | None
) -> dict[str, dt.date]:
    """Census night and every year end from the day before the period to its end.

    >>> reference_dates(dt.date(2019, 1, 1), dt.date(2020, 12, 31), None)
    {'year_end_2018': datetime.date(2018, 12, 31), 'year_end_2019': datetime.date(2019, 12, 31), 'year_end_2020': datetime.date(2020, 12, 31)}
    """  # noqa: E501
    out: dict[str, dt.date] = {}
    if census_night is not None:
        out["census_night"] = census_night
    for year in range(period_start.year - 1, period_end.year + 1):
        day = dt.date(year, 12, 31)
        if period_start - dt.timedelta(days=1) <= day <= period_end:
            out[f"year_end_{year}"] = day
    return out


def stats_memory_limit_gb() -> int:
    """DuckDB's memory limit for the statistics stage: 60% of the machine, at least 6 GB
    (``MIGSTATS_DUCKDB_MEMORY`` overrides it)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 6
    return max(6, int(total * 0.6 / 2**30))


def open_frame(cfg: ProjectConfig, *, events: Path | None = None) -> StatFrame:
    """Open the views over ``cfg``'s workspace (see the module docstring).

    ``events`` overrides the residence events file (default
    ``integrated/residence_event.parquet``).
    """
    ws = cfg.workspace
    integrated, harmonised = ws / "integrated", ws / "harmonised"
    spine = integrated / "person.parquet"
    if not spine.is_file():
        raise UserInputError(
            "No person spine",
            f"{spine} does not exist",
            "run `migstats link --config PROJECT` before the statistics",
        )
    con = connect()
    # Tables sort their own output, so DuckDB need not keep row order, which lets big
    # joins and windows stream within the memory limit (national scale).
    con.execute("SET preserve_insertion_order = false")
    if "MIGSTATS_DUCKDB_MEMORY" not in os.environ:
        # The mobility and provisional models join every crossing of the country with
        # window functions that cannot all spill: 6 GB runs out at national scale
        # (100M crossings need about 14 GB), so the stage takes most of the machine.
        con.execute(f"SET memory_limit = '{stats_memory_limit_gb()}GB'")
    sources: dict[str, str] = {}

    def parquet(path: Path) -> str:
        sources[path.name] = str(path)
        return f"read_parquet('{path}')"

    con.execute(f"create view person as select * from {parquet(spine)}")
    border = harmonised / f"{_HARMONISED['border']}.parquet"
    crossing = integrated / "crossing.parquet"
    con.execute(
        "create temp table crossing as select c.record_id, c.person_key, c.crossing_date,"
        " c.direction, b.visa_type, b.purpose, b.nationality_iso3"
        f" from {parquet(crossing)} c left join {parquet(border)} b using (record_id)"
    )
    event_file = events or integrated / "residence_event.parquet"
    if event_file.is_file():
        _event_view(con, event_file)
        sources[event_file.name] = str(event_file)
    census = harmonised / f"{_HARMONISED['census']}.parquet"
    if census.is_file():
        links = integrated / "census_person.parquet"
        linked = (
            f"left join (select record_id, person_key from {parquet(links)}) l using (record_id)"
            if links.is_file()
            else "left join (select null::varchar as record_id, null::varchar as person_key)"
            " l using (record_id)"
        )
        con.execute(
            f"create view census as select c.*, l.person_key from {parquet(census)} c {linked}"
        )
        holders = integrated / "census_holder.parquet"
        if holders.is_file():
            # Census foreigners found among permit holders off the spine (link.holders).
            con.execute(f"create view census_holder as select * from {parquet(holders)}")
            sources[holders.name] = str(holders)
    register = harmonised / f"{_HARMONISED['register']}.parquet"
    if register.is_file():
        con.execute(f"create view register as select * from {parquet(register)}")
    for view, person_file in (("work_permit", "work_permits"), ("visa", "visas_permits")):
        source = harmonised / f"{_HARMONISED[view]}.parquet"
        if not source.is_file():
            continue
        links = integrated / f"{person_file}_person.parquet"
        if links.is_file():
            con.execute(
                f"create view {view} as select s.*, l.person_key from {parquet(source)} s"
                f" left join (select permit_id, person_key from {parquet(links)}) l"
                " using (permit_id)"
            )
        else:
            con.execute(
                f"create view {view} as select *, null::varchar as person_key"
                f" from {parquet(source)}"
            )
    period = cfg.period
    return StatFrame(
        con=con,
        workspace=ws,
        country=cfg.project.country,
        period_start=period.start,
        period_end=period.end,
        census_night=period.census_night,
        rule=ResidenceRule(cfg.residence_rule.window_days, cfg.residence_rule.threshold_days),
        reference_dates=reference_dates(period.start, period.end, period.census_night),
        sources=sources,
    )
