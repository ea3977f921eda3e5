"""Who is resident, and who is present, at each reference date, with the evidence.

One row per person and reference date for everybody who is resident, present, or of
unknown status then (non-residents who are abroad are not part of any population and
are left out). Sources, in order of strength:

- ``border``: the residence rule on the person's linked crossings. The status on day t
  is the status after the person's last crossing on or before t, or, before their first
  crossing, the status before it; present means the last crossing was an arrival (or,
  before the first, that the first is a departure).
- ``permit``: a person whose border status is unknown, who is in the country and holds
  a work permit or a residence-type visa valid on t is taken as resident (a permitted
  stay, DOMAIN.md section 2: intention or permission to stay). Somebody abroad with an
  unknown status stays unknown, permit or not: permits are often never cancelled when
  the holder leaves for good, so they say nothing about a return.
- ``permit (not on spine)``: a work permit valid on t whose holder was never placed on
  the spine (no crossing on that passport in the data: arrived before the data and
  never left). Permits are grouped into holders by passport pseudonym and nationality.
  These are counted as resident and present.
- ``expired permit (not on spine)``: the same holders after their last permit expired,
  if that permit was issued inside the data period (so they were here then) and
  expired inside it: a departure since would have put them on the spine, so they
  stayed without a permit (undocumented; the overstay tables estimate how many of them
  left unrecorded). Holders whose permits were all issued before the data began may
  have left before it (permits are rarely cancelled), so they are not counted...
- ``expired permit, in census (not on spine)``: ...unless the census found them
  (:mod:`migstats.link.holders`): then they were here on census night and, with no
  crossing in the data, throughout it. They are the observed part of a dual-system
  estimate of all such stayers (:mod:`migstats.stats.coverage`), which the stock and
  overstay tables add.

Columns: ``reference``, ``reference_date``, ``person_key``, ``evidence``, ``resident``
(true, false or null when unknown), ``present``, ``citizenship``, ``is_citizen``,
``sex``, ``date_of_birth``, ``age``, ``country_of_birth`` (census where linked, else
the country for citizens and the citizenship for foreigners, flagged
``birth_country_imputed``), ``atoll`` (work permit or census), ``residence_since``
(date of the long-term immigration that began the current residence, null when before
the data), ``visa_type`` (of the last arrival), ``occupation`` and ``industry`` (of a
work permit valid on t).
"""

from __future__ import annotations

from migstats.stats.cube import age_sql
from migstats.stats.frame import StatFrame
from migstats.stats.initial import residence_permits_sql

#: Person keys of work-permit holders off the spine start with this.
HOLDER_PREFIX = "WP:"


def holder_key_sql(table: str = "") -> str:
    """SQL for the person key of a work-permit holder off the spine (pseudonymised
    passport + nationality); every table that counts such holders uses it, so they agree.

    >>> holder_key_sql("w")
    "'WP:' || w.document_no || '|' || coalesce(w.nationality_iso3, 'UNK')"
    """
    t = f"{table}." if table else ""
    return f"'{HOLDER_PREFIX}' || {t}document_no || '|' || coalesce({t}nationality_iso3, 'UNK')"


#: Evidence of permit holders off the spine whose permits all predate the data and
#: expired, found by the census (the observed part of the dual-system estimate).
IN_CENSUS = "expired permit, in census (not on spine)"

__all__ = ["build_population_status"]


def _refs_sql(frame: StatFrame) -> str:
    rows = ", ".join(f"('{k}', date '{v.isoformat()}')" for k, v in frame.reference_dates.items())
    return f"(select * from (values {rows}) r(reference, reference_date))"


