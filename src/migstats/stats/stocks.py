"""Table 1.1: the international migrant stock at each reference date.

Both UN definitions are published side by side (``MEASURE``): residents born abroad
(``FOREIGN_BORN``) and residents who are foreign citizens (``FOREIGN_CITIZENS``),
from the population at reference dates (:mod:`migstats.stats.population`).

Two facts of administrative data shape the estimate, and both are written into the
table's metadata:

- **Missed departures.** A visitor whose departure was not recorded (or not linked)
  has no crossing after the arrival, so the residence rule makes them a resident. The
  rate of missing departure records is estimated from the data
  (:mod:`migstats.stats.departures`); the expected number of such visitors among the
  residents is ``p`` times the visitors whose last arrival came before the reference
  date, and it is taken off the residents who arrived on a visitor visa (never below
  zero). Cells by visa-free breakdowns get the correction shared out in proportion
  to their visitor residents; the total carries a 95% interval (``LOWER``/``UPPER``)
  and every corrected cell ``OBS_STATUS`` ``E``.
- **Undocumented stayers no border record shows.** Workers who arrived before the
  data, never crossed during it and whose permits all expired: the census finds some
  of them (they are in the population table), and a dual-system estimate adds those
  it missed too, cell by cell in proportion to those found
  (:mod:`migstats.stats.coverage`), with the interval widened by its own.
- **Country of birth.** Border and permit data do not record it: it is taken from the
  census where the person is linked to it, else assumed to be the country of
  citizenship (flagged in metadata with the share imputed). Citizens born abroad are
  invisible to border data as migrants, so the census count of foreign-born citizens
  (a near-complete enumeration of citizens) is added to ``FOREIGN_BORN`` at every
  reference date (``evidence`` ``census (citizens born abroad)``), held constant from
  census night: it changes slowly and no source dates it.

Durations of residence (``DURATION``) count from the long-term immigration that
began the current residence: ``Y0`` under one year, ``Y1T4``, ``Y5T9`` (only once the
data are long enough), and ``_U`` for residence that began before the data.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from migstats.stats.coverage import CensusCoverage, census_coverage
from migstats.stats.cube import ObservationTable, age_group_sql, cube, table_from
from migstats.stats.departures import MissedDepartures, missed_departures
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame
from migstats.stats.initial import VISITOR_VISAS
from migstats.stats.population import IN_CENSUS

__all__ = ["build", "evaluate"]

TABLE_ID: Final = "1.1"
BREAKDOWNS: Final = (
    (),
    ("SEX",),
    ("AGE",),
    ("SEX", "AGE"),
    ("CITIZENSHIP",),
    ("COUNTRY_OF_BIRTH",),
    ("DURATION",),
    ("ATOLL",),
)


def _duration_sql() -> str:
    years = "date_diff('day', residence_since, reference_date) / 365.25"
    return (
        f"case when residence_since is null then '_U' when {years} < 1 then 'Y0'"
        f" when {years} < 5 then 'Y1T4' when {years} < 10 then 'Y5T9' else 'Y_GE10' end"
    )


def _stock_relation(frame: StatFrame) -> str:
    """Residents of the migrant stock, once per definition they meet."""
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    country = frame.country
    born_abroad = ""
    if frame.has("census") and frame.census_night is not None:
        refs = " union all ".join(
            f"select '{k}' as reference, date '{v.isoformat()}' as reference_date"
            for k, v in frame.reference_dates.items()
        )
        # Same columns as population_status (see population.py), from the census.
        born_abroad = f"""
         union all
         select r.reference, r.reference_date, c.record_id, 'census (citizens born abroad)',
                true, true, c.citizenship_iso3, true, c.sex, c.date_of_birth,
                c.age + date_diff('year', date '{frame.census_night}', r.reference_date),
                c.country_of_birth_iso3, false, c.atoll_code, null::date, null, null, null,
                'FOREIGN_BORN', false
         from census c cross join ({refs}) r
         where c.citizenship_iso3 = '{country}' and c.country_of_birth_iso3 <> '{country}'
           and c.person_key is null"""
    return f"""
        (select *, 'FOREIGN_BORN' as measure,
                visa_type in ({visitors}) and evidence = 'border' as visitor
         from population_status where resident and country_of_birth <> '{country}'
         union all
         select *, 'FOREIGN_CITIZENS', visa_type in ({visitors}) and evidence = 'border'
         from population_status where resident and not is_citizen{born_abroad})
    """


def build(frame: StatFrame) -> list[ObservationTable]:
    """Table 1.1 (see the module docstring)."""
    con = frame.con
    con.execute(f"create or replace temp view stock_resident as {_stock_relation(frame)}")
    dims = {
        "REF_DATE": "reference",
        "MEASURE": "measure",
        "SEX": "sex",
        "AGE": age_group_sql("age"),
        "CITIZENSHIP": "citizenship",
        "COUNTRY_OF_BIRTH": "country_of_birth",
        "DURATION": _duration_sql(),
        "ATOLL": "atoll",
    }
    # One scan: the residents, and among them visitors and holders found by the census.
    observed = cube(
        con,
        "stock_resident",
        dims,
        BREAKDOWNS,
        always=("REF_DATE", "MEASURE"),
        cell_key="person_key",
        extra={
            "VISITORS": "count(*) filter (where visitor)",
            "FOUND": f"count(*) filter (where evidence = '{IN_CENSUS}')",
        },
    )
    visitors, found = observed.column("VISITORS"), observed.column("FOUND")
    observed = observed.drop_columns(["VISITORS", "FOUND"])
    rate = missed_departures(frame)
    at_risk = _visitors_arrived_by(frame)
    coverage = census_coverage(frame)
    data = _corrected(observed, visitors, at_risk, rate)
    if coverage is not None:
        data = _plus_unseen(data, found, coverage)
    imputed_birth = frame.count(
        "select count(*) from population_status where resident and birth_country_imputed"
        " and reference = 'census_night'"
    )
    metadata = {
        "definition": (
            "usual residents at the reference date (outcomes-based 12/16-month rule, "
            f"{frame.rule.window_days}/{frame.rule.threshold_days} days) who were born "
            "abroad (FOREIGN_BORN) or are not citizens (FOREIGN_CITIZENS)"
        ),
        "reference_dates": {k: v.isoformat() for k, v in frame.reference_dates.items()},
        "missed_departures": {
            "rate": rate.rate,
            "standard_error": rate.standard_error,
            "missed_departures_seen_between_arrivals": rate.missed,
            "arrivals_followed_by_a_crossing": rate.arrivals_followed,
            "visitors_at_risk_by_reference": at_risk,
            "method": "p times visitors whose last arrival preceded the date, taken off "
            "residents who arrived on a visitor visa, shared out in proportion",
        },
        "undocumented_stayers": coverage.metadata() if coverage else None,
        "country_of_birth": (
            "census where linked; otherwise the country of citizenship (imputed for "
            f"{imputed_birth} residents on census night)"
        ),
        "duration_codes": {
            "Y0": "under 1 year",
            "Y1T4": "1-4 years",
            "Y5T9": "5-9 years",
            "Y_GE10": "10 years or more",
            "_U": "residence began before the data",
        },
        "sources": sorted(frame.sources),
    }
    title = "International migrant stock: foreign-born and foreign-citizen residents"
    return [table_from(TABLE_ID, title, data, list(dims), metadata=metadata)]


def _visitors_arrived_by(frame: StatFrame) -> dict[str, int]:
    """Per reference date: visitors (on the spine) whose last arrival came before it."""
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    refs = " union all ".join(
        f"select '{k}' as reference, date '{v.isoformat()}' as reference_date"
        for k, v in frame.reference_dates.items()
    )
    rows = frame.con.sql(
        f"""
        with last_visit as (
            select c.person_key, max(c.crossing_date) as arrived
            from crossing c join person p using (person_key)
            where c.direction = 'ARR' and c.visa_type in ({visitors})
              and p.citizenship <> '{frame.country}'
            group by 1
        )
        select r.reference, count(l.person_key) from ({refs}) r
        left join last_visit l on l.arrived <= r.reference_date
        group by 1
        """
    ).fetchall()
    return {str(ref): int(n) for ref, n in rows}


def _corrected(
    observed: pa.Table,
    visitor_counts: pa.ChunkedArray,
    at_risk: dict[str, int],
    rate: MissedDepartures,
) -> pa.Table:
    """Observed counts less the expected missed departures, shared out per cell (a loop
    over table cells, not persons)."""
    refs = observed.column("REF_DATE").to_pylist()
    measures = observed.column("MEASURE").to_pylist()
    values = observed.column("OBS_VALUE").to_pylist()
    visitors = visitor_counts.to_pylist()
    # The visitor residents of each (reference, measure) total cell.
    totals: dict[tuple[str, str], float] = {}
    is_total = _all_total(
        observed, ("SEX", "AGE", "CITIZENSHIP", "COUNTRY_OF_BIRTH", "DURATION", "ATOLL")
    )
    for ref, measure, v, total in zip(refs, measures, visitors, is_total, strict=True):
        if total:
            totals[(ref, measure)] = v
    out_values, lower, upper, status = [], [], [], []
    for ref, measure, value, v in zip(refs, measures, values, visitors, strict=True):
        n = at_risk.get(ref, 0)
        expected = rate.expected(n)
        lo, hi = rate.expected_interval(n)
        total_visitors = totals.get((ref, measure), 0.0) or 0.0
        share = (v / total_visitors) if total_visitors else 0.0
        # Never take off more visitors than the cell has.
        cut = min(v, expected * share)
        cut_hi = min(v, hi * share)
        cut_lo = min(v, lo * share)
        out_values.append(value - cut)
        lower.append(value - cut_hi)
        upper.append(value - cut_lo)
        status.append("E" if v else "A")
    return pa.table(
        {
            **{
                name: observed.column(name) for name in observed.column_names if name != "OBS_VALUE"
            },
            "OBS_VALUE": pa.array(out_values, pa.float64()),
            "LOWER": pa.array(lower, pa.float64()),
            "UPPER": pa.array(upper, pa.float64()),
            "OBS_STATUS": pa.array(status, pa.string()),
        }
    )


def _plus_unseen(data: pa.Table, found: pa.ChunkedArray, coverage: CensusCoverage) -> pa.Table:
    """Each cell plus the stayers the census missed, for the holders it found in the cell
    (:mod:`migstats.stats.coverage`), with the interval widened by theirs."""
    f = found.to_numpy().astype(float)
    lo, hi = coverage.unseen_interval(f)
    # The estimator is linear in the holders found: unseen(f) = f (1 - c) / c.
    value = data.column("OBS_VALUE").to_numpy() + coverage.unseen(1.0) * f
    status = [
        "E" if n else s
        for n, s in zip(f.tolist(), data.column("OBS_STATUS").to_pylist(), strict=True)
    ]
    columns = {
        "OBS_VALUE": pa.array(value, pa.float64()),
        "LOWER": pa.array(data.column("LOWER").to_numpy() + lo, pa.float64()),
        "UPPER": pa.array(data.column("UPPER").to_numpy() + hi, pa.float64()),
        "OBS_STATUS": pa.array(status, pa.string()),
    }
    for name, column in columns.items():
        data = data.set_column(data.column_names.index(name), name, column)
    return data


def _all_total(table: pa.Table, dims: tuple[str, ...]) -> list[bool]:
    """Per row: whether every one of ``dims`` is at its total ``_T``."""
    mask = pc.equal(table.column(dims[0]), "_T")
    for d in dims[1:]:
        mask = pc.and_(mask, pc.equal(table.column(d), "_T"))
    return [bool(v) for v in mask.to_pylist()]


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Foreign-citizen and foreign-born residents against the truth, every date.

    Goal (issue 6): within 1% of the truth on census night.
    """
    table = tables[TABLE_ID]
    checks = []
    for reference in frame.reference_dates:
        for measure, truth_where in (
            ("FOREIGN_CITIZENS", f"p.citizenship <> '{frame.country}'"),
            ("FOREIGN_BORN", f"p.country_of_birth <> '{frame.country}'"),
        ):
            truth = frame.count(
                "select count(*) from truth_status s join truth_person p using (person_id)"
                f" where s.reference = '{reference}' and s.resident and {truth_where}"
            )
            data = table.data
            keep = pc.and_(
                pc.and_(
                    pc.equal(data.column("REF_DATE"), reference),
                    pc.equal(data.column("MEASURE"), measure),
                ),
                pa.array(
                    _all_total(
                        data,
                        ("SEX", "AGE", "CITIZENSHIP", "COUNTRY_OF_BIRTH", "DURATION", "ATOLL"),
                    )
                ),
            )
            total = data.filter(keep)
            if total.num_rows != 1:
                continue
            checks.append(
                Check(
                    TABLE_ID,
                    f"{measure.lower().replace('_', ' ')} residents, {reference}",
                    float(total.column("OBS_VALUE")[0].as_py()),
                    float(truth),
                    goal=0.01 if reference == "census_night" else None,
                    lower=float(total.column("LOWER")[0].as_py()),
                    upper=float(total.column("UPPER")[0].as_py()),
                )
            )
    return checks
