"""Census foreigners found among work-permit holders who never crossed the border.

A work-permit holder whose passport never crossed during the data period arrived
before it. Once the last permit has expired, the border data cannot tell whether the
holder left before the data began (permits are rarely cancelled) or stayed on without
one: a departure during the period would have put the passport on the spine. The
census can: a census foreigner not linked to any spine person who is such a holder
was in the country on census night. Those holders are the observed part of a
dual-system estimate of the undocumented long-stayers (see
:mod:`migstats.stats.coverage`).

The link is deterministic and unique both ways (:func:`migstats.link.register.
unique_matches`): name skeleton (see :mod:`migstats.link.names`), sex and nationality,
with the date of birth; then, for census records giving only an age (most do), with
the holder's age on census night. Census records already linked to the spine and
holders already placed on it take no part.

A worker who renewed a passport is two holders (holders are passports) with the same
name, sex, nationality and date of birth. A census record matching several holders
that all share one date of birth, none of them matching another census record and
no spine person competing, is that worker: it is linked to the holder with the latest
permit, and the older passports are set aside (linking both would count the worker
twice). Holders with different dates of birth are namesakes: no link.

Writes ``integrated/census_holder.parquet``: ``record_id`` (census), ``holder``
(pseudonymised passport + nationality, as in :func:`migstats.link.travellers.
traveller_id_sql`), ``permit_id`` (one row per permit of the holder) and ``link_rule``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from migstats.link.names import joined_name, name_skeleton, normalised_name
from migstats.link.register import unique_matches
from migstats.link.travellers import traveller_id_sql
from migstats.sources.read import connect
from migstats.stats.cube import age_sql

log = logging.getLogger("migstats.link")

__all__ = ["HolderLink", "link_census_holders"]

#: Ids of spine persons among the candidates (they compete, and are never linked here).
SPINE_PREFIX = "spine:"

#: The passes, in order: ``link_rule`` and the keys both sides must agree on.
RULES = {
    "name+birth+sex+nationality": ("skeleton", "date_of_birth", "sex", "nationality"),
    "name+age+sex+nationality": ("skeleton", "age", "sex", "nationality"),
}


@dataclass(frozen=True)
class HolderLink:
    """How many unlinked census foreigners were found among unplaced permit holders.

    ``precision`` (against a synthetic truth): the share of links whose census record
    and permit holder are the same person.
    """

    census_unlinked: int
    #: Holders off the spine whose permits all predate the data and expired.
    holders_unplaced: int
    linked: int
    output_file: Path
    precision: float | None = None


def link_census_holders(
    workspace: Path,
    country: str,
    census_night: dt.date,
    period_start: dt.date,
    truth_dir: Path | None = None,
) -> HolderLink | None:
    """Link census foreigners off the spine to work-permit holders off the spine.

    Only holders whose permits were all issued before ``period_start`` and had all
    expired by ``census_night`` take part: they are the ones the border data cannot
    place (the others are counted from their permits), and keeping the rest out keeps
    their namesakes from taking the links.

    Returns None when the workspace has no census, no work permits or no census links
    yet (run the census link first).
    """
    harmonised, integrated = workspace / "harmonised", workspace / "integrated"
    census = harmonised / "census_2022.parquet"
    census_links = integrated / "census_person.parquet"
    permits = harmonised / "work_permits.parquet"
    permit_links = integrated / "work_permits_person.parquet"
    if not all(p.is_file() for p in (census, census_links, permits, permit_links)):
        return None
    target = integrated / "census_holder.parquet"
    con = connect()
    try:
        con.execute(
            f"""
            create temp table census_key as
            select c.record_id as id, {name_skeleton(normalised_name("c.full_name"))}
                     as skeleton, c.date_of_birth, c.age, c.sex,
                   c.citizenship_iso3 as nationality
            from read_parquet('{census}') c
            left join read_parquet('{census_links}') l using (record_id)
            where l.person_key is null and c.citizenship_iso3 <> '{country}'
            """
        )
        con.execute(
            f"""
            create temp table holder_permit as
            select {traveller_id_sql("p.document_no", "p.nationality_iso3")} as holder,
                   p.permit_id, p.worker_name, p.date_of_birth, p.sex, p.nationality_iso3,
                   p.valid_to
            from read_parquet('{permits}') p
            join read_parquet('{permit_links}') l using (permit_id)
            where l.person_key is null and p.document_no is not null
            qualify max(p.valid_from) over (partition by holder) < date '{period_start}'
                and max(p.valid_to) over (partition by holder) < date '{census_night}'
            """
        )
        # Every spelling a holder's permits were issued under is a key.
        con.execute(
            f"""
            create temp table holder_key as
            select distinct holder as id,
                   {name_skeleton(normalised_name("worker_name"))} as skeleton,
                   date_of_birth, {age_sql("date_of_birth", f"date '{census_night}'")} as age,
                   sex, nationality_iso3 as nationality
            from holder_permit where date_of_birth is not null
            """
        )
        _spine_namesakes(con, workspace, country, census_night)
        # Spine persons compete for each census record: one the census link missed must
        # not hand its census record to a namesake holder (unique among both).
        con.execute(
            "create temp table candidate as select * from holder_key"
            " union all select * from spine_key"
        )
        con.execute("create temp table pair (record_id varchar, holder varchar, link_rule varchar)")
        # Holders linked, or set aside as the older passports of a linked worker.
        con.execute("create temp table taken (holder varchar)")
        for rule, keys in RULES.items():
            census_left = "(select * from census_key where id not in (select record_id from pair))"
            right_left = "(select * from candidate where id not in (select holder from taken))"
            matches = unique_matches(census_left, right_left, keys, several_right=True)
            con.execute(
                f"create or replace temp table rule_pair as {_one_worker_sql(matches)};"
                f" insert into pair select record_id, holder, '{rule}' from rule_pair where kept;"
                " insert into taken select holder from rule_pair"
            )
        con.execute(f"delete from pair where starts_with(holder, '{SPINE_PREFIX}')")
        con.execute(
            """
            create temp table linked as
            select p.record_id, p.holder, h.permit_id, p.link_rule
            from pair p join holder_permit h using (holder)
            order by 1, 3
            """
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        con.execute(f"copy linked to '{tmp}' (format parquet)")
        tmp.replace(target)
        counts = con.sql(
            "select (select count(*) from census_key),"
            " (select count(distinct holder) from holder_permit),"
            " (select count(distinct record_id) from linked)"
        ).fetchall()[0]
        link = HolderLink(int(counts[0]), int(counts[1]), int(counts[2]), target)
        if truth_dir is not None:
            link = _scored(con, link, truth_dir)
    finally:
        con.close()
    log.info(
        "census: %d of %d foreigners off the spine found among %d unplaced permit holders",
        link.linked,
        link.census_unlinked,
        link.holders_unplaced,
    )
    return link


def _one_worker_sql(matches: str) -> str:
    """SQL for the ``matches`` (left_id, right_id) that are one worker per census record:
    ``record_id``, ``holder``, ``kept`` (the holder with the latest permit). A record
    with several candidates that include a spine person or disagree on the date of
    birth is left out (namesakes)."""
    return f"""
        with birth as (
            select id, max(date_of_birth) as date_of_birth from candidate group by 1
        ),
        last_permit as (select holder, max(valid_to) as last_valid from holder_permit group by 1),
        judged as (
            select m.left_id as record_id, m.right_id as holder,
                   count(*) over w as candidates,
                   bool_or(starts_with(m.right_id, '{SPINE_PREFIX}')) over w as spine,
                   count(b.date_of_birth) over w = count(*) over w
                     and min(b.date_of_birth) over w = max(b.date_of_birth) over w
                     as one_birth,
                   row_number() over (w order by l.last_valid desc nulls last, m.right_id) = 1
                     as kept
            from ({matches}) m
            left join birth b on b.id = m.right_id
            left join last_permit l on l.holder = m.right_id
            window w as (partition by m.left_id)
        )
        select record_id, holder, kept from judged
        where candidates = 1 or (one_birth and not spine)
    """


def _spine_namesakes(
    con: duckdb.DuckDBPyConnection, workspace: Path, country: str, census_night: dt.date
) -> None:
    """``spine_key``: the keys of foreign spine persons who share sex, nationality and
    birth date or age with an unlinked census record (skeletons only for those)."""
    border = workspace / "harmonised" / "border_crossings.parquet"
    crossing = workspace / "integrated" / "crossing.parquet"
    if not (border.is_file() and crossing.is_file()):
        con.execute("create temp table spine_key as select * from holder_key where false")
        return
    age = age_sql("b.date_of_birth", f"date '{census_night}'")
    con.execute(
        f"""
        create temp table spine_key as
        with birth_year as (
            select distinct sex, nationality, year(date_of_birth) as y from census_key
            where date_of_birth is not null
            union
            select distinct sex, nationality, {census_night.year} - age - d from census_key,
                   (values (0), (1)) v(d) where age is not null
        ),
        -- A cheap filter on the birth year first: the exact age is costly on every record.
        record as (
            select record_id, given_names, surname, date_of_birth, {age} as age, sex,
                   nationality
            from (
                select b.*, b.nationality_iso3 as nationality
                from read_parquet('{border}') b semi join birth_year y
                  on y.sex = b.sex and y.nationality = b.nationality_iso3
                 and y.y = year(b.date_of_birth)
                where b.nationality_iso3 <> '{country}'
            ) b
        ),
        -- Names only for the few records near an unlinked census record.
        near as (
            select * from record r semi join census_key k
              on k.sex = r.sex and k.nationality = r.nationality
             and k.date_of_birth = r.date_of_birth
            union all
            select * from record r semi join census_key k
              on k.sex = r.sex and k.nationality = r.nationality and k.age = r.age
        ),
        spelling as (
            select distinct c.person_key, {joined_name("n.given_names", "n.surname")} as name,
                   n.date_of_birth, n.age, n.sex, n.nationality
            from near n join read_parquet('{crossing}') c using (record_id)
        )
        select '{SPINE_PREFIX}' || person_key as id, {name_skeleton("name")} as skeleton,
               date_of_birth, age, sex, nationality
        from spelling
        """
    )


def _scored(con: duckdb.DuckDBPyConnection, link: HolderLink, truth_dir: Path) -> HolderLink:
    """Precision against the truth: census record and permit are the same person."""
    record = truth_dir / "record.parquet"
    row = con.sql(
        f"""
        with truth as (select record_id, source::varchar as source, person_id
                       from read_parquet('{record}')),
        pair as (
            select distinct l.record_id, l.holder,
                   bool_and(c.person_id = w.person_id) as correct
            from linked l
            join truth c on c.source = 'census_2022' and c.record_id = l.record_id
            join truth w on w.source = 'work_permits' and w.record_id = l.permit_id
            group by 1, 2
        )
        select count(*), count(*) filter (where correct) from pair
        """
    ).fetchall()[0]
    pairs, correct = int(row[0]), int(row[1])
    precision = correct / pairs if pairs else None
    return HolderLink(
        link.census_unlinked, link.holders_unplaced, link.linked, link.output_file, precision
    )
