"""Tables 7.x: SDG indicators by migratory status, from the 2022 census microdata.

The census is the one source that records labour-force and schooling status for the
whole population, citizens and foreigners alike, so the SDG indicators that call for
disaggregation by migratory status are computed from it, on census night:

- **7.1, SDG 8.5.2** (series SL_TLF_UEM): unemployment rate, unemployed persons as a
  percentage of the labour force (employed + unemployed), ages 15+.
- **7.2, SDG 8.6.1** (series SL_TLF_NEET): youth aged 15-24 not in employment and not
  attending education or training, as a percentage of all youth 15-24.
- **7.3, school attendance** (in the spirit of SDG 4.1/4.5): persons of school age
  attending school or training as a percentage of all persons of that age, with the
  gender parity index (female rate / male rate, as in SDG 4.5.1).

**Migratory status** (UN framework, first step: country of birth x citizenship):
``NB_CIT`` native-born citizens, ``NB_FOR`` native-born foreign citizens, ``FB_CIT``
foreign-born citizens, ``FB_FOR`` foreign-born foreign citizens, and the aggregates
``FB`` (foreign-born, the SDG "migrant", ``COMPOSITE_BREAKDOWN`` ``MS_MIGRANT``) and
``NB`` (native-born, ``MS_NOMIGRANT``). Stateless persons are non-citizens. A person
whose country of birth or citizenship is unknown is ``_U`` (and counted only in the
``_T`` total); ``FB``/``NB`` need only the country of birth.

**Assumptions and choices**, written into every table's metadata:

- Activity status is the census's own (data dictionary codes ``1`` employed, ``2``
  unemployed, ``3`` not in the labour force; the labels are accepted too). Records with
  an unknown activity or attendance are left out of the indicator that needs it, and
  their number is reported.
- Ages are completed years on census night (the census ``age``, else from the date of
  birth). SDG age codes: ``Y15T24``, ``Y_GE25`` and the total ``Y_GE15`` (7.1);
  ``Y15T24`` (7.2); for 7.3 the Maldives' official school ages (UIS): ``Y6T15``
  compulsory schooling (primary grades 1-7 at 6-12 and lower secondary grades 8-10 at
  13-15; Education Act 2020) and ``Y16T17`` higher secondary (grades 11-12), total
  ``Y6T17``.
- The census counts the population it enumerated: foreigners are under-covered (see
  table R.1), so these are indicators *of the enumerated population*.
- A rate whose denominator is below :data:`MIN_RELIABLE_DENOMINATOR` persons carries
  ``OBS_STATUS`` ``U`` (SDMX CL_OBS_STATUS "low reliability"); a rate with no
  denominator is ``M`` (missing) with no value. Nothing is suppressed here: disclosure
  control comes later.
- Each table has a ``MEASURE`` dimension: the rate (percent) with its numerator and
  denominator (persons), so users and disclosure control see what a rate rests on.
  Every migratory-status x sex x age cell is present, zero counts included.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from migstats.stats.cube import TOTAL, UNKNOWN, ObservationTable, age_sql, cube, table_from
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame

__all__ = [
    "COMPOSITE_BREAKDOWN",
    "MIGRATORY_STATUSES",
    "MIN_RELIABLE_DENOMINATOR",
    "activity_sql",
    "birth_status_sql",
    "build",
    "evaluate",
    "migratory_status_sql",
]

log = logging.getLogger("migstats.stats")

#: Rates on fewer persons than this are flagged ``U`` (low reliability).
MIN_RELIABLE_DENOMINATOR: Final = 50
#: Migratory status codes: the four birth x citizenship groups, then the birth aggregates.
MIGRATORY_STATUSES: Final = ("NB_CIT", "NB_FOR", "FB_CIT", "FB_FOR", "NB", "FB")
#: SDG global SDMX structure: migratory status goes into COMPOSITE_BREAKDOWN.
COMPOSITE_BREAKDOWN: Final = {"FB": "MS_MIGRANT", "NB": "MS_NOMIGRANT"}
#: Census activity status codes (data dictionary of census_2022) and accepted labels.
ACTIVITY_CODES: Final = {
    1: ("1", "employed"),
    2: ("2", "unemployed"),
    3: ("3", "not in the labour force", "inactive"),
}

_MIGRATORY_LABELS: Final = {
    "NB_CIT": "native-born citizens",
    "NB_FOR": "native-born foreign citizens",
    "FB_CIT": "foreign-born citizens",
    "FB_FOR": "foreign-born foreign citizens",
    "NB": "native-born (non-migrants), all citizenships",
    "FB": "foreign-born (migrants), all citizenships",
    UNKNOWN: "country of birth or citizenship unknown (in the total only)",
}
_SEXES: Final = ("M", "F", TOTAL)
_RELATION: Final = "sdg_census_person"


def birth_status_sql(country_of_birth: str, country: str) -> str:
    """SQL for ``NB``/``FB`` from an ISO alpha-3 country of birth (null when unknown).

    >>> con = duckdb.connect()
    >>> con.sql(f"select {birth_status_sql('b', 'MDV')} from (values ('MDV'), ('IND'),"
    ...         " (null)) v(b)").fetchall()
    [('NB',), ('FB',), (None,)]
    """
    return (
        f"case when ({country_of_birth}) is null then null"
        f" when ({country_of_birth}) = '{country}' then 'NB' else 'FB' end"
    )


def migratory_status_sql(country_of_birth: str, citizenship: str, country: str) -> str:
    """SQL for the four birth x citizenship groups (null when either is unknown).

    Any citizenship other than the country's, stateless included, is foreign.

    >>> con = duckdb.connect()
    >>> con.sql(f"select {migratory_status_sql('b', 'c', 'MDV')} from (values"
    ...         " ('MDV', 'MDV'), ('MDV', 'IND'), ('IND', 'MDV'), ('BGD', 'XXA'),"
    ...         " ('IND', null)) v(b, c)").fetchall()
    [('NB_CIT',), ('NB_FOR',), ('FB_CIT',), ('FB_FOR',), (None,)]
    """
    born = birth_status_sql(country_of_birth, country)
    return (
        f"case when ({born}) is null or ({citizenship}) is null then null"
        f" else ({born}) || case when ({citizenship}) = '{country}' then '_CIT'"
        " else '_FOR' end end"
    )


def activity_sql(activity: str) -> str:
    """SQL for the census activity status as 1/2/3 (null when not codable).

    >>> con = duckdb.connect()
    >>> con.sql(f"select {activity_sql('a')} from (values ('1'), (' Unemployed'), ('3'),"
    ...         " ('9'), (null)) v(a)").fetchall()
    [(1,), (2,), (3,), (None,), (None,)]
    """
    text = f"lower(trim(({activity})::varchar))"
    whens = " ".join(
        f"when {text} in ({', '.join(repr(v) for v in values)}) then {code}"
        for code, values in ACTIVITY_CODES.items()
    )
    return f"case {whens} end"


def _census_relation(frame: StatFrame) -> None:
    """One row per census person: migratory status, sex, age, activity, attendance."""
    assert frame.census_night is not None
    night = f"date '{frame.census_night.isoformat()}'"
    country = frame.country
    frame.con.execute(
        f"""
        create or replace temp table {_RELATION} as
        select record_id,
               {migratory_status_sql("country_of_birth_iso3", "citizenship_iso3", country)}
                 as ms_detail,
               {birth_status_sql("country_of_birth_iso3", country)} as ms_birth,
               case when sex in ('M', 'F') then sex end as person_sex,
               coalesce(age, {age_sql("date_of_birth", night)}) as age_years,
               {activity_sql("activity_status")} as activity,
               case when try_cast(attending_education as integer) in (0, 1)
                    then try_cast(attending_education as integer) end as attending
        from census
        """
    )


def _status_cube(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    dimensions: Mapping[str, str],
    *,
    value: str,
    where: str,
    fixed: Sequence[str] = (),
) -> pa.Table:
    """``value`` by migratory status (groups and aggregates) crossed with every subset
    of the other dimensions, ``_T`` margins included; ``fixed`` dimensions are never
    summed over."""
    free = [d for d in dimensions if d not in fixed]
    subsets = [combo for k in range(len(free) + 1) for combo in itertools.combinations(free, k)]
    detail = {"REF_DATE": "'census_night'", "MIGRATORY_STATUS": "ms_detail", **dimensions}
    birth = {**detail, "MIGRATORY_STATUS": "ms_birth"}
    with_status = [("MIGRATORY_STATUS", *s) for s in subsets]
    always = ("REF_DATE", *fixed)
    groups = cube(
        con, relation, detail, [*with_status, *subsets], value=value, always=always, where=where
    )
    aggregates = cube(con, relation, birth, with_status, value=value, always=always, where=where)
    # ``_U`` of the birth coding would mean "birth unknown", a different set of people
    # from ``_U`` of the four groups: only the latter is published.
    aggregates = aggregates.filter(pc.not_equal(aggregates.column("MIGRATORY_STATUS"), UNKNOWN))
    return pa.concat_tables([groups, aggregates])


def _rate_rows(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    dimensions: Mapping[str, str],
    codes: Mapping[str, Sequence[str]],
    *,
    universe: str,
    numerator: str,
    measures: tuple[str, str, str],
    total_code: Mapping[str, str] | None = None,
    fixed: Sequence[str] = (),
) -> pa.Table:
    """Rate (percent), numerator and denominator for every cell of the full grid.

    ``codes`` lists every code of each dimension (the grid, margins included) so that
    empty cells are published as zeros; ``total_code`` renames a dimension's ``_T``
    (e.g. AGE ``_T`` is ``Y_GE15`` when the universe is 15+).
    """
    total_code = total_code or {}
    numerators = _status_cube(
        con, relation, dimensions, value=f"sum(({numerator})::int)", where=universe, fixed=fixed
    )
    denominators = _status_cube(
        con, relation, dimensions, value="count(*)", where=universe, fixed=fixed
    )
    names = ["REF_DATE", "MIGRATORY_STATUS", *dimensions]
    grid_codes = {"REF_DATE": ["census_night"], "MIGRATORY_STATUS": codes["MIGRATORY_STATUS"]}
    grid_codes.update({d: list(codes[d]) for d in dimensions})
    combos = list(itertools.product(*(grid_codes[d] for d in names)))
    grid = pa.table({n: pa.array([c[i] for c in combos], pa.string()) for i, n in enumerate(names)})
    views = {"sdg_num": numerators, "sdg_den": denominators, "sdg_grid": grid}
    for name, table in views.items():
        con.register(name, table)
    try:
        keys = ", ".join(f'"{n}"' for n in names)
        renamed = ", ".join(
            f'case when "{n}" = \'{TOTAL}\' then \'{total_code[n]}\' else "{n}" end as "{n}"'
            if n in total_code
            else f'"{n}"'
            for n in names
        )
        rate, num_m, den_m = measures
        sql = f"""
            with cells as (
                select {keys}, coalesce(n.OBS_VALUE, 0) as num, coalesce(d.OBS_VALUE, 0) as den
                from (select {keys} from sdg_grid union select {keys} from sdg_den) k
                left join sdg_num n using ({keys}) left join sdg_den d using ({keys})
            ),
            measured as (
                select {keys}, '{rate}' as MEASURE,
                       case when den > 0 then 100.0 * num / den end as OBS_VALUE,
                       case when den = 0 then 'M'
                            when den < {MIN_RELIABLE_DENOMINATOR} then 'U' else 'A' end
                         as OBS_STATUS
                from cells
                union all select {keys}, '{num_m}', num, 'A' from cells
                union all select {keys}, '{den_m}', den, 'A' from cells
            )
            select {renamed}, MEASURE, OBS_VALUE::double as OBS_VALUE, OBS_STATUS
            from measured order by MEASURE, {keys}
        """
        return con.sql(sql).to_arrow_table()
    finally:
        for name in views:
            con.unregister(name)


def _status_codes(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The migratory status codes of the grid, plus ``_U`` when some census person has it."""
    unknown = con.sql(f"select count(*) from {relation} where ms_detail is null").fetchall()
    extra = [UNKNOWN] if unknown[0][0] else []
    return [*MIGRATORY_STATUSES, *extra, TOTAL]


