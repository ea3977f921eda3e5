"""Visas, permits and work permits attached to the person spine: the deterministic rule.

A permit names the passport it was issued on. Passport numbers are pseudonymised with
the same key and normalisation in every source, so a permit whose (pseudonymised
passport, nationality) is a traveller of the spine belongs to that traveller's person.
That is the first, exact rule. A permit issued on a passport that never crossed can
still belong to a spine person who crossed on another one (a renewed passport), so a
second rule places the permit *holders* left (all permits on one passport and
nationality) by name skeleton (see :mod:`migstats.link.names`), date of birth, sex and
nationality, accepting a match only when that key names exactly one spine person.
Permits neither rule places stay unlinked and are counted.

Writes ``integrated/<source>_person.parquet``: ``permit_id``, ``person_key`` (null when
unlinked) and ``link_rule``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from migstats.link.names import joined_name, name_skeleton, normalised_name
from migstats.link.travellers import traveller_id_sql
from migstats.sources.read import connect

log = logging.getLogger("migstats.link")

#: Harmonised sources whose records carry a passport pseudonym and a permit number.
PERMIT_SOURCES = ("work_permits", "visas_permits")


@dataclass(frozen=True)
class PermitLink:
    """Outcome for one permit source; ``precision``/``recall`` only against a truth."""

    source: str
    permits: int
    linked: int
    precision: float | None = None
    recall: float | None = None

    @property
    def share_linked(self) -> float:
        return self.linked / self.permits if self.permits else 0.0


def link_permits(workspace: Path, truth_dir: Path | None = None) -> list[PermitLink]:
    """Attach every permit source of the harmonised zone to the spine by passport.

    With ``truth_dir`` (a synthetic country's truth) precision is the share of linked
    permits given to their true person, and recall the share of permits whose holder is
    on the spine that were linked to them.
    """
    spine = workspace / "integrated" / "crossing.parquet"
    out: list[PermitLink] = []
    con = connect()  # memory-capped, spills to disk
    try:
        con.execute(
            f"CREATE TABLE spine AS SELECT DISTINCT traveller_id, person_key "
            f"FROM read_parquet('{spine}')"
        )
        _person_keys(con, workspace)
        for source in PERMIT_SOURCES:
            path = workspace / "harmonised" / f"{source}.parquet"
            if not path.is_file():
                continue
            name = "worker_name" if source == "work_permits" else "holder_name"
            skeleton = name_skeleton(normalised_name(f"p.{name}"))
            con.execute(
                f"CREATE OR REPLACE TABLE linked AS "
                f"WITH by_document AS (SELECT p.permit_id, {traveller_id_sql()} AS holder, "
                f"s.person_key, {skeleton} AS name_key, p.date_of_birth, p.sex, "
                f"p.nationality_iso3 FROM read_parquet('{path}') p "
                f"LEFT JOIN spine s ON s.traveller_id = {traveller_id_sql()}), "
                f"unplaced AS (SELECT holder, any_value(name_key) AS name_key, "
                f"any_value(date_of_birth) AS date_of_birth, any_value(sex) AS sex, "
                f"any_value(nationality_iso3) AS nationality FROM by_document "
                f"WHERE person_key IS NULL AND holder IS NOT NULL GROUP BY holder), "
                f"candidate AS (SELECT DISTINCT n.person_key, "
                f"{name_skeleton('n.full_name')} AS name_key, n.date_of_birth, n.sex, "
                f"n.nationality FROM person_name n SEMI JOIN unplaced u "
                f"ON u.date_of_birth = n.date_of_birth AND u.sex = n.sex "
                f"AND u.nationality = n.nationality), "
                f"unique_key AS (SELECT name_key, date_of_birth, sex, nationality, "
                f"any_value(person_key) AS person_key FROM candidate GROUP BY ALL "
                f"HAVING count(DISTINCT person_key) = 1), "
                f"by_name AS (SELECT u.holder, k.person_key FROM unplaced u "
                f"JOIN unique_key k ON k.name_key = u.name_key "
                f"AND k.date_of_birth = u.date_of_birth AND k.sex = u.sex "
                f"AND k.nationality = u.nationality) "
                f"SELECT d.permit_id, coalesce(d.person_key, n.person_key) AS person_key, "
                f"CASE WHEN d.person_key IS NOT NULL THEN 'document+nationality' "
                f"WHEN n.person_key IS NOT NULL THEN 'name+birth+sex+nationality' END "
                f"AS link_rule FROM by_document d LEFT JOIN by_name n USING (holder) "
                f"ORDER BY d.permit_id"
            )
            target = workspace / "integrated" / f"{source}_person.parquet"
            tmp = target.with_name(target.name + ".tmp")
            con.execute(f"COPY linked TO '{tmp}' (FORMAT parquet)")
            tmp.replace(target)
            permits, linked = con.sql("SELECT count(*), count(person_key) FROM linked").fetchall()[
                0
            ]
            link = PermitLink(source, int(permits), int(linked))
            if truth_dir is not None:
                link = _score(con, link, workspace, truth_dir)
            log.info("%s: %d of %d permits linked", source, link.linked, link.permits)
            out.append(link)
    finally:
        con.close()
    return out


def _person_keys(con: duckdb.DuckDBPyConnection, workspace: Path) -> None:
    """``person_name``: each spine person's distinct (full name, birth, sex, nationality).

    Skeletons are computed later, only for persons who share birth date, sex and
    nationality with an unplaced holder: a few thousand, not every traveller.
    """
    border = workspace / "harmonised" / "border_crossings.parquet"
    crossing = workspace / "integrated" / "crossing.parquet"
    full = joined_name("b.given_names", "b.surname")
    con.execute(
        f"CREATE OR REPLACE TABLE person_name AS SELECT DISTINCT c.person_key, "
        f"{full} AS full_name, b.date_of_birth, b.sex, b.nationality_iso3 AS nationality "
        f"FROM read_parquet('{crossing}') c JOIN read_parquet('{border}') b "
        f"USING (record_id) WHERE b.date_of_birth IS NOT NULL"
    )


def _score(
    con: duckdb.DuckDBPyConnection, link: PermitLink, workspace: Path, truth_dir: Path
) -> PermitLink:
    """Precision and recall of the permit links against the synthetic truth."""
    record = truth_dir / "record.parquet"
    crossing = workspace / "integrated" / "crossing.parquet"
    # Each spine person stands for the true person most of its border records belong to.
    con.execute(
        f"CREATE OR REPLACE TABLE truth_of_key AS SELECT person_key, "
        f"mode(t.person_id) AS person_id FROM read_parquet('{crossing}') c "
        f"JOIN read_parquet('{record}') t ON t.record_id = c.record_id "
        f"AND CAST(t.source AS VARCHAR) = 'border_crossings' GROUP BY person_key"
    )
    row = con.sql(
        f"WITH truth AS (SELECT record_id, person_id FROM read_parquet('{record}') "
        f"WHERE CAST(source AS VARCHAR) = '{link.source}'), "
        f"scored AS (SELECT l.person_key, t.person_id AS true_person, k.person_id AS "
        f"key_person, t.person_id IN (SELECT person_id FROM truth_of_key) AS on_spine "
        f"FROM linked l JOIN truth t ON t.record_id = l.permit_id "
        f"LEFT JOIN truth_of_key k USING (person_key)) "
        f"SELECT count(*) FILTER (WHERE person_key IS NOT NULL), "
        f"count(*) FILTER (WHERE key_person = true_person), "
        f"count(*) FILTER (WHERE on_spine) FROM scored"
    ).fetchall()[0]
    linked, correct, reachable = (int(x) for x in row)
    return PermitLink(
        link.source,
        link.permits,
        link.linked,
        precision=correct / linked if linked else None,
        recall=correct / reachable if reachable else None,
    )
