"""Tables 1.2-1.4: immigrants, emigrants, returning citizens and net migration.

A long-term immigration is an arrival the residence rule classifies as long-term (a
non-resident who then stays 12 of the next 16 months); an emigration is the mirror
(DOMAIN.md sections 2 and 3). Flows are counted by the year of the crossing
(``TIME_PERIOD``), with the person's sex, age on the day, citizenship, country of birth
(see :mod:`migstats.stats.stocks` for how it is known) and, for immigrants, the reason
(``REASON``: the visa type of the arrival: WORK, RESIDENT (family, marriage), DEPENDENT,
STUDENT, TOURIST, BUSINESS; CITIZEN for citizens). The border data do not record the
country of previous or next residence, so those breakdowns are not published
(``_U``-only breakdowns would add nothing).

Two corrections keep the flows honest:

- **Not yet final.** A crossing whose 16-month window runs past the data end is
  ``unknown``; a year with unknown crossings is provisional (``OBS_STATUS`` ``P``) and
  the unknowns are counted in the table's metadata; :mod:`migstats.stats.provisional`
  estimates them.
- **Missed departures.** A visitor whose departure was not recorded looks like an
  immigrant. The expected number, ``p`` times the year's visitor arrivals (see
  :mod:`migstats.stats.departures`), is taken off the immigrants who arrived on a
  visitor visa, as in table 1.1, with a 95% interval.

Net migration (1.4) is immigrants minus emigrants; returning citizens are citizen
immigrants.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from migstats.stats.cube import ObservationTable, age_group_sql, age_sql, cube, table_from
from migstats.stats.departures import MissedDepartures, missed_departures
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame
from migstats.stats.initial import VISITOR_VISAS

__all__ = ["build", "evaluate"]

DIMENSIONS: Final = ("TIME_PERIOD", "SEX", "AGE", "CITIZENSHIP", "COUNTRY_OF_BIRTH", "REASON")
BREAKDOWNS: Final = (
    (),
    ("SEX",),
    ("AGE",),
    ("SEX", "AGE"),
    ("CITIZENSHIP",),
    ("COUNTRY_OF_BIRTH",),
    ("REASON",),
)


def _migrations_sql(frame: StatFrame) -> str:
    """One row per long-term migration in the period, with the person's attributes."""
    country = frame.country
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    census = (
        "select person_key, any_value(country_of_birth_iso3) as country_of_birth"
        " from census where person_key is not null group by 1"
        if frame.has("census")
        else "select null::varchar as person_key, null::varchar as country_of_birth"
    )
    return f"""
        select e.person_key, e.crossing_date, e.direction,
               strftime(e.crossing_date, '%Y') as year,
               p.sex, {age_sql("p.date_of_birth", "e.crossing_date")} as age,
               p.citizenship, p.citizenship = '{country}' as is_citizen,
               coalesce(c.country_of_birth,
                        case when p.citizenship = '{country}' then '{country}'
                             else p.citizenship end) as country_of_birth,
               case when e.direction = 'ARR' then coalesce(x.visa_type, '_U') end as reason,
               e.direction = 'ARR' and x.visa_type in ({visitors}) as visitor
        from event e join person p using (person_key)
        left join ({census}) c using (person_key)
        left join (select person_key, crossing_date, direction, any_value(visa_type)
                          as visa_type
                   from crossing group by all) x
          on x.person_key = e.person_key and x.crossing_date = e.crossing_date
         and x.direction = e.direction
        where e.is_long_term_migration
          and e.crossing_date between date '{frame.period_start.isoformat()}'
                                  and date '{frame.period_end.isoformat()}'
    """


def _dims(direction_filter: str) -> dict[str, str]:
    del direction_filter
    return {
        "TIME_PERIOD": "year",
        "SEX": "sex",
        "AGE": age_group_sql("age"),
        "CITIZENSHIP": "citizenship",
        "COUNTRY_OF_BIRTH": "country_of_birth",
        "REASON": "coalesce(reason, '_Z')",
    }


