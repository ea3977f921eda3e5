"""Migrant workers (table 3.1) and work permits against workers present (table 3.2).

**3.1 migrant workers** at each reference date t: foreigners who hold a work permit
valid on t (``valid_from <= t <= valid_to``, whatever the permit's status in today's
extract) and who are, at t, resident (present or temporarily abroad) or non-resident
but present, from the population at reference dates (:mod:`migstats.stats.population`).
Holders whose permits were never placed on the spine (no crossing on that passport in
the data) are included as that module counts them: resident and present. Occupation
(ISCO-08 major group), industry (ISIC Rev.4 section) and atoll of work come from the
permit valid on t with the latest end date. Undocumented workers (no valid permit) are
not migrant workers here; the overstay tables (5.x) estimate them.

**3.2 active work permits and their holders** (DOMAIN.md section 4, "absconded /
inactive permits"): the permits Xpat shows as active (status ``ACTIVE`` or
``RENEWED``) and valid on t, and their holders split by where the border data place
them at t:

- ``PERMITS_ACTIVE``: active permits (a holder may have several);
- ``HOLDERS``: distinct holders of active permits, the sum of the four below;
- ``HOLDERS_PRESENT``: holder on the spine and in the country at t;
- ``HOLDERS_ABROAD``: holder on the spine, not in the country at t but not departed
  for good: a resident (or of unknown status) temporarily abroad, or not arrived yet;
- ``HOLDERS_DEPARTED_LONG_TERM``: holder on the spine whose last crossing before t is
  a departure after which they are non-resident (a long-term emigration, or the end of
  a short-term stay): the permit is active, the worker is gone;
- ``HOLDERS_NOT_ON_SPINE``: permits never placed on the spine, grouped into holders by
  passport pseudonym and nationality (where they are is unknown; 3.1 counts them
  present).

A holder's occupation and industry are those of their active permit with the latest
end date. The status is the extract's, so for past reference dates ``PERMITS_ACTIVE``
counts permits valid then that are still active or renewed today.

**Open statuses.** Near the data end a worker's last departure is often undecided (the
rule needs 16 months after it); the population then counts a permit holder abroad as
resident on the permit's evidence. Both tables instead share such a person between
"abroad, still resident" and "gone" with the probability that the departure turns out
a trip, from the mobility allocation (:mod:`migstats.stats.mobility`); those cells get
``OBS_STATUS`` ``P`` (or ``E`` near the data start) and a 95% interval.
"""

from __future__ import annotations

from typing import Any, Final

from migstats.stats.cube import ObservationTable, age_group_sql, table_from
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame
from migstats.stats.mobility import CROSSINGS, allocated_cube, ensure_mobility, top_codes_sql
from migstats.stats.population import holder_key_sql

__all__ = ["ACTIVE_STATUSES", "HOLDER_MEASURES", "build", "evaluate", "isco_major_sql"]

#: Xpat statuses of a permit the system treats as in force.
ACTIVE_STATUSES: Final = ("ACTIVE", "RENEWED")
#: The measures of table 3.2 that partition the holders of active permits.
HOLDER_MEASURES: Final = (
    "HOLDERS_PRESENT",
    "HOLDERS_ABROAD",
    "HOLDERS_DEPARTED_LONG_TERM",
    "HOLDERS_NOT_ON_SPINE",
)
#: How many citizenships table 3.1 shows before ``OTH``.
TOP_CITIZENSHIPS: Final = 10


def isco_major_sql(code: str) -> str:
    """SQL for the ISCO-08 major group (1 digit) of an ISCO code (null if not a code).

    >>> import duckdb
    >>> codes = "(values ('9313'), ('0110'), ('x'), (null)) v(c)"
    >>> [r[0] for r in duckdb.sql(f"select {isco_major_sql('c')} from {codes}").fetchall()]
    ['9', '0', None, None]
    """
    return f"case when regexp_matches({code}, '^[0-9]') then left({code}, 1) end"


def _refs_sql(frame: StatFrame) -> str:
    rows = ", ".join(f"('{k}', date '{v.isoformat()}')" for k, v in frame.reference_dates.items())
    return f"(select * from (values {rows}) r(reference, reference_date))"


def _holder_sql() -> str:
    # The same holder key as population.py gives permits that are not on the spine.
    return f"coalesce(w.person_key, {holder_key_sql('w')})"


