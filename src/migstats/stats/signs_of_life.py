"""Emigration of citizens from signs of life in the sources (table 6.1).

Register-based statistics offices presume that a registered person who shows no sign
of life in any source for a long time has left (DOMAIN.md section 4). Here the
register's citizens are linked to the spine (their border crossings) and to the census
(:mod:`migstats.link.register`), and at each reference date t a living registered
citizen is a **presumed emigrant** when:

- their last sign of life up to t (a border crossing of any spine person linked to
  them, or their census enumeration) is a departure,
- made at least :data:`SIGNS_OF_LIFE_MONTHS` months before t, with no return and no
  other sign of life since. The emigration is dated to that departure.

A citizen with no sign of life at all is *not* presumed to have left: most citizens
never travel, and the border data only see travellers, so absence of records is not
evidence of absence; the register presumes them resident. They are counted apart
(``NO_ACTIVITY_IN_ANY_SOURCE``: alive and born on census night, yet never crossing in
the data and not enumerated in the census: emigrants from before the data, or people
the census missed).

The residence rule gives its own answer: ``EMIGRANTS_BY_RULE`` counts linked citizens
whose status on t is non-resident (the status after their last crossing on or before t,
or before their first). The rule reads the 16 months after a departure, signs of
life only the past, so the rule also catches those who left less than a year before t
and stay away, while signs of life can catch citizens whose status the rule leaves
unknown. ``BOTH`` counts citizens flagged by both.

Measures (``MEASURE``): ``REGISTERED_LIVING`` (register citizens born and alive on
t), ``PRESUMED_EMIGRANTS_SIGNS_OF_LIFE``, ``EMIGRANTS_BY_RULE``, ``BOTH``,
``NO_ACTIVITY_IN_ANY_SOURCE`` (only with a census link); by ``REF_DATE``, ``SEX`` and
five-year ``AGE`` (from the register).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

from migstats.link.register import (
    link_register,
    register_truth,
    score_census_links,
    score_spine_links,
)
from migstats.stats.cube import ObservationTable, age_group_sql, age_sql, cube, table_from
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame

__all__ = ["SIGNS_OF_LIFE_MONTHS", "build", "build_signs_of_life", "evaluate"]

log = logging.getLogger("migstats.stats")

#: Months without a sign of life after a departure before a citizen is presumed gone.
SIGNS_OF_LIFE_MONTHS: Final = 12
#: The person-level table :func:`build_signs_of_life` creates.
STATUS_TABLE: Final = "signs_of_life_status"


def _refs_sql(frame: StatFrame) -> str:
    rows = ", ".join(f"('{k}', date '{v.isoformat()}')" for k, v in frame.reference_dates.items())
    return f"(select * from (values {rows}) r(reference, reference_date))"


def _link_files(frame: StatFrame, links_dir: Path | None) -> tuple[Path, Path | None]:
    """The register link files, (re)linking when missing or older than the spine."""
    folder = links_dir or frame.workspace / "integrated"
    spine = folder / "register_person.parquet"
    census = folder / "register_census.parquet"
    person = frame.workspace / "integrated" / "person.parquet"
    stale = person.is_file() and spine.is_file() and spine.stat().st_mtime < person.stat().st_mtime
    if not spine.is_file() or stale:
        link = link_register(frame.workspace, frame.country, out_dir=folder)
        census = link.census_file or census
    return spine, census if census.is_file() else None


def build_signs_of_life(frame: StatFrame, links_dir: Path | None = None) -> dict[str, Any]:
    """Create :data:`STATUS_TABLE`: one row per living register citizen and reference.

    Columns: ``reference``, ``reference_date``, ``national_id``, ``sex``, ``age``,
    ``presumed_emigrant``, ``emigration_date`` (the last departure, when presumed),
    ``rule_emigrant``, ``no_activity``. ``links_dir`` holds the register link files
    (default ``<workspace>/integrated``; linked there when missing). Returns notes for
    the metadata.
    """
    con = frame.con
    spine, census = _link_files(frame, links_dir)
    if census is not None:  # for the evaluation
        con.execute(f"create or replace view register_census as select * from '{census}'")
    census_activity = (
        f"union all select national_id, date '{frame.census_night.isoformat()}', 'CENSUS',"
        f" -1 from read_parquet('{census}')"
        if census is not None and frame.census_night is not None
        else ""
    )
    con.execute(
        f"create or replace temp table register_spine as select national_id, person_key"
        f" from read_parquet('{spine}') where person_key is not null"
    )
    # Signs of life: every crossing of a linked spine person, and census enumeration.
    con.execute(
        f"""
        create or replace temp table citizen_activity as
        select s.national_id, e.crossing_date as day, e.direction as kind, e.seq
        from register_spine s join event e using (person_key)
        {census_activity}
        """
    )
    months = SIGNS_OF_LIFE_MONTHS
    # Only people alive and born on census night could have been enumerated.
    enumerable = (
        f"(c.date_of_birth <= date '{frame.census_night.isoformat()}' and"
        f" (c.date_of_death is null or c.date_of_death > date '{frame.census_night.isoformat()}'))"
        if census_activity and frame.census_night is not None
        else "false"
    )
    con.execute(
        f"""
        create or replace temp table {STATUS_TABLE} as
        with living as (
            select r.reference, r.reference_date, c.national_id, c.sex,
                   {age_sql("c.date_of_birth", "r.reference_date")} as age,
                   coalesce({enumerable}, false) as enumerable
            from register c join {_refs_sql(frame)} r
              on (c.date_of_death is null or c.date_of_death > r.reference_date)
             and (c.date_of_birth is null or c.date_of_birth <= r.reference_date)
        ),
        last_sign as (
            select l.reference, l.national_id, arg_max(a.kind, (a.day, a.seq)) as kind,
                   max(a.day) as day
            from living l join citizen_activity a
              on a.national_id = l.national_id and a.day <= l.reference_date
            group by all
        ),
        rule_after as (  -- status after the last crossing on or before the date
            select l.reference, l.national_id,
                   arg_max(e.res_status_after, (e.crossing_date, e.seq)) as status
            from living l join register_spine s using (national_id)
            join event e on e.person_key = s.person_key and e.crossing_date <= l.reference_date
            group by all
        ),
        rule_before as (  -- status before the first crossing
            select s.national_id, arg_min(e.res_status_before, (e.crossing_date, e.seq))
                     as status
            from register_spine s join event e using (person_key) group by all
        ),
        ever_active as (select distinct national_id from citizen_activity)
        select l.* exclude (enumerable),
               coalesce(ls.kind = 'DEP'
                        and ls.day <= l.reference_date - interval {months} month, false)
                 as presumed_emigrant,
               case when ls.kind = 'DEP'
                         and ls.day <= l.reference_date - interval {months} month
                    then ls.day end as emigration_date,
               coalesce(coalesce(ra.status, rb.status) = 'non_resident', false)
                 as rule_emigrant,
               l.enumerable and ea.national_id is null as no_activity
        from living l
        left join last_sign ls using (reference, national_id)
        left join rule_after ra using (reference, national_id)
        left join rule_before rb using (national_id)
        left join ever_active ea using (national_id)
        """
    )
    linked = frame.count("select count(distinct national_id) from register_spine")
    return {
        # File names, not paths: metadata is published.
        "register_links": spine.name,
        "census_links": census.name if census else None,
        "citizens_linked_to_spine": linked,
    }


def build(frame: StatFrame) -> list[ObservationTable]:
    """Table 6.1 (see the module docstring); none without the register or the rule."""
    if not frame.has("register") or not frame.has("event"):
        return []
    notes = build_signs_of_life(frame)
    return [_table(frame, notes)]


def _table(frame: StatFrame, notes: dict[str, Any]) -> ObservationTable:
    with_census = notes.get("census_links") is not None
    no_activity = (
        "union all select reference, 'NO_ACTIVITY_IN_ANY_SOURCE', sex, age, national_id"
        f" from {STATUS_TABLE} where no_activity"
        if with_census
        else ""
    )
    relation = f"""(
        select reference, 'REGISTERED_LIVING' as measure, sex, age, national_id
        from {STATUS_TABLE}
        union all
        select reference, 'PRESUMED_EMIGRANTS_SIGNS_OF_LIFE', sex, age, national_id
        from {STATUS_TABLE}
        where presumed_emigrant
        union all
        select reference, 'EMIGRANTS_BY_RULE', sex, age, national_id from {STATUS_TABLE}
        where rule_emigrant
        union all
        select reference, 'BOTH', sex, age, national_id from {STATUS_TABLE}
        where presumed_emigrant and rule_emigrant
        {no_activity}
    )"""
    dims = {
        "REF_DATE": "reference",
        "MEASURE": "measure",
        "SEX": "sex",
        "AGE": age_group_sql("age"),
    }
    data = cube(
        frame.con,
        relation,
        dims,
        [(), ("SEX",), ("AGE",), ("SEX", "AGE")],
        always=("REF_DATE", "MEASURE"),
        cell_key="national_id",
    )
    metadata: dict[str, Any] = {
        "definition": (
            "registered living citizens whose last sign of life up to the reference date"
            f" is a departure at least {SIGNS_OF_LIFE_MONTHS} months earlier, with no"
            " return: presumed emigrants, dated to that departure; against the residence"
            " rule's status on the date"
        ),
        "signs_of_life": (
            "border crossings of the spine persons linked to the register record"
            + (", census enumeration (census night)" if with_census else "")
        ),
        "measures": {
            "REGISTERED_LIVING": "register citizens born and alive on the date",
            "PRESUMED_EMIGRANTS_SIGNS_OF_LIFE": "presumed emigrants by signs of life",
            "EMIGRANTS_BY_RULE": "linked citizens non-resident on the date by the rule",
            "BOTH": "citizens counted by both measures",
            **(
                {
                    "NO_ACTIVITY_IN_ANY_SOURCE": (
                        "alive and born on census night, never crossing in the data and not"
                        " enumerated in the census; not presumed emigrants (no evidence of"
                        " leaving)"
                    )
                }
                if with_census
                else {}
            ),
        },
        "no_activity": (
            "citizens with no sign of life at all are presumed resident: most citizens"
            " never travel, so a missing border record is no evidence of leaving"
        ),
        "census": (
            "census persons linked to the register by name, date of birth and sex"
            if with_census
            else "census not used (no register-to-census link)"
        ),
        "residence_rule": {
            "window_days": frame.rule.window_days,
            "threshold_days": frame.rule.threshold_days,
        },
        "reference_dates": {k: v.isoformat() for k, v in frame.reference_dates.items()},
        "age": "age in completed years on the reference date, from the register",
        **notes,
    }
    return table_from(
        "6.1",
        "Citizens presumed emigrated by signs of life, against the residence rule",
        data,
        list(dims),
        metadata=metadata,
    )


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Presumed emigrants and the rule's emigrants against the citizens truly not resident.

    The truth: citizens born and alive on t with no ``truth_status`` row resident on
    t. Person-level checks (how many of those flagged are truly non-resident) and the
    register link's precision and recall need the truth's register records, matched by
    position (:func:`migstats.link.register.register_truth`).
    """
    table = tables.get("6.1")
    if table is None or not frame.has("truth_status"):
        return []
    checks = []
    truth = dict(
        frame.con.sql(
            f"""
            select r.reference, count(*) from truth_person p join {_refs_sql(frame)} r
              on (p.date_of_death is null or p.date_of_death > r.reference_date)
             and p.date_of_birth <= r.reference_date
            where p.citizenship = '{frame.country}' and not exists (
                select 1 from truth_status s where s.person_id = p.person_id
                and s.reference = r.reference and s.resident)
            group by 1
            """
        ).fetchall()
    )
    for reference in frame.reference_dates:
        true_count = float(truth.get(reference, 0))
        for measure in ("PRESUMED_EMIGRANTS_SIGNS_OF_LIFE", "EMIGRANTS_BY_RULE"):
            estimate = table.value(REF_DATE=reference, MEASURE=measure) or 0.0
            checks.append(
                Check(
                    "6.1",
                    f"{measure.lower()} vs citizens not resident, {reference}",
                    estimate,
                    true_count,
                )
            )
    checks.extend(_person_checks(frame, table))
    return checks