def build(frame: StatFrame) -> list[ObservationTable]:
    """Tables 1.2 (immigrants), 1.3 (emigrants) and 1.4 (returning citizens, net)."""
    con = frame.con
    con.execute(f"create or replace temp table migration as {_migrations_sql(frame)}")
    unknown = _unknown_by_year(frame)
    rate = missed_departures(frame)
    visitor_arrivals = _visitor_arrivals_by_year(frame)
    common = {
        "rule": frame.rule.metadata(),
        "period": [frame.period_start.isoformat(), frame.period_end.isoformat()],
        "unknown_crossings_by_year": unknown,
        "missed_departures": {
            "rate": rate.rate,
            "standard_error": rate.standard_error,
            "visitor_arrivals_by_year": visitor_arrivals,
        },
        "not_available": "country of previous / next residence (not in border records)",
        "sources": sorted(frame.sources),
    }
    dims = _dims("")
    immigrants = cube(con, "migration", dims, BREAKDOWNS, always=("TIME_PERIOD",),
                      where="direction = 'ARR'", cell_key="person_key")  # fmt: skip
    visitors = cube(con, "migration", dims, BREAKDOWNS, always=("TIME_PERIOD",),
                    where="direction = 'ARR'", value="count(*) filter (where visitor)")  # fmt: skip
    immigrants = _corrected(immigrants, visitors, visitor_arrivals, rate, unknown)
    emigrants = _with_status(
        cube(
            con,
            "migration",
            dims,
            [b for b in BREAKDOWNS if b != ("REASON",)],
            always=("TIME_PERIOD",),
            where="direction = 'DEP'",
            cell_key="person_key",
        ),
        unknown,
    )
    returning = _with_status(
        cube(
            con,
            "migration",
            {k: v for k, v in dims.items() if k != "CITIZENSHIP"},
            [(), ("SEX",), ("AGE",), ("SEX", "AGE")],
            always=("TIME_PERIOD",),
            where="direction = 'ARR' and is_citizen",
            cell_key="person_key",
        ),
        unknown,
    )
    net = _net(immigrants, emigrants)
    return [
        table_from("1.2", "Long-term immigrants", immigrants, DIMENSIONS,
                   metadata={**common, "definition": "long-term immigrations by year"}),
        table_from("1.3", "Long-term emigrants", emigrants, DIMENSIONS[:-1],
                   metadata={**common, "definition": "long-term emigrations by year"}),
        table_from("1.4", "Returning citizens", returning, ("TIME_PERIOD", "SEX", "AGE"),
                   metadata={**common, "definition": "long-term immigrations of citizens"}),
        table_from("1.4N", "Net migration", net, ("TIME_PERIOD", "CITIZEN"),
                   metadata={**common, "definition": "immigrants minus emigrants"}),
    ]  # fmt: skip


def _unknown_by_year(frame: StatFrame) -> dict[str, int]:
    rows = frame.con.sql(
        "select strftime(crossing_date, '%Y'), count(*) from event"
        " where is_long_term_migration is null and coalesce(repair, '') <> 'outside_period'"
        f" and crossing_date between date '{frame.period_start.isoformat()}'"
        f" and date '{frame.period_end.isoformat()}' group by 1 order by 1"
    ).fetchall()
    return {str(y): int(n) for y, n in rows}


def _visitor_arrivals_by_year(frame: StatFrame) -> dict[str, int]:
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    rows = frame.con.sql(
        "select strftime(c.crossing_date, '%Y'), count(*) from crossing c"
        " join person p using (person_key)"
        f" where c.direction = 'ARR' and c.visa_type in ({visitors})"
        f" and p.citizenship <> '{frame.country}'"
        f" and c.crossing_date between date '{frame.period_start.isoformat()}'"
        f" and date '{frame.period_end.isoformat()}' group by 1 order by 1"
    ).fetchall()
    return {str(y): int(n) for y, n in rows}


def _status(year: str, unknown: dict[str, int]) -> str:
    return "P" if unknown.get(year, 0) else "A"