def _permits_at(frame: StatFrame, active_only: bool) -> str:
    """SQL: one row per holder and reference date with a permit valid then."""
    statuses = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    active = f" and w.status in ({statuses})" if active_only else ""
    return f"""
        select r.reference, r.reference_date, {_holder_sql()} as holder,
               w.person_key is not null as on_spine, count(*) as permits,
               arg_max({isco_major_sql("w.occupation_isco")}, w.valid_to) as occupation,
               arg_max(w.industry_section, w.valid_to) as industry,
               arg_max(w.work_atoll_code, w.valid_to) as atoll
        from work_permit w join {_refs_sql(frame)} r
          on r.reference_date between w.valid_from and w.valid_to
        where (w.person_key is not null or w.document_no is not null){active}
        group by all
    """


def _open_status_columns() -> str:
    """Weight columns of a person at a reference date (see :func:`_open_status_join`)."""
    return (
        "coalesce(o.p, 1.0) as weight,"
        " case when coalesce(o.allocation, 'decided') = 'decided' then 0 else 1 end"
        " as sensitivity, coalesce(o.allocation, 'decided') as allocation, o.model_cell,"
        " coalesce(o.cell_variance, 0.0) as cell_variance"
    )


def _open_status_join(alias: str, source: str) -> str:
    """Join giving people abroad whose residence is still open their chance of residence.

    The population counts as resident a permit holder whose border status is unknown
    (evidence ``permit``). For one who is abroad, that status hangs on the last
    departure, which the rule cannot decide yet; the mobility allocation gives the
    probability (``p_resident``) that it is a trip, not an emigration.
    """
    return f"""
        left join (
            select a.reference, a.person_key,
                   arg_max(m.p_resident, (m.crossing_date, m.seq)) as p,
                   arg_max(m.allocation, (m.crossing_date, m.seq)) as allocation,
                   arg_max(m.model_cell, (m.crossing_date, m.seq)) as model_cell,
                   arg_max(m.cell_variance, (m.crossing_date, m.seq)) as cell_variance
            from (select distinct reference, reference_date, person_key from {source}
                  where evidence = 'permit' and not present) a
            join {CROSSINGS} m
              on m.person_key = a.person_key and m.crossing_date <= a.reference_date
            group by all
        ) o on o.reference = {alias}.reference and o.person_key = {alias}.person_key
    """


def _build_31(frame: StatFrame) -> ObservationTable:
    con = frame.con
    ensure_mobility(frame)
    con.execute(
        f"""
        create or replace temp table migrant_worker as
        with worker as (
            select ps.reference, ps.reference_date, ps.person_key, ps.resident, ps.present,
                   ps.citizenship, ps.sex, ps.age, coalesce(h.atoll, ps.atoll) as atoll,
                   h.occupation, h.industry, ps.evidence
            from population_status ps
            join ({_permits_at(frame, active_only=False)}) h
              on h.holder = ps.person_key and h.reference = ps.reference
            where not coalesce(ps.is_citizen, false) and (ps.resident or ps.present)
        )
        select w.*, {_open_status_columns()}
        from worker w {_open_status_join("w", "worker")}
        """
    )
    top = [
        c
        for (c,) in con.sql(
            "select citizenship from migrant_worker where citizenship is not null group by 1"
            f" order by count(*) desc, 1 limit {TOP_CITIZENSHIPS}"
        ).fetchall()
    ]
    dims = {
        "REF_DATE": "reference",
        "OCCUPATION": "occupation",
        "INDUSTRY": "industry",
        "RESIDENCE": "case resident when true then 'RES' when false then 'NONRES' end",
        "PRESENCE": "case when present then 'PRESENT' else 'ABROAD' end",
        "CITIZENSHIP": top_codes_sql("citizenship", top),
        "SEX": "sex",
        "AGE": age_group_sql("age"),
        "ATOLL": "atoll",
    }
    data = allocated_cube(
        con,
        "migrant_worker",
        dims,
        [
            (),
            ("OCCUPATION",),
            ("INDUSTRY",),
            ("RESIDENCE",),
            ("PRESENCE",),
            ("CITIZENSHIP",),
            ("SEX",),
            ("AGE",),
            ("ATOLL",),
            ("OCCUPATION", "INDUSTRY"),
            ("OCCUPATION", "SEX"),
            ("OCCUPATION", "CITIZENSHIP"),
            ("OCCUPATION", "PRESENCE"),
            ("OCCUPATION", "RESIDENCE"),
            ("INDUSTRY", "SEX"),
            ("INDUSTRY", "CITIZENSHIP"),
            ("INDUSTRY", "PRESENCE"),
            ("INDUSTRY", "RESIDENCE"),
            ("INDUSTRY", "ATOLL"),
            ("RESIDENCE", "PRESENCE"),
            ("RESIDENCE", "CITIZENSHIP"),
            ("CITIZENSHIP", "SEX"),
            ("ATOLL", "SEX"),
            ("SEX", "AGE"),
        ],
        ("REF_DATE",),
    )
    metadata: dict[str, Any] = {
        "definition": (
            "foreigners holding a work permit valid on the reference date who are then"
            " resident (present or temporarily abroad) or non-resident but present"
        ),
        "reference_dates": {k: v.isoformat() for k, v in frame.reference_dates.items()},
        "residence": "RES resident, NONRES non-resident (present), by the residence rule",
        "presence": "PRESENT in the country on the reference date, ABROAD temporarily",
        "occupation": "ISCO-08 major group of the permit valid on the date (latest end)",
        "industry": "ISIC Rev.4 section of the permit valid on the date (latest end)",
        "atoll": "atoll of the island of work on the permit, else of census residence",
        "citizenship": f"the {TOP_CITIZENSHIPS} most frequent citizenships, the rest OTH",
        "not_on_spine": (
            "permits never placed on the spine count as resident and present (their"
            " holders arrived before the border data and never left)"
        ),
        "excluded": "undocumented workers (no valid permit): see the overstay tables",
        "residence_rule": {
            "window_days": frame.rule.window_days,
            "threshold_days": frame.rule.threshold_days,
        },
        "sources": ["work_permits", "border_crossings", "residence_event", "census_2022"],
    }
    return table_from(
        "3.1",
        "Migrant workers by occupation, industry and residence",
        data,
        list(dims),
        metadata=metadata,
    )


