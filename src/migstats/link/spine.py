"""The person spine: one stable ``person_key`` per cluster of travellers.

The key is a hash of the smallest pseudonymised traveller id in the cluster, so it
does not depend on run order or on cluster numbering, and stays the same across runs
as long as the cluster keeps its smallest member. Person attributes are the value
most crossings recorded (ties to the smallest value); a person whose crossings
disagree on an attribute after that vote is flagged for it.
"""

from __future__ import annotations

import logging

import duckdb
import pyarrow as pa

__all__ = ["build_spine", "residence_crossings"]

logger = logging.getLogger(__name__)

_ATTRIBUTES = {"sex": "sex", "date_of_birth": "date_of_birth", "citizenship": "nationality"}


def build_spine(
    con: duckdb.DuckDBPyConnection, clusters: str, crossings: str = "traveller_crossing"
) -> int:
    """Create tables ``person`` and ``crossing`` from traveller ``clusters``.

    ``clusters`` has ``unique_id`` (traveller id) and ``cluster_id``; ``crossings``
    has one row per border record with ``traveller_id``. Returns the number of persons.

    >>> con = duckdb.connect()
    >>> _ = con.execute("create table c as select * from (values ('D2|BGD', 7),"
    ...     " ('D1|BGD', 7)) v(unique_id, cluster_id)")
    >>> _ = con.execute("create table x as select * from (values ('r1','D1|BGD','M',"
    ...     " date '1990-01-02','BGD', date '2020-01-01','ARR'), ('r2','D2|BGD','F',"
    ...     " date '1990-01-02','BGD', date '2021-01-01','DEP')) v(record_id,"
    ...     " traveller_id, sex, date_of_birth, nationality, crossing_date, direction)")
    >>> build_spine(con, "c", "x")
    1
    >>> con.sql("select travellers, sex, sex_conflict from person").fetchall()
    [(2, 'F', True)]
    """
    con.execute(
        "create or replace table person_member as select unique_id as traveller_id,"
        f" 'P' || left(sha256(min(unique_id) over (partition by cluster_id)), 16)"
        f" as person_key from {clusters}"
    )
    con.execute(
        "create or replace table crossing as select x.record_id, m.person_key,"
        " x.traveller_id, x.crossing_date, x.direction"
        f" from {crossings} x join person_member m using (traveller_id)"
        " order by m.person_key, x.crossing_date, x.record_id"
    )
    parts = []
    for name, col in _ATTRIBUTES.items():
        parts.append(
            f"{name}_votes as (select person_key, first({col} order by n desc, {col}) as {name},"
            f" count(*) > 1 as {name}_conflict from (select m.person_key, x.{col}, count(*) as n"
            f" from {crossings} x join person_member m using (traveller_id)"
            f" where x.{col} is not null group by all) group by person_key)"
        )
    joins = " ".join(f"left join {n}_votes using (person_key)" for n in _ATTRIBUTES)
    con.execute(
        f"create or replace table person as with {', '.join(parts)},"
        " base as (select person_key, count(*) as travellers from person_member group by 1)"
        f" select person_key, travellers, {', '.join(_ATTRIBUTES)},"
        f" {', '.join(f'coalesce({n}_conflict, false) as {n}_conflict' for n in _ATTRIBUTES)}"
        f" from base {joins} order by person_key"
    )
    count = int(con.sql("select count(*) from person").fetchall()[0][0])
    logger.info("person spine: %d persons", count)
    return count


def residence_crossings(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The spine's crossings as the residence engine reads them.

    Columns ``person_id`` (the person key), ``crossing_date`` and ``direction``,
    sorted by person and date.
    """
    return con.sql(
        "select person_key as person_id, crossing_date, direction from crossing"
        " order by person_key, crossing_date, record_id"
    ).to_arrow_table()