def _common_metadata(frame: StatFrame) -> dict[str, Any]:
    assert frame.census_night is not None
    return {
        "source": "Population and Housing Census 2022 (MBS), harmonised microdata",
        "reference_date": frame.census_night.isoformat(),
        "population": "persons enumerated by the census on census night",
        "migratory_status": {
            "definition": "country of birth x citizenship (UN framework, first step); "
            "stateless persons are non-citizens",
            "codes": dict(_MIGRATORY_LABELS),
            "sdg_composite_breakdown": dict(COMPOSITE_BREAKDOWN),
        },
        "age": "completed years on census night",
        "reliability": (
            f"rates on fewer than {MIN_RELIABLE_DENOMINATOR} persons are OBS_STATUS U "
            "(low reliability); rates without a denominator are M, no value; nothing is "
            "suppressed (disclosure control comes later)"
        ),
        "coverage_note": "the census under-enumerated foreigners (see table R.1): "
        "indicators describe the enumerated population",
        "activity_codes": {str(k): v[1] for k, v in ACTIVITY_CODES.items()},
        "sources": sorted(frame.sources),
    }


_DIMENSIONS: Final = ("REF_DATE", "MIGRATORY_STATUS", "SEX", "AGE", "MEASURE")


def _unemployment(frame: StatFrame, relation: str, status_codes: list[str]) -> ObservationTable:
    data = _rate_rows(
        frame.con,
        relation,
        {"SEX": "person_sex", "AGE": "case when age_years < 25 then 'Y15T24' else 'Y_GE25' end"},
        {"MIGRATORY_STATUS": status_codes, "SEX": _SEXES, "AGE": ("Y15T24", "Y_GE25", TOTAL)},
        universe="age_years >= 15 and activity in (1, 2)",
        numerator="activity = 2",
        measures=("UNEMPLOYMENT_RATE", "UNEMPLOYED", "LABOUR_FORCE"),
        total_code={"AGE": "Y_GE15"},
    )
    unknown = frame.count(
        f"select count(*) from {relation} where age_years >= 15 and activity is null"
    )
    metadata = {
        **_common_metadata(frame),
        "indicator": "SDG 8.5.2 unemployment rate (series SL_TLF_UEM)",
        "definition": "unemployed persons (activity 2) as a percentage of the labour force "
        "(activity 1 or 2), ages 15 and over",
        "unit_by_measure": {
            "UNEMPLOYMENT_RATE": "percent",
            "UNEMPLOYED": "persons",
            "LABOUR_FORCE": "persons",
        },
        "age_codes": {"Y15T24": "15-24", "Y_GE25": "25 and over", "Y_GE15": "15 and over"},
        "excluded_activity_unknown_15_plus": unknown,
    }
    return table_from(
        "7.1",
        "SDG 8.5.2 Unemployment rate by migratory status, sex and age, census night",
        data,
        _DIMENSIONS,
        unit="percent",
        metadata=metadata,
    )


