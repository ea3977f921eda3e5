"""Clerical review labels: what reviewers decided, kept, and applied on every run.

The review file (``linkage/review/<pair>.csv``) lists uncertain pairs with an empty
``is_match`` column. A reviewer fills it in place with 1 (same person) or 0 (different
people). The next ``migstats link`` first *harvests* the filled rows into
``linkage/labels/<pair>.csv`` (the latest decision for a pair wins, earlier labels are
kept), then writes a fresh review file. Labels are applied before clustering: a pair
labelled 1 is linked whatever its weight (even when no blocking rule found it), a pair
labelled 0 never is. The model itself is not changed by labels, so the same inputs and
labels always give the same persons.

>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute("create table p as select * from (values ('a', 'b', 9.0), ('a', 'c', 1.0))"
...                 " v(unique_id_l, unique_id_r, match_weight)")
>>> _ = con.execute("create table l as select * from (values ('a', 'b', 0), ('c', 'a', 1))"
...                 " v(unique_id_l, unique_id_r, is_match)")
>>> apply_labels(con, "p", "l", "out")
2
>>> con.sql("select unique_id_l, unique_id_r, match_weight from out order by all").fetchall()
[('a', 'b', -99.0), ('a', 'c', 99.0)]
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

__all__ = ["LABEL_WEIGHT", "apply_labels", "harvest_labels", "load_labels"]

log = logging.getLogger("migstats.link")

#: Match weight given to labelled pairs (+ for matches, - for non-matches).
LABEL_WEIGHT = 99.0


def harvest_labels(review_file: Path, labels_file: Path) -> int:
    """Move the filled ``is_match`` rows of ``review_file`` into ``labels_file``.

    Returns the number of labels now kept. Rows with another value than 0 or 1 are
    reported and ignored.
    """
    if not review_file.is_file():
        return _count(labels_file)
    con = duckdb.connect()
    try:
        con.execute(
            "create table fresh as select unique_id_l::varchar as unique_id_l,"
            " unique_id_r::varchar as unique_id_r, try_cast(is_match as integer) as is_match,"
            " is_match::varchar as raw"
            f" from read_csv('{review_file}', header = true, all_varchar = true)"
            " where nullif(trim(is_match), '') is not null"
        )
        bad = con.sql("select count(*) from fresh where is_match not in (0, 1)").fetchall()
        if bad[0][0]:
            log.warning("%s: %d is_match values are not 0 or 1; ignored", review_file, bad[0][0])
        con.execute("delete from fresh where is_match is null or is_match not in (0, 1)")
        if con.sql("select count(*) from fresh").fetchall()[0][0] == 0:
            return _count(labels_file)
        old = (
            f"select unique_id_l, unique_id_r, is_match from read_csv('{labels_file}',"
            " header = true, columns = {'unique_id_l': 'varchar', 'unique_id_r': 'varchar',"
            " 'is_match': 'integer'})"
            if labels_file.is_file()
            else "select null::varchar as unique_id_l, null::varchar as unique_id_r,"
            " null::integer as is_match where false"
        )
        con.execute(
            "create table merged as select unique_id_l, unique_id_r, is_match from ("
            " select *, row_number() over (partition by least(unique_id_l, unique_id_r),"
            " greatest(unique_id_l, unique_id_r) order by rank desc) as n from ("
            f" select *, 0 as rank from ({old})"
            " union all select unique_id_l, unique_id_r, is_match, 1 from fresh))"
            " where n = 1 order by unique_id_l, unique_id_r"
        )
        labels_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = labels_file.with_suffix(".tmp")
        con.execute(f"copy merged to '{tmp}' (header, delimiter ',')")
        tmp.replace(labels_file)
        return int(con.sql("select count(*) from merged").fetchall()[0][0])
    finally:
        con.close()


def load_labels(con: duckdb.DuckDBPyConnection, labels_file: Path, table: str) -> int:
    """Create ``table`` (unique_id_l, unique_id_r, is_match) from ``labels_file``
    (empty when there is none); returns its number of rows."""
    if labels_file.is_file():
        con.execute(
            f"create or replace table {table} as select * from read_csv('{labels_file}',"
            " header = true, columns = {'unique_id_l': 'varchar', 'unique_id_r': 'varchar',"
            " 'is_match': 'integer'})"
        )
    else:
        con.execute(
            f"create or replace table {table} (unique_id_l varchar, unique_id_r varchar,"
            " is_match integer)"
        )
    return int(con.sql(f"select count(*) from {table}").fetchall()[0][0])


def apply_labels(con: duckdb.DuckDBPyConnection, pairs: str, labels: str, out: str) -> int:
    """Create ``out`` (unique_id_l, unique_id_r, match_weight, match_probability):
    ``pairs`` with labelled pairs set to +/-:data:`LABEL_WEIGHT`, and labelled matches
    the blocking missed added. Pair order does not matter. Returns the number of labels
    applied."""
    con.execute(
        f"""
        create or replace table {out} as
        with lab as (
            select least(unique_id_l, unique_id_r) as a, greatest(unique_id_l, unique_id_r) as b,
                   is_match from {labels}
        ),
        scored as (
            select unique_id_l, unique_id_r, match_weight,
                   least(unique_id_l, unique_id_r) as a, greatest(unique_id_l, unique_id_r) as b
            from {pairs}
        )
        select *, pow(2, match_weight) / (1 + pow(2, match_weight)) as match_probability
        from (
            select s.unique_id_l, s.unique_id_r,
                   case l.is_match when 1 then {LABEL_WEIGHT}::double
                        when 0 then -{LABEL_WEIGHT}::double
                        else s.match_weight end as match_weight
            from scored s left join lab l using (a, b)
            union all
            select l.a, l.b, {LABEL_WEIGHT}::double from lab l
            where l.is_match = 1
              and not exists (select 1 from scored s where s.a = l.a and s.b = l.b)
        )
        """
    )
    return int(con.sql(f"select count(*) from {labels}").fetchall()[0][0])


def _count(labels_file: Path) -> int:
    if not labels_file.is_file():
        return 0
    return max(0, sum(1 for _ in labels_file.open("r", encoding="utf-8")) - 1)