def _build_32(frame: StatFrame) -> ObservationTable:
    con = frame.con
    statuses = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    ensure_mobility(frame)
    con.execute(
        f"""
        create or replace temp table active_permit_holder as
        with holder as ({_permits_at(frame, active_only=True)}),
        crossed as (  -- holders on the spine with a crossing on or before the date
            select distinct h.reference, h.holder from holder h
            join crossing c on c.person_key = h.holder and c.crossing_date <= h.reference_date
            where h.on_spine
        ),
        placed as (
            select h.*, h.holder as person_key, ps.evidence, coalesce(ps.present, false)
                     as present,
                   case when not h.on_spine then 'HOLDERS_NOT_ON_SPINE'
                        when ps.present then 'HOLDERS_PRESENT'
                        when ps.person_key is not null then 'HOLDERS_ABROAD'
                        -- not in the population: non-resident and abroad; gone, unless
                        -- the holder has not crossed yet (a permit issued before arrival)
                        when x.holder is not null then 'HOLDERS_DEPARTED_LONG_TERM'
                        else 'HOLDERS_ABROAD' end as measure
            from holder h
            left join population_status ps
              on ps.person_key = h.holder and ps.reference = h.reference
            left join crossed x on x.holder = h.holder and x.reference = h.reference
        )
        select p.*, {_open_status_columns()}
        from placed p {_open_status_join("p", "placed")}
        """
    )
    decided = "'decided' as allocation, null as model_cell, 0.0 as cell_variance"
    relation = f"""(
        select r.reference, 'PERMITS_ACTIVE' as measure,
               {isco_major_sql("w.occupation_isco")} as occupation,
               w.industry_section as industry, 1.0 as weight, 0 as sensitivity, {decided}
        from work_permit w join {_refs_sql(frame)} r
          on r.reference_date between w.valid_from and w.valid_to
        where w.status in ({statuses})
        union all
        select reference, 'HOLDERS', occupation, industry, 1.0, 0, {decided}
        from active_permit_holder
        union all
        select reference, measure, occupation, industry, weight, sensitivity, allocation,
               model_cell, cell_variance
        from active_permit_holder
        union all  -- the other side of holders abroad whose status is still open
        select reference, 'HOLDERS_DEPARTED_LONG_TERM', occupation, industry, 1 - weight,
               -sensitivity, allocation, model_cell, cell_variance
        from active_permit_holder where allocation <> 'decided'
    )"""
    dims = {
        "REF_DATE": "reference",
        "MEASURE": "measure",
        "OCCUPATION": "occupation",
        "INDUSTRY": "industry",
    }
    data = allocated_cube(
        con,
        relation,
        dims,
        [(), ("OCCUPATION",), ("INDUSTRY",), ("OCCUPATION", "INDUSTRY")],
        ("REF_DATE", "MEASURE"),
    )
    metadata: dict[str, Any] = {
        "definition": (
            "work permits active in Xpat (status ACTIVE or RENEWED, valid on the"
            " reference date) and their holders by where the border data place them"
        ),
        "measures": {
            "PERMITS_ACTIVE": "active permits",
            "HOLDERS": "distinct holders of active permits (sum of the HOLDERS_* below)",
            "HOLDERS_PRESENT": "holder on the spine, in the country on the date",
            "HOLDERS_ABROAD": (
                "holder on the spine, abroad on the date but resident (or of unknown"
                " status), or not arrived yet"
            ),
            "HOLDERS_DEPARTED_LONG_TERM": (
                "holder on the spine whose last crossing is a departure after which they"
                " are non-resident: an inactive (absconded) permit"
            ),
            "HOLDERS_NOT_ON_SPINE": (
                "permit never placed on the spine; holders grouped by passport"
                " pseudonym and nationality"
            ),
        },
        "status_note": (
            "permit status is the extract's: for past dates, permits valid then and"
            " still active or renewed today"
        ),
        "occupation": "ISCO-08 major group; a holder's is that of their latest active permit",
        "industry": "ISIC Rev.4 section; a holder's is that of their latest active permit",
        "reference_dates": {k: v.isoformat() for k, v in frame.reference_dates.items()},
        "sources": ["work_permits", "border_crossings", "residence_event"],
    }
    return table_from(
        "3.2",
        "Active work permits and their holders present, abroad or departed",
        data,
        list(dims),
        unit="permits or persons (see MEASURE)",
        metadata=metadata,
    )