def _with_status(table: pa.Table, unknown: dict[str, int]) -> pa.Table:
    years = table.column("TIME_PERIOD").to_pylist()
    return table.append_column(
        "OBS_STATUS", pa.array([_status(y, unknown) for y in years], pa.string())
    )


def _corrected(
    observed: pa.Table,
    visitors: pa.Table,
    arrivals: dict[str, int],
    rate: MissedDepartures,
    unknown: dict[str, int],
) -> pa.Table:
    """Immigrants less the expected missed visitor departures, shared out per cell (a
    loop over cells, not persons)."""
    years = observed.column("TIME_PERIOD").to_pylist()
    values = observed.column("OBS_VALUE").to_pylist()
    seen = visitors.column("OBS_VALUE").to_pylist()
    margins = [
        d for d in observed.column_names if d not in ("TIME_PERIOD", "OBS_VALUE", "CELL_KEY")
    ]
    is_total = pc.equal(observed.column(margins[0]), "_T")
    for d in margins[1:]:
        is_total = pc.and_(is_total, pc.equal(observed.column(d), "_T"))
    year_visitors = {y: v for y, v, t in zip(years, seen, is_total.to_pylist(), strict=True) if t}
    out, lower, upper, status = [], [], [], []
    for year, value, v in zip(years, values, seen, strict=True):
        n = arrivals.get(year, 0)
        total = year_visitors.get(year) or 0.0
        share = v / total if total else 0.0
        lo, hi = rate.expected_interval(n)
        out.append(value - min(v, rate.expected(n) * share))
        lower.append(value - min(v, hi * share))
        upper.append(value - min(v, lo * share))
        status.append(
            _status(year, unknown) if _status(year, unknown) == "P" else "E" if v else "A"
        )
    columns = {n: observed.column(n) for n in observed.column_names if n != "OBS_VALUE"}
    return pa.table(
        {
            **columns,
            "OBS_VALUE": pa.array(out, pa.float64()),
            "LOWER": pa.array(lower, pa.float64()),
            "UPPER": pa.array(upper, pa.float64()),
            "OBS_STATUS": pa.array(status, pa.string()),
        }
    )


def _totals(table: pa.Table) -> dict[str, tuple[float, str]]:
    margins = [
        d for d in table.column_names
        if d not in ("TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "LOWER", "UPPER", "CELL_KEY")
    ]  # fmt: skip
    out = {}
    for row in table.to_pylist():
        if all(row[d] == "_T" for d in margins):
            out[row["TIME_PERIOD"]] = (float(row["OBS_VALUE"]), row["OBS_STATUS"])
    return out


def _net(immigrants: pa.Table, emigrants: pa.Table) -> pa.Table:
    ins, outs = _totals(immigrants), _totals(emigrants)
    years = sorted(set(ins) | set(outs))
    values = [ins.get(y, (0.0, "A"))[0] - outs.get(y, (0.0, "A"))[0] for y in years]
    status = ["P" if "P" in (ins.get(y, ("", ""))[1], outs.get(y, ("", ""))[1]) else "E"
              for y in years]  # fmt: skip
    return pa.table(
        {
            "TIME_PERIOD": pa.array(years, pa.string()),
            "CITIZEN": pa.array(["_T"] * len(years), pa.string()),
            "OBS_VALUE": pa.array(values, pa.float64()),
            "OBS_STATUS": pa.array(status, pa.string()),
        }
    )


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Yearly immigrants and emigrants against the truth's long-term migrations.

    Goal (issue 6): finalised years within 2%.
    """
    checks = []
    truth = {
        (str(y), k): int(n)
        for y, k, n in frame.con.sql(
            "select strftime(event_date, '%Y'), kind, count(*) from truth_event group by all"
        ).fetchall()
    }
    for table_id, kind in (("1.2", "immigration"), ("1.3", "emigration")):
        for year, (value, status) in sorted(_totals(tables[table_id].data).items()):
            checks.append(
                Check(
                    table_id,
                    f"{kind}s {year}" + (" (provisional)" if status == "P" else ""),
                    value,
                    float(truth.get((year, kind), 0)),
                    goal=0.02 if status != "P" else None,
                )
            )
    return checks