def _neet(frame: StatFrame, relation: str, status_codes: list[str]) -> ObservationTable:
    data = _rate_rows(
        frame.con,
        relation,
        {"SEX": "person_sex", "AGE": "'Y15T24'"},
        {"MIGRATORY_STATUS": status_codes, "SEX": _SEXES, "AGE": ("Y15T24",)},
        universe="age_years between 15 and 24 and activity is not null and attending is not null",
        numerator="activity <> 1 and attending = 0",
        measures=("NEET_RATE", "NEET", "POPULATION"),
        fixed=("AGE",),
    )
    unknown = frame.count(
        f"select count(*) from {relation} where age_years between 15 and 24"
        " and (activity is null or attending is null)"
    )
    metadata = {
        **_common_metadata(frame),
        "indicator": "SDG 8.6.1 youth not in education, employment or training "
        "(series SL_TLF_NEET)",
        "definition": "persons aged 15-24 who are not employed (activity 2 or 3) and not "
        "attending school or training, as a percentage of all persons aged 15-24; a young "
        "person both studying and working counts as employed",
        "unit_by_measure": {"NEET_RATE": "percent", "NEET": "persons", "POPULATION": "persons"},
        "excluded_activity_or_attendance_unknown_15_24": unknown,
    }
    return table_from(
        "7.2",
        "SDG 8.6.1 Youth (15-24) not in education, employment or training by migratory "
        "status and sex, census night",
        data,
        _DIMENSIONS,
        unit="percent",
        metadata=metadata,
    )


