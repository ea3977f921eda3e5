"""Citizens on the national register linked to the person spine and to the census.

The register (one record per citizen: national ID, full name, sex, date of birth) and
the border records share no identifier: a citizen travels on a passport whose number
the register does not hold. Links are made deterministically, on keys every source
has, in passes from strict to looser; a pass accepts a pair only when it is unique
both ways (the register record has exactly one candidate and the candidate exactly one
register record), so namesakes born on the same day are left unlinked rather than
guessed:

A citizen may have been left as several spine persons (the border linkage did not
merge their passports): each fragment that has only this register record as a
candidate is linked to it, so a register record may have several spine persons.

1. ``name+dob+sex``: the normalised full name (:func:`migstats.link.names.normalised_name`,
   given names first), date of birth and sex;
2. ``skeleton+dob+sex``: the name's transliteration skeleton
   (:func:`migstats.link.names.name_skeleton`: vowels, ``H`` and doubled letters
   dropped, words sorted), date of birth and sex, among records the first pass left.

On the border side every spelling a spine person travelled under counts (each border
record's name, with the record's and the person's date of birth and sex), and only
spine persons who are citizens take part. On the census side, census persons who are
citizens take part with their one record.

Outputs (in ``integrated/``): ``register_person.parquet`` (``national_id``,
``person_key``, ``link_rule``; one row per register record, ``person_key`` null when
unlinked) and ``register_census.parquet`` (``national_id``, ``record_id`` of the census
person, ``link_rule``). With a synthetic country's truth, precision is the share of
links given to the true person (a spine person stands for the true person most of its
border records belong to) and recall the share of register records whose true person
is reachable (a citizen spine person, a census citizen) that were linked to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from migstats.errors import UserInputError
from migstats.link.names import joined_name, name_skeleton, normalised_name
from migstats.sources.read import connect

__all__ = [
    "LINK_RULES",
    "RegisterLink",
    "link_register",
    "register_truth",
    "score_census_links",
    "score_spine_links",
    "unique_matches",
]

log = logging.getLogger("migstats.link")

#: The passes, in order, and the keys each compares.
LINK_RULES: Final = {
    "name+dob+sex": ("name", "date_of_birth", "sex"),
    "skeleton+dob+sex": ("skeleton", "date_of_birth", "sex"),
}


@dataclass(frozen=True)
class RegisterLink:
    """Outcome of the register linkage; precision and recall only against a truth."""

    registered: int
    linked_to_spine: int
    linked_to_census: int
    spine_by_rule: dict[str, int]
    census_by_rule: dict[str, int]
    spine_file: Path
    census_file: Path | None
    spine_precision: float | None = None
    spine_recall: float | None = None
    census_precision: float | None = None
    census_recall: float | None = None


def unique_matches(
    left: str, right: str, keys: tuple[str, ...], *, several_right: bool = False
) -> str:
    """SQL for the pairs (``left_id``, ``right_id``) agreeing on ``keys``, unique both ways.

    ``left`` and ``right`` are relations with an ``id`` column and the keys (a record
    may appear on several rows, one per spelling). Null keys never match. With
    ``several_right`` a left record may take several right records, as long as each of
    them has no other candidate (fragments of one person on the right).

    >>> con = duckdb.connect()
    >>> _ = con.execute("create table l as select * from (values ('a', 'X'), ('b', 'Y'),"
    ...                 " ('c', 'Y')) v(id, name)")
    >>> _ = con.execute("create table r as select * from (values (1, 'X'), (2, 'Y'),"
    ...                 " (3, 'X')) v(id, name)")
    >>> con.sql(unique_matches("l", "r", ("name",))).fetchall()  # X twice, Y twice
    []
    >>> _ = con.execute("delete from r where id = 3")
    >>> con.sql(unique_matches("l", "r", ("name",))).fetchall()
    [('a', 1)]
    >>> _ = con.execute("insert into r values (3, 'X')")
    >>> con.sql(unique_matches("l", "r", ("name",), several_right=True)).fetchall()
    [('a', 1), ('a', 3)]
    """
    on = " and ".join(f"l.{k} = r.{k}" for k in keys)
    left_unique = "" if several_right else "count(*) over (partition by left_id) = 1 and "
    return f"""
        with pair as (
            select distinct l.id as left_id, r.id as right_id
            from {left} l join {right} r on {on}
        )
        select left_id, right_id from pair
        qualify {left_unique}count(*) over (partition by right_id) = 1
        order by left_id, right_id
    """


def _link_passes(
    con: duckdb.DuckDBPyConnection, left: str, right: str, out: str, *, several_right: bool
) -> dict[str, int]:
    """Run :data:`LINK_RULES` in order into table ``out`` (left_id, right_id, link_rule)."""
    con.execute(
        f"create or replace temp table {out} (left_id varchar, right_id varchar, link_rule varchar)"
    )
    counts = {}
    for rule, keys in LINK_RULES.items():
        remaining_left = f"(select * from {left} where id not in (select left_id from {out}))"
        remaining_right = f"(select * from {right} where id not in (select right_id from {out}))"
        con.execute(
            f"insert into {out} select left_id, right_id::varchar, '{rule}'"
            f" from ({unique_matches(remaining_left, remaining_right, keys, several_right=several_right)})"  # noqa: E501
        )
        counts[rule] = int(
            con.sql(f"select count(*) from {out} where link_rule = '{rule}'").fetchall()[0][0]
        )
    return counts


def _write(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    con.execute(f"copy ({sql}) to '{tmp}' (format parquet)")
    tmp.replace(target)


def link_register(
    workspace: Path,
    country: str,
    *,
    out_dir: Path | None = None,
    truth_dir: Path | None = None,
) -> RegisterLink:
    """Link the register's citizens to the spine and the census (module docstring).

    ``country`` is the ISO alpha-3 code of the citizens (spine ``citizenship``);
    ``out_dir`` defaults to ``<workspace>/integrated``. With ``truth_dir`` the links
    are scored.
    """
    harmonised, integrated = workspace / "harmonised", workspace / "integrated"
    register_file = harmonised / "national_register.parquet"
    for needed in (register_file, integrated / "person.parquet"):
        if not needed.is_file():
            raise UserInputError(
                "Cannot link the register",
                f"{needed} does not exist",
                "run `migstats harmonise` and `migstats link` first",
            )
    target = out_dir or integrated
    con = connect()
    try:
        con.execute(
            "create temp table register_key as select national_id as id,"
            f" {normalised_name('full_name')} as name,"
            f" {name_skeleton(normalised_name('full_name'))} as skeleton, sex, date_of_birth"
            f" from read_parquet('{register_file}')"
        )
        border = harmonised / "border_crossings.parquet"
        name = joined_name("b.given_names", "b.surname")
        # Every spelling and date of birth a citizen travelled under is a key.
        con.execute(
            f"""
            create temp table spine_key as
            with spelling as (
                select distinct c.person_key, {name} as name, b.sex, b.date_of_birth
                from read_parquet('{integrated / "crossing.parquet"}') c
                join read_parquet('{border}') b using (record_id)
                join read_parquet('{integrated / "person.parquet"}') p using (person_key)
                where p.citizenship = '{country}'
                union
                select distinct c.person_key, {name}, p.sex, p.date_of_birth
                from read_parquet('{integrated / "crossing.parquet"}') c
                join read_parquet('{border}') b using (record_id)
                join read_parquet('{integrated / "person.parquet"}') p using (person_key)
                where p.citizenship = '{country}'
            )
            select person_key as id, name, {name_skeleton("name")} as skeleton, sex,
                   date_of_birth
            from spelling where name is not null
            """
        )
        spine_counts = _link_passes(
            con, "register_key", "spine_key", "spine_link", several_right=True
        )
        spine_file = target / "register_person.parquet"
        _write(
            con,
            "select r.id as national_id, l.right_id as person_key, l.link_rule"
            " from register_key r left join spine_link l on l.left_id = r.id order by 1",
            spine_file,
        )
        census_file: Path | None = None
        census_counts: dict[str, int] = {}
        census = harmonised / "census_2022.parquet"
        if census.is_file():
            con.execute(
                "create temp table census_key as select record_id as id,"
                f" {normalised_name('full_name')} as name,"
                f" {name_skeleton(normalised_name('full_name'))} as skeleton, sex,"
                f" date_of_birth from read_parquet('{census}')"
                f" where citizenship_iso3 = '{country}'"
            )
            census_counts = _link_passes(
                con, "register_key", "census_key", "census_link", several_right=False
            )
            census_file = target / "register_census.parquet"
            _write(
                con,
                "select left_id as national_id, right_id as record_id, link_rule"
                " from census_link order by 1",
                census_file,
            )
        registered = int(con.sql("select count(*) from register_key").fetchall()[0][0])
        link = RegisterLink(
            registered=registered,
            linked_to_spine=sum(spine_counts.values()),
            linked_to_census=sum(census_counts.values()),
            spine_by_rule=spine_counts,
            census_by_rule=census_counts,
            spine_file=spine_file,
            census_file=census_file,
        )
        if truth_dir is not None:
            link = _scored(con, link, workspace, register_file, truth_dir)
    finally:
        con.close()
    log.info(
        "register: %d of %d citizens linked to the spine, %d to the census",
        link.linked_to_spine,
        link.registered,
        link.linked_to_census,
    )
    return link


def register_truth(
    con: duckdb.DuckDBPyConnection, truth_record: pa.Table, register: str
) -> str | None:
    """Create ``register_truth`` (``national_id``, ``person_id``) and return its name.

    The register's national IDs are pseudonymised, so the truth's register records
    are matched by position: the truth lists each extract's records in delivery order,
    and ``_record`` numbers them the same way. The match is checked on sex and date of
    birth against ``truth_person``; below 99% agreement it is not trusted (None).
    """
    source = truth_record.column("source").cast(pa.string())
    rows = truth_record.filter(pc.equal(source, "national_register"))
    positions = pa.table(
        {
            "_record": pa.array(np.arange(1, rows.num_rows + 1, dtype=np.int64)),
            "person_id": rows.column("person_id"),
        }
    )
    con.register("register_truth_arrow", positions)
    try:
        con.execute(
            "create or replace temp table register_truth as select r.national_id,"
            " t.person_id, r.sex, r.date_of_birth"
            f" from {register} r join register_truth_arrow t using (_record)"
        )
    finally:
        con.unregister("register_truth_arrow")
    agree = con.sql(
        "select avg((r.sex = p.sex and r.date_of_birth = p.date_of_birth)::int)"
        " from register_truth r join truth_person p using (person_id)"
    ).fetchall()[0][0]
    if agree is None or agree < 0.99:
        log.warning("register truth by position does not agree (%.3f): not scored", agree or 0)
        return None
    return "register_truth"


def score_spine_links(
    con: duckdb.DuckDBPyConnection, links: str, crossing: str, truth_record: str
) -> tuple[float | None, float | None]:
    """Precision and recall of register-to-spine ``links`` (needs ``register_truth``).

    Precision: the share of links (register record, spine person) whose spine person
    is the register record's true person; recall: the share of register records whose
    true person is on the spine that got a link to them. ``crossing`` is the spine's
    crossings (``record_id``, ``person_key``) and ``truth_record`` the truth's records.
    """
    row = con.sql(
        f"""
        with key_person as (
            select c.person_key, mode(t.person_id) as person_id
            from {crossing} c join {truth_record} t
              on t.record_id = c.record_id and t.source::varchar = 'border_crossings'
            group by 1
        ),
        scored as (
            select r.national_id, l.person_key, k.person_id = r.person_id as correct,
                   r.person_id in (select person_id from key_person) as reachable
            from register_truth r left join {links} l using (national_id)
            left join key_person k using (person_key)
        ),
        per_record as (
            select national_id, bool_or(correct) as found, bool_or(reachable) as reachable
            from scored group by 1
        )
        select (select count(person_key) from scored),
               (select count(*) filter (where correct) from scored),
               (select count(*) filter (where found) from per_record),
               (select count(*) filter (where reachable) from per_record)
        """
    ).fetchall()[0]
    links_made, correct, found, reachable = (int(x or 0) for x in row)
    return (
        correct / links_made if links_made else None,
        found / reachable if reachable else None,
    )


def score_census_links(
    con: duckdb.DuckDBPyConnection, links: str, truth_record: str
) -> tuple[float | None, float | None]:
    """Precision and recall of register-to-census ``links`` (needs ``register_truth``)."""
    row = con.sql(
        f"""
        with census_truth as (
            select record_id, person_id from {truth_record}
            where source::varchar = 'census_2022'
        )
        select count(l.record_id), count(*) filter (where c.person_id = r.person_id),
               count(*) filter (where r.person_id in (select person_id from census_truth))
        from register_truth r
        left join {links} l using (national_id)
        left join census_truth c on c.record_id = l.record_id
        """
    ).fetchall()[0]
    linked, correct, reachable = (int(x or 0) for x in row)
    return (correct / linked if linked else None, correct / reachable if reachable else None)


def _scored(
    con: duckdb.DuckDBPyConnection,
    link: RegisterLink,
    workspace: Path,
    register_file: Path,
    truth_dir: Path,
) -> RegisterLink:
    record_file = truth_dir / "record.parquet"
    con.execute(
        f"create or replace view truth_person as select * from '{truth_dir / 'person.parquet'}'"
    )
    con.execute(f"create or replace view truth_record as select * from '{record_file}'")
    if register_truth(con, pq.read_table(record_file), f"read_parquet('{register_file}')") is None:
        return link
    spine = score_spine_links(
        con,
        f"read_parquet('{link.spine_file}')",
        f"read_parquet('{workspace / 'integrated' / 'crossing.parquet'}')",
        "truth_record",
    )
    census = (
        score_census_links(con, f"read_parquet('{link.census_file}')", "truth_record")
        if link.census_file is not None
        else (None, None)
    )
    return RegisterLink(
        **{
            **link.__dict__,
            "spine_precision": spine[0],
            "spine_recall": spine[1],
            "census_precision": census[0],
            "census_recall": census[1],
        }
    )
