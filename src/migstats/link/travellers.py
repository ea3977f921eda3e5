"""Border records to travellers: the deterministic first pass of deduplication.

Every crossing made on one travel document of one nationality belongs to one
traveller (the document number is a keyed pseudonym, so equality is all we can use
and all we need). A crossing whose nationality is unknown (uncoded, or stated unknown,
``XXX``) on a document seen with exactly one known nationality belongs to that
document's traveller: otherwise one mis-keyed nationality on a departure card would
split a trip into two travellers for the model to find again. Collapsing crossings
into travellers first means the probabilistic model compares tens of thousands of
travellers instead of millions of crossings.

A traveller's attributes are the value recorded most often on its crossings (ties go
to the smallest value, so runs are reproducible); typos and transliteration variants
on single crossings are outvoted. All work is SQL in DuckDB.
"""

from __future__ import annotations

import logging

import duckdb

from migstats.link.names import joined_name, name_skeleton, normalised_name
from migstats.refdata.countries import NOT_STATED

__all__ = ["TRAVELLER_COLUMNS", "collapse_travellers", "traveller_id_sql"]

logger = logging.getLogger(__name__)

#: Columns of the ``traveller`` table, one row per (document, nationality).
TRAVELLER_COLUMNS = (
    "traveller_id",
    "document_no",
    "nationality",
    "surname",
    "given_names",
    "full_name",
    "name_skeleton",
    "surname_skeleton",
    "given_names_skeleton",
    "sex",
    "date_of_birth",
    "visa_type",
    "first_crossing",
    "last_crossing",
    "first_direction",
    "last_direction",
    "crossings",
    "name_variants",
)

_VOTED = ("surname", "given_names", "sex", "date_of_birth", "visa_type")


def traveller_id_sql(document: str = "document_no", nationality: str = "nationality_iso3") -> str:
    """SQL for the traveller id: the document pseudonym and the nationality code."""
    return f"concat({document}, '|', coalesce({nationality}, 'UNK'))"


def collapse_travellers(
    con: duckdb.DuckDBPyConnection, border: str, *, table: str = "traveller"
) -> int:
    """Create ``table`` (one row per traveller) and ``{table}_crossing`` from ``border``.

    ``border`` names a relation in ``con`` with the harmonised border columns
    (``record_id``, ``document_no``, ``nationality_iso3``, ``surname``, ``given_names``,
    ``sex``, ``date_of_birth``, ``crossing_date``, ``direction``, and ``visa_type`` where
    the extract has one). Returns the number of travellers.

    >>> con = duckdb.connect()
    >>> _ = con.execute(
    ...     "create table b as select * from (values "
    ...     "('1','D1','BGD','HOSSAIN','MOHAMED','M',date '1990-01-02',date '2020-01-01','ARR'),"
    ...     "('2','D1','BGD','HOSSAIN','MOHAMMED','M',date '1990-01-02',date '2020-02-01','DEP'),"
    ...     "('3','D1','BGD','HOSSAIN','MOHAMED','M',date '1990-01-02',date '2021-01-01','ARR')"
    ...     ") v(record_id, document_no, nationality_iso3, surname, given_names, sex,"
    ...     " date_of_birth, crossing_date, direction)")
    >>> collapse_travellers(con, "b")
    1
    >>> con.sql("select full_name, crossings, name_variants from traveller").fetchall()
    [('MOHAMED HOSSAIN', 3, 2)]
    """
    has_visa = "visa_type" in con.sql(f"select * from {border} limit 0").columns
    visa = "b.visa_type" if has_visa else "null::varchar as visa_type"
    unknown = f"(b.nationality_iso3 is null or b.nationality_iso3 = '{NOT_STATED}')"
    nationality = (
        f"case when {unknown} then coalesce(k.nationality, b.nationality_iso3)"
        " else b.nationality_iso3 end"
    )
    con.execute(
        f"create or replace table {table}_crossing as"
        # Documents seen with one known nationality only.
        " with known as (select document_no, any_value(nationality_iso3) as nationality"
        f" from {border} where document_no is not null and nationality_iso3 is not null"
        f" and nationality_iso3 <> '{NOT_STATED}' group by document_no"
        " having count(distinct nationality_iso3) = 1)"
        f" select b.record_id, {traveller_id_sql('b.document_no', nationality)} as traveller_id,"
        f" b.document_no, {nationality} as nationality, b.crossing_date, b.direction,"
        f" {normalised_name('b.surname')} as surname, {normalised_name('b.given_names')}"
        f" as given_names, b.sex, b.date_of_birth, {visa}"
        f" from {border} b left join known k using (document_no)"
        " where b.document_no is not null"
    )
    for col in _VOTED:
        # The most frequent value, ties to the smallest. Plain hash aggregates and a
        # join, one statement per attribute: an ordered aggregate (first(... order by))
        # over the national 21M crossings ran out of a 12 GB memory cap.
        con.execute(
            f"create or replace temp table voted_{col} as with counts as"
            f" (select traveller_id, {col}, count(*) as n from {table}_crossing"
            f" where {col} is not null group by all),"
            " top as (select traveller_id, max(n) as n from counts group by traveller_id)"
            f" select traveller_id, min({col}) as {col} from counts join top"
            " using (traveller_id, n) group by traveller_id"
        )
    joins = " ".join(f"left join voted_{c} using (traveller_id)" for c in _VOTED)
    full = joined_name("given_names", "surname")
    con.execute(
        f"create or replace table {table} as with"
        " base as (select traveller_id, any_value(document_no) as document_no,"
        " any_value(nationality) as nationality, min(crossing_date) as first_crossing,"
        " max(crossing_date) as last_crossing,"
        # Whether the document was first used leaving and last used arriving: a
        # document handed over inside the country (see travel_period_comparison).
        " arg_min(direction, (crossing_date, record_id)) as first_direction,"
        " arg_max(direction, (crossing_date, record_id)) as last_direction,"
        " count(*) as crossings,"
        " count(distinct concat_ws(' ', given_names, surname)) as name_variants"
        f" from {table}_crossing group by traveller_id)"
        f" select traveller_id, document_no, nationality, surname, given_names,"
        f" {full} as full_name, {name_skeleton(full)} as name_skeleton,"
        f" {name_skeleton('surname')} as surname_skeleton,"
        f" {name_skeleton('given_names')} as given_names_skeleton, sex, date_of_birth,"
        " visa_type, first_crossing, last_crossing, first_direction, last_direction,"
        " crossings, name_variants"
        f" from base {joins} order by traveller_id"
    )
    for col in _VOTED:
        con.execute(f"drop table voted_{col}")
    row = con.sql(f"select count(*) from {table}").fetchall()
    count = int(row[0][0])
    skipped = con.sql(f"select count(*) from {border} where document_no is null").fetchall()
    if skipped[0][0]:
        logger.warning("%d border records without a document number", skipped[0][0])
    logger.info("collapsed border records into %d travellers", count)
    return count