def _gender_parity(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> pa.Table:
    """GPI = female attendance rate / male attendance rate, per status and age (SEX _T)."""
    con.register("sdg_attendance", rows)
    try:
        return con.sql(
            f"""
            with rate as (
                select r.*, d.OBS_VALUE as den from sdg_attendance r
                join sdg_attendance d using (REF_DATE, MIGRATORY_STATUS, SEX, AGE)
                where r.MEASURE = 'ATTENDANCE_RATE' and d.MEASURE = 'POPULATION'
            )
            select f.REF_DATE, f.MIGRATORY_STATUS, '{TOTAL}' as SEX, f.AGE, 'GPI' as MEASURE,
                   (case when m.OBS_VALUE > 0 then f.OBS_VALUE / m.OBS_VALUE end)::double
                     as OBS_VALUE,
                   case when f.OBS_VALUE is null or m.OBS_VALUE is null or m.OBS_VALUE = 0
                          then 'M'
                        when least(f.den, m.den) < {MIN_RELIABLE_DENOMINATOR} then 'U'
                        else 'A' end as OBS_STATUS
            from rate f join rate m using (REF_DATE, MIGRATORY_STATUS, AGE)
            where f.SEX = 'F' and m.SEX = 'M'
            order by f.MIGRATORY_STATUS, f.AGE
            """
        ).to_arrow_table()
    finally:
        con.unregister("sdg_attendance")


def _attendance(frame: StatFrame, relation: str, status_codes: list[str]) -> ObservationTable:
    rows = _rate_rows(
        frame.con,
        relation,
        {"SEX": "person_sex", "AGE": "case when age_years <= 15 then 'Y6T15' else 'Y16T17' end"},
        {"MIGRATORY_STATUS": status_codes, "SEX": _SEXES, "AGE": ("Y6T15", "Y16T17", TOTAL)},
        universe="age_years between 6 and 17 and attending is not null",
        numerator="attending = 1",
        measures=("ATTENDANCE_RATE", "ATTENDING", "POPULATION"),
        total_code={"AGE": "Y6T17"},
    )
    data = pa.concat_tables([rows, _gender_parity(frame.con, rows).cast(rows.schema)])
    unknown = frame.count(
        f"select count(*) from {relation} where age_years between 6 and 17 and attending is null"
    )
    metadata = {
        **_common_metadata(frame),
        "indicator": "school attendance rate by migratory status (census-based, in the "
        "spirit of SDG 4.1 and 4.5), with the gender parity index (as SDG 4.5.1)",
        "definition": "persons of school age attending school or training as a percentage "
        "of all persons of that age; GPI = female rate / male rate (SEX _T)",
        "age_codes": {
            "Y6T15": "6-15, compulsory schooling: primary (grades 1-7) and lower secondary "
            "(grades 8-10), Education Act 2020",
            "Y16T17": "16-17, higher secondary (grades 11-12), UIS official ages",
            "Y6T17": "6-17, all school ages",
        },
        "unit_by_measure": {
            "ATTENDANCE_RATE": "percent",
            "ATTENDING": "persons",
            "POPULATION": "persons",
            "GPI": "ratio (female rate / male rate; 1 = parity)",
        },
        "excluded_attendance_unknown_6_17": unknown,
    }
    return table_from(
        "7.3",
        "School attendance rate and gender parity index by migratory status, sex and age, "
        "census night",
        data,
        _DIMENSIONS,
        unit="percent",
        metadata=metadata,
    )


def _tables(frame: StatFrame, relation: str) -> list[ObservationTable]:
    codes = _status_codes(frame.con, relation)
    return [
        _unemployment(frame, relation, codes),
        _neet(frame, relation, codes),
        _attendance(frame, relation, codes),
    ]


def build(frame: StatFrame) -> list[ObservationTable]:
    """Tables 7.1-7.3 (see the module docstring); none without a census.

    >>> import datetime as dt, duckdb
    >>> from pathlib import Path
    >>> from migstats.residence import ResidenceRule
    >>> con = duckdb.connect()
    >>> _ = con.execute(
    ...     "create view census as select * from (values"
    ...     " ('1', 'M', 30, null::date, 'MDV', 'MDV', '1', 0),"
    ...     " ('2', 'F', 40, null, 'MDV', 'MDV', '2', 0),"
    ...     " ('3', 'M', 25, null, 'BGD', 'BGD', '1', 0)) v(record_id, sex, age,"
    ...     " date_of_birth, country_of_birth_iso3, citizenship_iso3, activity_status,"
    ...     " attending_education)")
    >>> frame = StatFrame(con, Path(), "MDV", dt.date(2019, 1, 1), dt.date(2024, 12, 31),
    ...                   dt.date(2022, 9, 20), ResidenceRule())
    >>> t = {x.table_id: x for x in build(frame)}
    >>> t["7.1"].value(REF_DATE="census_night", MEASURE="UNEMPLOYMENT_RATE",
    ...                MIGRATORY_STATUS="NB", AGE="Y_GE15")
    50.0
    """
    if frame.census_night is None or not frame.has("census"):
        log.info("no census: tables 7.x not built")
        return []
    _census_relation(frame)
    return _tables(frame, _RELATION)


# --- evaluation against the synthetic country's truth ---------------------------------

_TRUTH_RELATION: Final = "sdg_truth_census_person"

#: (table, measure, migratory status, age) of the cells compared with the truth.
_CHECKED: Final = (
    ("7.1", "UNEMPLOYMENT_RATE", ("_T", "NB", "FB", "NB_CIT", "FB_FOR"), "Y_GE15"),
    ("7.1", "LABOUR_FORCE", ("NB", "FB", "FB_FOR"), "Y_GE15"),
    ("7.1", "UNEMPLOYMENT_RATE", ("NB", "FB"), "Y15T24"),
    ("7.2", "NEET_RATE", ("_T", "NB", "FB"), "Y15T24"),
    ("7.2", "POPULATION", ("NB", "FB"), "Y15T24"),
    ("7.3", "ATTENDANCE_RATE", ("_T", "NB", "FB"), "Y6T15"),
    ("7.3", "ATTENDANCE_RATE", ("NB", "FB"), "Y16T17"),
    ("7.3", "GPI", ("NB",), "Y6T17"),
)


def _truth_relation(frame: StatFrame) -> bool:
    """Census persons with their migratory status, sex and age from the truth.

    The truth holds no activity or schooling variables: those stay the census's. What
    the comparison tests is everything else: the harmonised country codes, sex, age and
    the loss of census records before the tables.
    """
    if not (frame.has("truth_record") and frame.has("truth_person")):
        return False
    assert frame.census_night is not None
    night = f"date '{frame.census_night.isoformat()}'"
    country = frame.country
    frame.con.execute(
        f"""
        create or replace temp table {_TRUTH_RELATION} as
        select r.record_id,
               {migratory_status_sql("p.country_of_birth", "p.citizenship", country)}
                 as ms_detail,
               {birth_status_sql("p.country_of_birth", country)} as ms_birth,
               p.sex as person_sex,
               {age_sql("p.date_of_birth", night)} as age_years,
               c.activity, c.attending
        from (select record_id, person_id from truth_record
              where source = (select any_value(_source) from census)) r
        join truth_person p using (person_id)
        left join {_RELATION} c using (record_id)
        """
    )
    return True


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Selected cells of 7.1-7.3 against the same indicators on the truth's migratory
    status, sex and age (activity and schooling are the census's: the truth has none),
    and the census persons counted against the census extract's records.

    Goals: census persons within 1% of the extract; rates within 2% (relative) of the
    truth's, unless the cell is flagged (``U``/``M``) and reported without a goal.
    """
    if "7.1" not in tables or frame.census_night is None:
        return []
    _census_relation(frame)
    if not _truth_relation(frame):
        return []
    truth_tables = {t.table_id: t for t in _tables(frame, _TRUTH_RELATION)}
    checks = [
        Check(
            "7.x",
            "census persons in the tables' input vs records in the census extract",
            float(frame.count(f"select count(*) from {_RELATION}")),
            float(frame.count(f"select count(*) from {_TRUTH_RELATION}")),
            goal=0.01,
        )
    ]
    for table_id, measure, statuses, age in _CHECKED:
        published, truth = tables[table_id], truth_tables[table_id]
        for status in statuses:
            cell = {"REF_DATE": "census_night", "MEASURE": measure, "MIGRATORY_STATUS": status}
            estimate = published.value(**cell, AGE=age)
            expected = truth.value(**cell, AGE=age)
            if estimate is None or expected is None:
                continue
            flagged = _status_of(published, **cell, AGE=age) != "A"
            checks.append(
                Check(
                    table_id,
                    f"{measure.lower().replace('_', ' ')}, {status}, {age}",
                    estimate,
                    expected,
                    goal=None if flagged else 0.02,
                )
            )
    return checks


def _status_of(table: ObservationTable, **codes: str) -> str | None:
    """The ``OBS_STATUS`` of one cell (dimensions not named at ``_T``)."""
    mask = None
    for d in table.dimensions:
        eq = pc.equal(table.data.column(d), codes.get(d, TOTAL))
        mask = eq if mask is None else pc.and_(mask, eq)
    rows = table.data.filter(mask).column("OBS_STATUS").to_pylist()
    return str(rows[0]) if rows else None