def build_population_status(frame: StatFrame, table: str = "population_status") -> int:
    """Create ``table`` in the frame's connection (see the module docstring).

    Needs the ``event`` view (run :func:`migstats.stats.initial.classify_spine` first).
    Returns its number of rows.
    """
    con = frame.con
    refs = _refs_sql(frame)
    # Spells: from each crossing to the next one (exclusive), and before the first.
    con.execute(
        """
        create or replace temp table spell as
        with ordered as (
            select *, lead(crossing_date) over w as next_date,
                   row_number() over w as nr
            from event window w as (partition by person_key order by crossing_date, seq)
        ),
        arrivals as (  -- long-term immigrations, to date the start of residence
            select person_key, crossing_date from event
            where direction = 'ARR' and is_long_term_migration
        )
        select person_key, crossing_date as start_date, next_date as end_date,
               case res_status_after when 'unknown' then null
                    else res_status_after = 'resident' end as resident,
               direction = 'ARR' as present, crossing_date as last_crossing
        from ordered
        union all
        select person_key, date '0001-01-01', crossing_date,
               case res_status_before when 'unknown' then null
                    else res_status_before = 'resident' end,
               direction = 'DEP', null::date
        from ordered where nr = 1
        """
    )
    permits = residence_permits_sql(frame)
    con.execute(
        f"""
        create or replace temp table permit_at as
        select r.reference, p.person_key, arg_max(p.occupation, p.valid_to) as occupation,
               arg_max(p.industry, p.valid_to) as industry, arg_max(p.atoll, p.valid_to) as atoll
        from ({permits}) p join {refs} r
          on r.reference_date between p.valid_from and p.valid_to
        where p.person_key is not null
        group by all
        """
    )
    census = (
        "select person_key, any_value(country_of_birth_iso3) as country_of_birth,"
        " any_value(atoll_code) as atoll from census where person_key is not null group by 1"
        if frame.has("census")
        else "select null::varchar as person_key, null::varchar as country_of_birth,"
        " null::varchar as atoll"
    )
    age = age_sql("p.date_of_birth", "r.reference_date")
    country = frame.country
    con.execute(
        f"""
        create or replace temp table border_status as
        select r.reference, r.reference_date, s.person_key,
               case when s.resident is null and s.present and pa.person_key is not null
                    then 'permit' else 'border' end as evidence,
               coalesce(s.resident, case when s.present and pa.person_key is not null
                                         then true end) as resident,
               s.present, s.last_crossing
        from spell s join {refs} r
          on s.start_date <= r.reference_date
         and (s.end_date is null or r.reference_date < s.end_date)
        left join permit_at pa on pa.person_key = s.person_key and pa.reference = r.reference
        where s.resident is distinct from false or s.present
        """
    )
    since = (
        "select b.reference, b.person_key, max(e.crossing_date) as residence_since"
        " from border_status b join event e on e.person_key = b.person_key"
        " and e.crossing_date <= b.reference_date and e.direction = 'ARR'"
        " and e.is_long_term_migration group by all"
    )
    visa = (
        "select b.reference, b.person_key, arg_max(c.visa_type, c.crossing_date) as visa_type"
        " from border_status b join crossing c on c.person_key = b.person_key"
        " and c.crossing_date <= b.reference_date and c.direction = 'ARR' group by all"
    )
    found = (
        "select permit_id from census_holder"
        if frame.has("census_holder")
        else "select null::varchar as permit_id where false"
    )
    unplaced = (
        f"""
        with holder as (
            select {holder_key_sql()} as person_key, *
            from work_permit where person_key is null and document_no is not null
        ),
        span as (
            select person_key, min(valid_from) as first_valid, max(valid_to) as last_valid,
                   max(valid_from) as last_issued,
                   bool_or(permit_id in ({found})) as in_census
            from holder group by 1
        )
        select r.reference, r.reference_date, h.person_key,
               case when bool_or(r.reference_date between h.valid_from and h.valid_to)
                    then 'permit (not on spine)'
                    when any_value(s.in_census)
                     and any_value(s.last_issued) < date '{frame.period_start.isoformat()}'
                    then '{IN_CENSUS}'
                    else 'expired permit (not on spine)' end
                 as evidence,
               true as resident, true as present,
               any_value(h.nationality_iso3) as citizenship,
               any_value(h.sex) as sex, any_value(h.date_of_birth) as date_of_birth,
               arg_max(h.work_atoll_code, h.valid_to) as atoll,
               arg_max(h.occupation_isco, h.valid_to) as occupation,
               arg_max(h.industry_isic, h.valid_to) as industry
        from holder h join span s using (person_key) join {refs} r
          on s.first_valid <= r.reference_date
         and (r.reference_date <= s.last_valid or s.in_census
              or s.last_issued >= date '{frame.period_start.isoformat()}')
        where h.valid_from <= r.reference_date
        group by all
        """
        if frame.has("work_permit")
        else None
    )
    con.execute(
        f"""
        create or replace table {table} as
        select b.reference, b.reference_date, b.person_key, b.evidence, b.resident, b.present,
               p.citizenship, p.citizenship = '{country}' as is_citizen, p.sex,
               p.date_of_birth, {age} as age,
               coalesce(c.country_of_birth,
                        case when p.citizenship = '{country}' then '{country}'
                             else p.citizenship end) as country_of_birth,
               c.country_of_birth is null as birth_country_imputed,
               coalesce(pa.atoll, c.atoll) as atoll, s.residence_since, v.visa_type,
               pa.occupation, pa.industry
        from border_status b
        join person p using (person_key)
        join {refs} r using (reference)
        left join ({census}) c using (person_key)
        left join permit_at pa on pa.person_key = b.person_key and pa.reference = b.reference
        left join ({since}) s on s.person_key = b.person_key and s.reference = b.reference
        left join ({visa}) v on v.person_key = b.person_key and v.reference = b.reference
        where p.date_of_birth is null or p.date_of_birth <= b.reference_date
        """
    )
    if unplaced:
        age_u = age_sql("u.date_of_birth", "u.reference_date")
        con.execute(
            f"""
            insert into {table}
            select u.reference, u.reference_date, u.person_key, u.evidence, u.resident,
                   u.present, u.citizenship, u.citizenship = '{country}', u.sex,
                   u.date_of_birth, {age_u}, u.citizenship, true, u.atoll, null, 'WORK',
                   u.occupation, u.industry
            from ({unplaced}) u
            """
        )
    return frame.count(f"select count(*) from {table}")
