"""The residence rule on the person spine, with initial statuses from other sources.

The rule derives a person's status before their first crossing from that crossing only
when it comes at least T days into the data; earlier, it is unknown, and a first
crossing that is a departure by a visitor whose arrival record was missed would make
the visitor "resident" before it. Other sources know better (DOMAIN.md section 3,
"initial status"), so this stage gives the rule an ``initial_status`` per person:

1. ``resident`` for citizens of the country (the population register holds them;
   citizens living abroad show up as long-term departures before the period or as
   non-residents through the rule once they cross).
2. ``resident`` for foreigners holding a work permit or a residence-type visa (work,
   family, marriage, study) valid on their first crossing, whose first permit began at
   least T days before it (permits are renewed every year or two, so the chain of
   permits counts, not the current one): they were living here.
3. ``non_resident`` for foreigners whose first crossing was made on a visitor visa
   (tourist or business): visitors are not residents, whatever the first recorded
   crossing's direction.
4. ``non_resident`` for foreigners whose first crossing is an arrival on a residence-type
   visa with no permit older than T days: a first entry to take up a permit.
5. Otherwise nothing is given and the rule derives it (or leaves it unknown).

Writes ``integrated/residence_event.parquet`` (the rule's output per spine crossing,
``person_id`` being the ``person_key``, with the crossing's ``record_id``) and returns
the classification's metadata.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from migstats.residence import run_classification, write_classified
from migstats.stats.frame import StatFrame

__all__ = [
    "VISITOR_VISAS",
    "classify_spine",
    "initial_status_table",
    "initial_statuses_sql",
    "residence_permits_sql",
    "spine_crossings",
]

#: Border visa types of visitors (non-residents by definition of the visa).
VISITOR_VISAS: Final = ("TOURIST", "BUSINESS")
#: Border visa types of people who come to live here.
RESIDENCE_VISAS: Final = ("WORK", "RESIDENT", "DEPENDENT", "STUDENT")
#: Visa and permit purposes that mean the holder lives in the country.
RESIDENCE_PURPOSES: Final = ("work", "family", "study", "residence")


def residence_permits_sql(frame: StatFrame) -> str:
    """SQL for every work permit and residence-type visa, one row each: ``person_key``
    (null when not on the spine), ``valid_from``, ``valid_to``, ``occupation``,
    ``industry``, ``atoll`` (work permits only) and ``purpose``."""
    parts = []
    if frame.has("work_permit"):
        parts.append(
            "select person_key, valid_from, valid_to, occupation_isco as occupation,"
            " industry_isic as industry, work_atoll_code as atoll, 'work' as purpose"
            " from work_permit"
        )
    if frame.has("visa"):
        purposes = ", ".join(f"'{p}'" for p in RESIDENCE_PURPOSES)
        parts.append(
            "select person_key, valid_from, valid_to, null, null, null, purpose from visa"
            f" where purpose in ({purposes})"
        )
    return " union all ".join(parts) or (
        "select null::varchar as person_key, null::date as valid_from, null::date as"
        " valid_to, null::varchar as occupation, null::varchar as industry,"
        " null::varchar as atoll, null::varchar as purpose"
    )


def initial_statuses_sql(frame: StatFrame, since: dt.date | None = None) -> str:
    """SQL for one row per spine person: ``person_key``, ``initial_status``, ``source``.

    ``since``: as if the data began on that day (first crossings counted from it), for
    replays of the rule on a shorter period.
    """
    t = frame.rule.threshold_days
    window = f"where crossing_date >= date '{since.isoformat()}'" if since else ""
    permit_sql = (
        "select person_key, valid_from, valid_to"
        f" from ({residence_permits_sql(frame)}) where person_key is not null"
    )
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    residence = ", ".join(f"'{v}'" for v in RESIDENCE_VISAS)
    return f"""
        with first_record as materialized (
            -- One pass over the crossings: each person's first (day, visa, direction).
            select person_key,
                   arg_min({{'day': crossing_date, 'visa_type': visa_type,
                            'direction': direction}}, (crossing_date, record_id)) as head
            from crossing {window} group by person_key
        ),
        first_crossing as (
            select person_key, head.day as day, head.visa_type as visa_type,
                   head.direction as direction
            from first_record
        ),
        permits as ({permit_sql}),
        settled as (
            select f.person_key from first_crossing f join permits p using (person_key)
            group by f.person_key, f.day
            having min(p.valid_from) <= f.day - interval {t} day
               and bool_or(f.day between p.valid_from and p.valid_to + interval 30 day)
        )
        select p.person_key,
               case when p.citizenship = '{frame.country}' then 'resident'
                    when s.person_key is not null then 'resident'
                    when f.visa_type in ({visitors}) then 'non_resident'
                    when f.direction = 'ARR' and f.visa_type in ({residence})
                      then 'non_resident' end
                 as initial_status,
               case when p.citizenship = '{frame.country}' then 'register (citizen)'
                    when s.person_key is not null then 'residence permit'
                    when f.visa_type in ({visitors}) then 'visitor visa'
                    when f.direction = 'ARR' and f.visa_type in ({residence})
                      then 'first entry on a permit'
                    else 'none' end as source
        from person p left join first_crossing f using (person_key)
        left join settled s using (person_key)
    """


#: The temporary table of :func:`initial_status_table`.
INITIAL_STATUS_TABLE = "spine_initial_status"


def initial_status_table(frame: StatFrame) -> str:
    """:func:`initial_statuses_sql` over the whole period, worked out once per frame
    (the spine's classification, the mobility and the provisional replays all use it);
    returns the name of the temporary table holding it."""
    frame.con.execute(
        f"create temp table if not exists {INITIAL_STATUS_TABLE} as {initial_statuses_sql(frame)}"
    )
    return INITIAL_STATUS_TABLE


def spine_crossings(frame: StatFrame, initial: str, where: str = "true") -> pa.Table:
    """The spine's crossings (alias ``c``) matching ``where``, as the residence rule
    takes them: ``person_id`` (the person key), ``crossing_date``, ``direction``, the
    ``initial_status`` from relation ``initial`` and ``record_id``.

    Ordered by person, date and record id: the rule keeps the input order of same-day
    crossings, so every run of it (the spine's, the replays) orders them alike. The
    record id rides along (the rule keeps input columns), so tables join the results
    to their crossings by it.
    """
    return frame.con.sql(
        "select c.person_key as person_id, c.crossing_date, c.direction, i.initial_status,"
        f" c.record_id from crossing c left join {initial} i using (person_key)"
        f" where {where} order by c.person_key, c.crossing_date, c.record_id"
    ).to_arrow_table()


def classify_spine(frame: StatFrame, out: Path | None = None) -> dict[str, Any]:
    """Run the residence rule on every spine crossing with the initial statuses above."""
    # A fresh run of the rule: statuses from the data as they are now.
    frame.con.execute(f"drop table if exists {INITIAL_STATUS_TABLE}")
    initial = initial_status_table(frame)
    crossings = spine_crossings(frame, initial)
    result = run_classification(crossings, frame.rule, frame.period_start, frame.period_end)
    target = out or frame.workspace / "integrated" / "residence_event.parquet"
    write_classified(result.table, target)
    sources = frame.con.sql(
        f"select source, count(*) from {initial} group by 1 order by 1"
    ).fetchall()
    return {**result.metadata, "initial_status_evidence": {s: int(n) for s, n in sources}}