def build(frame: StatFrame) -> list[ObservationTable]:
    """Tables 3.1 and 3.2 (see the module docstring); none without work permits."""
    if not frame.has("work_permit"):
        return []
    return [_build_31(frame), _build_32(frame)]


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Workers present on census night and their occupations; holders of active permits.

    The truth's workers present include undocumented ones (``overstayer`` in
    ``truth_status``), who hold no valid permit: the goal applies to documented
    workers, and the count against all workers is reported without a goal.
    """
    checks: list[Check] = []
    if not frame.has("truth_status") or frame.census_night is None:
        return checks
    t31 = tables.get("3.1")
    if t31 is not None:
        present = t31.value(REF_DATE="census_night", PRESENCE="PRESENT") or 0.0
        truth = dict(
            frame.con.sql(
                "select s.overstayer, count(*) from truth_person p join truth_status s"
                " using (person_id) where p.\"group\" = 'worker' and s.reference = 'census_night'"
                " and s.present group by 1"
            ).fetchall()
        )
        documented = float(truth.get(False, 0))
        checks.append(
            Check(
                "3.1", "documented migrant workers present, census night", present, documented, 0.05
            )
        )
        checks.append(
            Check(
                "3.1",
                "migrant workers present incl. undocumented, census night",
                present,
                documented + float(truth.get(True, 0)),
            )
        )
        shares = frame.con.sql(
            "select left(p.occupation_isco, 1), count(*) / sum(count(*)) over ()"
            " from truth_person p join truth_status s using (person_id)"
            " where p.\"group\" = 'worker' and s.reference = 'census_night' and s.present"
            " and not s.overstayer group by 1 order by 1"
        ).fetchall()
        for major, share in shares:
            if major is None:
                continue
            cell = t31.value(REF_DATE="census_night", PRESENCE="PRESENT", OCCUPATION=major)
            estimate = (cell or 0.0) / present if present else 0.0
            checks.append(
                Check(
                    "3.1",
                    f"share of ISCO major group {major} among workers present, census night",
                    estimate,
                    float(share),
                    0.10 if share >= 0.05 else None,
                )
            )
    t32 = tables.get("3.2")
    if t32 is not None and frame.has("truth_record"):
        checks.extend(_evaluate_32(frame, t32))
    return checks


def _evaluate_32(frame: StatFrame, table: ObservationTable) -> list[Check]:
    """Holders of active permits present (or not) against their true whereabouts."""
    statuses = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    checks = []
    for reference in frame.reference_dates:
        if not reference.startswith("year_end"):
            continue
        row = frame.con.sql(
            f"""
            with holder as (
                select distinct t.person_id
                from work_permit w join truth_record t
                  on t.source = 'work_permits' and t.record_id = w.permit_id
                where w.status in ({statuses}) and ? between w.valid_from and w.valid_to
            )
            select count(*) filter (where s.present), count(*) filter (where s.present is null)
            from holder h left join truth_status s
              on s.person_id = h.person_id and s.reference = ?
            """,
            params=[frame.reference_dates[reference], reference],
        ).fetchall()[0]
        present = (table.value(REF_DATE=reference, MEASURE="HOLDERS_PRESENT") or 0.0) + (
            table.value(REF_DATE=reference, MEASURE="HOLDERS_NOT_ON_SPINE") or 0.0
        )
        departed = table.value(REF_DATE=reference, MEASURE="HOLDERS_DEPARTED_LONG_TERM") or 0.0
        checks.append(
            Check("3.2", f"holders of active permits present, {reference}", present, row[0], 0.05)
        )
        checks.append(
            Check(
                "3.2",
                f"holders of active permits neither resident nor present, {reference}",
                departed,
                row[1],
            )
        )
    return checks