def _person_checks(frame: StatFrame, table: ObservationTable) -> list[Check]:
    """Flagged citizens truly not resident, and the register link's quality."""
    if not frame.has("truth_record") or not frame.has("register"):
        return []
    truth_record = frame.con.sql("select source, record_id, person_id from truth_record")
    if register_truth(frame.con, truth_record.to_arrow_table(), "register") is None:
        return []
    checks = []
    rows = frame.con.sql(
        f"""
        select f.reference, count(*) filter (where f.presumed_emigrant),
               count(*) filter (where f.presumed_emigrant and s.person_id is null),
               count(*) filter (where f.rule_emigrant),
               count(*) filter (where f.rule_emigrant and s.person_id is null)
        from {STATUS_TABLE} f join register_truth r using (national_id)
        left join truth_status s
          on s.person_id = r.person_id and s.reference = f.reference and s.resident
        group by 1 order by 1
        """
    ).fetchall()
    for reference, flagged, right, by_rule, rule_right in rows:
        checks.append(
            Check(
                "6.1",
                f"presumed emigrants (signs of life) truly not resident, {reference}",
                float(flagged),
                float(right),
            )
        )
        checks.append(
            Check(
                "6.1",
                f"emigrants by rule truly not resident, {reference}",
                float(by_rule),
                float(rule_right),
            )
        )
    spine = frame.con.sql("select count(*) from register_spine").fetchall()
    if spine[0][0]:
        precision, recall = score_spine_links(
            frame.con, "register_spine", "crossing", "truth_record"
        )
        for what, value in (("precision", precision), ("recall", recall)):
            if value is not None:
                checks.append(Check("6.1", f"register-to-spine link {what}", value, 1.0))
    census = table.metadata.get("census_links")
    if census:
        census = "register_census"
        precision, recall = score_census_links(frame.con, census, "truth_record")
        for what, value in (("precision", precision), ("recall", recall)):
            if value is not None:
                checks.append(Check("6.1", f"register-to-census link {what}", value, 1.0))
    return checks
