"""Tables R.x: the foreign population on census night, source by source, linked.

Three sources count the foreigners living in the country on census night, each in its
own way (DOMAIN.md section 4, source reconciliation):

- ``C`` **census**: persons enumerated with a foreign citizenship (any citizenship but
  the country's, stateless included).
- ``B`` **border data**: foreign spine persons whom the residence rule (with the
  permit fallback of :mod:`migstats.stats.population`) makes *resident* on census night.
  Residents temporarily abroad are included (they are usual residents); visitors who
  are present are not. Only spine persons (seen at the border) are border data: permit
  holders never placed on the spine count under ``P`` while their permit is valid, and
  under no source once it has expired (the population table still counts them).
- ``P`` **work permits** (Xpat): holders of a work permit valid on census night by its
  validity dates. The status column is the one of the extract date, not of census night,
  so a permit cancelled after the worker left still counts (the "active permit" problem).

The sources are joined through the person spine: census records and permits carry the
``person_key`` of their spine person when linked. A census record not linked counts as a
person of its own (key ``C:<record>``), and so does a permit holder not on the spine
(grouped by passport pseudonym and nationality as in the population table). So ``C``
alone means "enumerated, not found in border data as a resident": a linkage failure,
a resident unknown to border data, or a person border data wrongly makes non-resident.

**R.1** counts persons by the combination of sources that counted them (``SOURCES``):
``CBP``, ``CB``, ``CP``, ``BP``, ``C``, ``B``, ``P`` (counted by exactly those), the
source totals ``CENSUS``, ``BORDER``, ``PERMIT`` (counted by that source, whatever
else) and ``_T`` (by any), by sex and citizenship (the 10 largest + ``OTH``). Sex and
citizenship are the census's where the person was enumerated, else the spine's, else
the permit's.

**R.2** gives the rates that follow (percent), with the same breakdowns:
``CENSUS_TO_BORDER`` census foreigners per 100 border residents (the headline, free of
linkage error), ``BORDER_ENUMERATED`` share of border residents linked to a census
record (a lower bound: missed links count as not enumerated), ``CENSUS_LINKED`` share
of census foreigners linked to a border resident, ``PERMIT_RESIDENT`` share of permit
holders whom border data shows resident. Rates on fewer than
:data:`~migstats.stats.sdg.MIN_RELIABLE_DENOMINATOR` persons are ``U``; none are
suppressed here.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from migstats.stats.cube import TOTAL, UNKNOWN, ObservationTable, cube, table_from
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame
from migstats.stats.population import holder_key_sql
from migstats.stats.sdg import MIN_RELIABLE_DENOMINATOR

__all__ = ["COMBINATIONS", "TOP_CITIZENSHIPS", "build", "evaluate", "source_membership_sql"]

log = logging.getLogger("migstats.stats")

#: Exclusive source combinations, largest overlap first.
COMBINATIONS: Final = ("CBP", "CB", "CP", "BP", "C", "B", "P")
#: Source totals (counted by the source, whatever else).
SOURCE_TOTALS: Final = {"CENSUS": "in_c", "BORDER": "in_b", "PERMIT": "in_p"}
#: Citizenships shown one by one; the rest are ``OTH``.
TOP_CITIZENSHIPS: Final = 10

_MEMBER: Final = "reconcile_member"
_REFERENCE: Final = "census_night"


def source_membership_sql(frame: StatFrame) -> str:
    """SQL for one row per person counted by any source on census night: ``person``,
    ``in_c``, ``in_b``, ``in_p``, ``sex``, ``citizenship``.

    Sources missing from the workspace count nobody.
    """
    assert frame.census_night is not None
    night = f"date '{frame.census_night.isoformat()}'"
    country = frame.country
    empty = (
        "select null::varchar as person, null::varchar as sex, null::varchar as citizenship"
        " where false"
    )
    census = (
        "select coalesce(person_key, 'C:' || record_id) as person, any_value(sex) as sex,"
        " any_value(citizenship_iso3) as citizenship from census"
        f" where citizenship_iso3 <> '{country}' group by 1"
        if frame.has("census")
        else empty
    )
    border = (
        "select person_key as person, any_value(sex) as sex,"
        " any_value(citizenship) as citizenship from population_status"
        f" where reference = '{_REFERENCE}' and resident and not is_citizen"
        " and person_key in (select person_key from person) group by 1"
    )
    # Holders not on the spine get the population table's key, so both agree on them.
    permit = (
        f"select coalesce(person_key, {holder_key_sql()}, 'WPID:' || permit_id) as person,"
        " arg_max(sex, valid_to) as sex, arg_max(nationality_iso3, valid_to) as citizenship"
        f" from work_permit where {night} between valid_from and valid_to group by 1"
        if frame.has("work_permit")
        else empty
    )
    spine = "select person_key as person, sex, citizenship from person"
    return f"""
        select person, c.person is not null as in_c, b.person is not null as in_b,
               p.person is not null as in_p,
               coalesce(c.sex, s.sex, b.sex, p.sex) as sex,
               coalesce(c.citizenship, s.citizenship, b.citizenship, p.citizenship)
                 as citizenship
        from ({census}) c
        full join ({border}) b using (person)
        full join ({permit}) p using (person)
        left join ({spine}) s using (person)
    """


def _members(frame: StatFrame) -> None:
    frame.con.execute(
        f"""
        create or replace temp table {_MEMBER} as
        with m as ({source_membership_sql(frame)}),
        top as (
            select citizenship from m where citizenship is not null
            group by 1 order by count(*) desc, citizenship limit {TOP_CITIZENSHIPS}
        )
        select m.*,
               case when m.citizenship is null then null
                    when m.citizenship in (select citizenship from top) then m.citizenship
                    else 'OTH' end as citizenship_group,
               case when m.sex in ('M', 'F') then m.sex end as person_sex,
               concat(case when in_c then 'C' else '' end, case when in_b then 'B' else '' end,
                      case when in_p then 'P' else '' end) as sources
        from m
        """
    )


_BREAKDOWNS: Final = ((), ("SEX",), ("CITIZENSHIP",), ("SEX", "CITIZENSHIP"))


def _counts(frame: StatFrame) -> pa.Table:
    """R.1 cells: exclusive combinations with the ``_T`` union, then the source totals."""
    con = frame.con
    dims = {
        "REF_DATE": f"'{_REFERENCE}'",
        "SOURCES": "sources",
        "SEX": "person_sex",
        "CITIZENSHIP": "citizenship_group",
    }
    combos = cube(
        con,
        _MEMBER,
        dims,
        [*(("SOURCES", *b) for b in _BREAKDOWNS), *_BREAKDOWNS],
        always=("REF_DATE",),
        cell_key="person",
    )
    # Each source total is a sum over its combinations, so the table adds up by itself.
    totals = " union all ".join(
        f"select *, '{code}' as source_total from {_MEMBER} where {flag}"
        for code, flag in SOURCE_TOTALS.items()
    )
    by_source = cube(
        con,
        f"({totals})",
        {**dims, "SOURCES": "source_total"},
        [("SOURCES", *b) for b in _BREAKDOWNS],
        always=("REF_DATE",),
        cell_key="person",
    )
    return _complete(frame, pa.concat_tables([combos, by_source]))


def _complete(frame: StatFrame, observed: pa.Table) -> pa.Table:
    """Every SOURCES x SEX x CITIZENSHIP cell, zeros included, in a stable order."""
    con = frame.con
    con.register("reconcile_observed", observed)
    try:
        sources = ", ".join(f"('{c}')" for c in (*COMBINATIONS, *SOURCE_TOTALS, TOTAL))
        return con.sql(
            f"""
            with grid as (
                select '{_REFERENCE}' as REF_DATE, s.SOURCES, x.SEX, c.CITIZENSHIP
                from (values {sources}) s(SOURCES)
                cross join (select distinct SEX from reconcile_observed) x
                cross join (select distinct CITIZENSHIP from reconcile_observed) c
            )
            -- An empty cell's key is 0: the sum of no record keys.
            select g.*, coalesce(o.OBS_VALUE, 0)::double as OBS_VALUE,
                   coalesce(o.CELL_KEY, 0)::integer as CELL_KEY
            from grid g left join reconcile_observed o
              using (REF_DATE, SOURCES, SEX, CITIZENSHIP)
            order by SOURCES, SEX, CITIZENSHIP
            """
        ).to_arrow_table()
    finally:
        con.unregister("reconcile_observed")


#: R.2 rates: (measure, numerator SOURCES codes, denominator SOURCES code).
_RATES: Final = (
    ("CENSUS_TO_BORDER", ("CENSUS",), "BORDER"),
    ("BORDER_ENUMERATED", ("CBP", "CB"), "BORDER"),
    ("CENSUS_LINKED", ("CBP", "CB"), "CENSUS"),
    ("PERMIT_RESIDENT", ("CBP", "BP"), "PERMIT"),
)


def _rates(frame: StatFrame, counts: pa.Table) -> pa.Table:
    con = frame.con
    con.register("reconcile_counts", counts)
    try:
        parts = []
        for measure, numerator, denominator in _RATES:
            codes = ", ".join(f"'{c}'" for c in numerator)
            parts.append(
                f"""
                select REF_DATE, '{measure}' as MEASURE, SEX, CITIZENSHIP,
                       sum(OBS_VALUE) filter (where SOURCES in ({codes})) as num,
                       sum(OBS_VALUE) filter (where SOURCES = '{denominator}') as den
                from reconcile_counts group by REF_DATE, SEX, CITIZENSHIP
                """
            )
        return con.sql(
            f"""
            select REF_DATE, MEASURE, SEX, CITIZENSHIP,
                   (case when den > 0 then 100.0 * num / den end)::double as OBS_VALUE,
                   case when den = 0 then 'M'
                        when den < {MIN_RELIABLE_DENOMINATOR} then 'U' else 'A' end
                     as OBS_STATUS
            from ({" union all ".join(parts)})
            order by MEASURE, SEX, CITIZENSHIP
            """
        ).to_arrow_table()
    finally:
        con.unregister("reconcile_counts")


def _cell(data: pa.Table, **codes: str) -> float | None:
    mask = None
    for name, code in codes.items():
        eq = pc.equal(data.column(name), code)
        mask = eq if mask is None else pc.and_(mask, eq)
    values = data.filter(mask).column("OBS_VALUE").to_pylist()
    return None if not values or values[0] is None else float(values[0])


def _stock_estimate(frame: StatFrame) -> float | None:
    """Foreign-citizen residents on census night from table 1.1 (corrected for missed
    departures), when that table was built in this run."""
    stock = frame.tables.get("1.1") if isinstance(frame.tables, dict) else None
    if not isinstance(stock, ObservationTable):
        return None
    try:
        return stock.value(REF_DATE=_REFERENCE, MEASURE="FOREIGN_CITIZENS")
    except KeyError:
        return None


def _headline(frame: StatFrame, counts: pa.Table, rates: pa.Table) -> dict[str, Any]:
    total = {"SEX": TOTAL, "CITIZENSHIP": TOTAL}
    census = _cell(counts, SOURCES="CENSUS", **total) or 0.0
    border = _cell(counts, SOURCES="BORDER", **total) or 0.0
    ratio = _cell(rates, MEASURE="CENSUS_TO_BORDER", **total)
    linked = _cell(rates, MEASURE="BORDER_ENUMERATED", **total)
    out: dict[str, Any] = {
        "census_foreigners": census,
        "border_resident_foreigners": border,
        "census_to_border_percent": ratio,
        "border_residents_linked_to_census_percent": linked,
    }
    if ratio is None:
        out["headline"] = "no foreigners resident on census night in border data"
        return out
    text = (
        f"census enumerated {ratio:.1f}% of the foreigners that border data shows resident "
        f"on census night ({census:,.0f} enumerated foreigners against {border:,.0f} "
        f"residents); {linked or 0.0:.1f}% of those residents were linked to a census record"
    )
    stock = _stock_estimate(frame)
    if stock:
        out["stock_estimate_1_1"] = stock
        out["census_to_stock_estimate_percent"] = 100.0 * census / stock
        text += (
            f"; against the foreign-citizen stock of table 1.1 ({stock:,.0f}, corrected for "
            f"missed departures) the census counted {100.0 * census / stock:.1f}%"
        )
    out["headline"] = text
    return out


def build(frame: StatFrame) -> list[ObservationTable]:
    """Tables R.1 and R.2 (see the module docstring); none without a census night.

    Needs ``population_status``.

    >>> import datetime as dt, duckdb
    >>> from pathlib import Path
    >>> from migstats.residence import ResidenceRule
    >>> con = duckdb.connect()
    >>> _ = con.execute("create view person as select * from (values ('P1', 'M', 'BGD'),"
    ...                 " ('P2', 'F', 'IND')) v(person_key, sex, citizenship)")
    >>> _ = con.execute("create table population_status as select 'census_night' as"
    ...                 " reference, person_key, true as resident, false as is_citizen, sex,"
    ...                 " citizenship from person")
    >>> _ = con.execute("create view census as select * from (values ('1', 'P1', 'M', 'BGD'),"
    ...                 " ('2', null, 'F', 'LKA')) v(record_id, person_key, sex,"
    ...                 " citizenship_iso3)")
    >>> frame = StatFrame(con, Path(), "MDV", dt.date(2019, 1, 1), dt.date(2024, 12, 31),
    ...                   dt.date(2022, 9, 20), ResidenceRule())
    >>> r1, r2 = build(frame)
    >>> [r1.value(REF_DATE="census_night", SOURCES=s) for s in ("CB", "B", "C", "_T")]
    [1.0, 1.0, 1.0, 3.0]
    >>> r2.value(REF_DATE="census_night", MEASURE="BORDER_ENUMERATED")
    50.0
    """
    if frame.census_night is None:
        log.info("no census night: tables R.x not built")
        return []
    _members(frame)
    counts = _counts(frame)
    rates = _rates(frame, counts)
    unlinked_census = frame.count(
        f"select count(*) from {_MEMBER} where in_c and person like 'C:%'"
    )
    unplaced = frame.count(f"select count(*) from {_MEMBER} where in_p and person like 'WP%'")
    top = [
        c
        for (c,) in frame.con.sql(
            f"select distinct citizenship_group from {_MEMBER} where citizenship_group"
            " is not null and citizenship_group <> 'OTH' order by 1"
        ).fetchall()
    ]
    metadata: dict[str, Any] = {
        **_headline(frame, counts, rates),
        "reference_date": frame.census_night.isoformat(),
        "sources_definition": {
            "C": "census 2022: persons enumerated with a foreign citizenship",
            "B": "border data: foreign spine persons resident on census night "
            f"(residence rule {frame.rule.window_days}/{frame.rule.threshold_days} days, "
            "permit fallback when the rule leaves the status unknown)",
            "P": "work permits (Xpat) valid on census night by their validity dates",
        },
        "sources_codes": {
            **{c: f"counted by {' and '.join(c)} only" for c in COMBINATIONS},
            "CENSUS": "counted by the census (any overlap)",
            "BORDER": "counted by border data (any overlap)",
            "PERMIT": "counted by work permits (any overlap)",
            TOTAL: "counted by any source",
        },
        "linkage": "through the person spine: census and permits carry the person_key of "
        "their spine person when linked",
        "census_foreigners_not_linked": unlinked_census,
        "permit_holders_not_on_spine": unplaced,
        "citizenship": f"the {TOP_CITIZENSHIPS} largest citizenships over all sources "
        f"({', '.join(top)}), others OTH, unknown {UNKNOWN}; the census's where "
        "enumerated, else the spine's, else the permit's",
        "sources": sorted(frame.sources),
    }
    r1 = table_from(
        "R.1",
        "Foreigners on census night by source and linked overlap (census, border data, "
        "work permits), by sex and citizenship",
        counts,
        ["REF_DATE", "SOURCES", "SEX", "CITIZENSHIP"],
        metadata=metadata,
    )
    r2 = table_from(
        "R.2",
        "Census coverage and source agreement on census night, by sex and citizenship",
        rates,
        ["REF_DATE", "MEASURE", "SEX", "CITIZENSHIP"],
        unit="percent",
        metadata={
            **metadata,
            "measures": {
                "CENSUS_TO_BORDER": "census foreigners per 100 foreign residents in border "
                "data (ratio of counts, free of linkage error)",
                "BORDER_ENUMERATED": "percent of border residents linked to a census record "
                "(a lower bound of coverage: missed links count as not enumerated)",
                "CENSUS_LINKED": "percent of census foreigners linked to a border resident",
                "PERMIT_RESIDENT": "percent of work-permit holders valid on census night "
                "whom border data shows resident",
            },
            "reliability": f"rates on fewer than {MIN_RELIABLE_DENOMINATOR} persons are "
            "OBS_STATUS U (low reliability), without denominator M; none suppressed",
        },
    )
    return [r1, r2]


def _truth_coverage(frame: StatFrame) -> tuple[int, int]:
    """(foreign residents on census night, of whom enumerated) in the truth."""
    rows = frame.con.sql(
        f"""
        select count(*), count(e.person_id)
        from truth_status s join truth_person p using (person_id)
        left join (select distinct person_id from truth_record
                   where source = (select any_value(_source) from census)) e using (person_id)
        where s.reference = '{_REFERENCE}' and s.resident
          and p.citizenship <> '{frame.country}'
        """
    ).fetchall()
    return int(rows[0][0]), int(rows[0][1])


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Census coverage against the truth, and each source's count against its truth.

    Truth coverage: foreign residents on census night (``truth_status``) with a census
    record (``truth_record``), over all foreign residents. Goals: the headline ratio
    within 10% of it (border data overstates residents by the missed departures); the
    linked lower bound and the ratio to table 1.1's corrected stock are reported without
    a goal (1.1 is held to its own); census and permit counts within 1% and 2% of the
    truth's persons.
    """
    if "R.1" not in tables or not frame.has("census") or not frame.has("truth_status"):
        return []
    counts, rates = tables["R.1"], tables["R.2"]
    residents, enumerated = _truth_coverage(frame)
    if not residents:
        return []
    coverage = 100.0 * enumerated / residents
    checks = []
    ratio = rates.value(REF_DATE=_REFERENCE, MEASURE="CENSUS_TO_BORDER")
    if ratio is not None:
        checks.append(
            Check("R.2", "census coverage of foreign residents (C / B)", ratio, coverage, 0.10)
        )
    linked = rates.value(REF_DATE=_REFERENCE, MEASURE="BORDER_ENUMERATED")
    if linked is not None:
        checks.append(
            Check(
                "R.2",
                "census coverage of foreign residents (linked, lower bound)",
                linked,
                coverage,
            )
        )
    corrected = counts.metadata.get("census_to_stock_estimate_percent")
    if corrected is not None:
        checks.append(
            Check(
                "R.1",
                "census coverage of foreign residents (C / stock 1.1)",
                corrected,
                coverage,
            )
        )
    census_truth = frame.count(
        "select count(*) from truth_record r join truth_person p using (person_id)"
        " where r.source = (select any_value(_source) from census)"
        f" and p.citizenship <> '{frame.country}'"
    )
    value = counts.value(REF_DATE=_REFERENCE, SOURCES="CENSUS")
    if value is not None:
        checks.append(Check("R.1", "census foreigners", value, float(census_truth), 0.01))
    value = counts.value(REF_DATE=_REFERENCE, SOURCES="BORDER")
    if value is not None:
        checks.append(Check("R.1", "foreign residents in border data", value, float(residents)))
    if frame.has("work_permit"):
        assert frame.census_night is not None
        holders = frame.count(
            "select count(distinct r.person_id) from work_permit w join truth_record r"
            " on r.record_id = w.permit_id and r.source = w._source"
            f" where date '{frame.census_night.isoformat()}' between w.valid_from and w.valid_to"
        )
        value = counts.value(REF_DATE=_REFERENCE, SOURCES="PERMIT")
        if value is not None:
            checks.append(
                Check("R.1", "work-permit holders valid on census night", value, holders, 0.02)
            )
    return checks
