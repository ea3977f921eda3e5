"""Tables 5.x: overstayers (irregular stay) at each reference date, observed and estimated.

**Definition** (DOMAIN.md section 4). At a reference date t an *overstayer* is a
foreigner who is in the country at t and whose authorised stay ended before
``t - grace_days`` (:data:`GRACE_DAYS`, 0 by default), with no departure since. Legal
status is what is measured here; residence does not matter (an overstayer may be a
usual resident or a visitor).

**In the country at t** comes from the border records of the person spine, as in
:mod:`migstats.stats.population`: the last crossing on or before t is an arrival, or
the person's first recorded crossing comes after t and is a departure (they arrived
before the data began: a *stay before the data*). Two repairs of the residence rule
apply: same-day duplicates count once, and an arrival followed by another arrival had
a departure that was not recorded; like the rule, that departure is imputed at the
midpoint of the two arrivals.

**The authorised stay** models the rule of law the country applies, from the
administrative records (the synthetic country draws ``authorised_until`` the same way):

- every foreigner admitted gets a visa on arrival of :data:`VISA_ON_ARRIVAL_DAYS` (30)
  days: the stay is authorised to the arrival date + 30 days;
- a visa or permit on record (the ``visa`` view: tourist-visa extensions, business,
  work, dependent, student and resident visas; the ``work_permit`` view: Xpat work
  permits) extends it to the latest ``valid_to`` of the holder's visas and permits
  whose validity began on or before t, renewals and later permits included. A renewal
  filed under a new passport never used at the border is not on the spine: a work
  permit off the spine for the same employer, date of birth and sex that starts the
  day after the lapsed one ended is taken as that renewal;
- entries as a citizen (``CITIZEN``: dual citizens) need no visa and never overstay;
- a stay before the data has no known arrival date: it is authorised by the holder's
  permits only. With none on record at all, a work-visa stay (both Xpat and
  Immigration record every work permit, so none in either is strong evidence) is taken
  as authorised at most to the data start + 30 days; a visitor or family stay is left
  unknown (counted in the metadata, not in the tables), because a departure with no
  arrival is far more often an arrival that was not linked than a stay of years.

``AUTHORISATION`` tells what lapsed: ``PERMIT`` (a visa or permit on record),
``VISA_ON_ARRIVAL`` (a visitor's 30 days) or ``NOT_ON_RECORD`` (a stay needing a permit
with none on record). No source records the deaths of foreigners, so none are removed.

Reference dates before the data period are left out: nobody's stay is observed then.

**5.1 indicator** (``OBS_STATUS`` ``A``): the overstayers so observed, by ``REF_DATE``,
``CITIZENSHIP``, ``SEX``, ``AGE`` (five-year groups at t), ``VISA_TYPE`` (of the last
arrival, or of the first departure for a stay before the data) and ``AUTHORISATION``.

**5.2 estimate** (``OBS_STATUS`` ``E``, with a 95% ``LOWER``/``UPPER``): the indicator
less the overstayers who in fact left, their departure missed or linked to somebody
else. A missed departure followed later by a return is repaired by the midpoint
imputation above, so only a *final* departure can be missed unseen. The arrivals *at
risk* at t are therefore those whose authorised stay ended before ``t - grace_days``
and whose departure is (or would have been) the person's last record: the ``D``
persons whose last record is such a departure, on or before t, and the indicator's
overstayers whose arrival is their last record (``O``, the only ones a missed
departure can hide among). With ``p`` the rate of missing departure records
(:func:`migstats.stats.departures.missed_departures`), ``N = D / (1 - p)`` final
departures happened, of which ``p N`` are expected to be missing. This is computed in
strata of visa type x citizenship (where missed departures concentrate: visitors, and
by market) and shared out evenly over the stratum's ``O`` overstayers, never more than
all of them: each such overstayer weighs ``1 - q`` with ``q = min(1, p N / O)``, the
others weigh 1. Every cell is a sum of person weights, so the cells add up to their
margins exactly (total = sum by citizenship = sum by visa type). A cell's variance is
``(N_c se)^2 + m_c (1 - p)`` (rate uncertainty and binomial noise of its ``m_c``
expected missed departures, as in :meth:`MissedDepartures.expected_interval`); the
interval is kept within ``[indicator - O_c, indicator]``.

**Overstayers never seen at the border** arrived before the data and never crossed
during it. Work-permit holders off the spine whose permits all predate the data and
expired, and whom the census found on census night (the population table's
:data:`~migstats.stats.population.IN_CENSUS`), were in the country throughout: they are
observed overstayers (``VISA_TYPE`` ``WORK``, ``AUTHORISATION`` ``PERMIT``) in 5.1. 5.2
adds those the census missed by the dual-system estimate of
:mod:`migstats.stats.coverage`, with its variance. The holders of work permits that
expired inside the data period who never crossed (``expired permit (not on spine)``)
are counted in the metadata only, a weak signal.

**Visitors whose stay began before the data** with no visa or permit on record have
an unknown authorisation and are left out of 5.1. Most are arrivals that were not
linked, but some arrived before the data and overstayed. 5.2 adds the share of them
that the excess of first departures over the unlinked-arrival rate shows to be
genuine, with its variance (:mod:`migstats.stats.prior_stays`). Cells may therefore
appear in 5.2 that 5.1 lacks.

>>> sorted(AUTHORISATIONS)
['NOT_ON_RECORD', 'PERMIT', 'VISA_ON_ARRIVAL']
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from migstats.stats.coverage import CensusCoverage, census_coverage
from migstats.stats.cube import TOTAL, ObservationTable, age_group_sql, age_sql, cube, table_from
from migstats.stats.departures import Z95, MissedDepartures, missed_departures
from migstats.stats.evaluate import Check
from migstats.stats.frame import StatFrame
from migstats.stats.initial import VISITOR_VISAS
from migstats.stats.population import HOLDER_PREFIX, IN_CENSUS
from migstats.stats.prior_stays import PriorStays, build_prior_stays

__all__ = [
    "AUTHORISATIONS",
    "GRACE_DAYS",
    "VISA_ON_ARRIVAL_DAYS",
    "build",
    "build_overstayers",
    "ensure_overstayers",
    "evaluate",
    "observed_references",
    "weights_sql",
]

INDICATOR_ID: Final = "5.1"
ESTIMATE_ID: Final = "5.2"
#: Days after the authorised stay ends before a person counts as an overstayer.
GRACE_DAYS: Final = 0
#: Length of the visa on arrival (tourist visa: 30 days, extendable).
VISA_ON_ARRIVAL_DAYS: Final = 30
#: Entry visa types that need no visa (citizens of the country on their passport).
NO_VISA: Final = ("CITIZEN",)
#: Entry visa types whose holders always get a permit on record (Xpat and Immigration).
PERMIT_REQUIRED: Final = ("WORK",)
AUTHORISATIONS: Final = {
    "PERMIT": "a visa or permit on record (extension, business, work, family, study)",
    "VISA_ON_ARRIVAL": "the visa on arrival of a visitor (30 days)",
    "NOT_ON_RECORD": "an entry needing a permit (work visa) with none on record",
}
DIMENSIONS: Final = ("REF_DATE", "CITIZENSHIP", "SEX", "AGE", "VISA_TYPE", "AUTHORISATION")
BREAKDOWNS: Final = (
    (),
    ("SEX",),
    ("AGE",),
    ("SEX", "AGE"),
    ("CITIZENSHIP",),
    ("CITIZENSHIP", "SEX"),
    ("VISA_TYPE",),
    ("CITIZENSHIP", "VISA_TYPE"),
    ("AUTHORISATION",),
    ("VISA_TYPE", "AUTHORISATION"),
)


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def observed_references(frame: StatFrame) -> dict[str, dt.date]:
    """The reference dates inside the data period (before it nothing is observed).

    >>> from pathlib import Path
    >>> from migstats.residence import ResidenceRule
    >>> from migstats.stats.frame import reference_dates
    >>> start, end = dt.date(2019, 1, 1), dt.date(2019, 12, 31)
    >>> f = StatFrame(None, Path(), "MDV", start, end, None, ResidenceRule(),
    ...               reference_dates(start, end, None))
    >>> list(f.reference_dates), list(observed_references(f))
    (['year_end_2018', 'year_end_2019'], ['year_end_2019'])
    """
    return {k: v for k, v in frame.reference_dates.items() if v >= frame.period_start}


def _refs_sql(frame: StatFrame) -> str:
    refs = observed_references(frame) or {"none": frame.period_start - dt.timedelta(days=1)}
    rows = ", ".join(f"('{k}', date '{v.isoformat()}')" for k, v in refs.items())
    return f"(select * from (values {rows}) r(reference, reference_date))"


def _permits_sql(frame: StatFrame) -> str:
    parts = [
        f"select person_key, valid_from, valid_to from {view}"
        " where person_key is not null and valid_from is not null and valid_to is not null"
        for view in ("visa", "work_permit")
        if frame.has(view)
    ]
    return " union all ".join(parts) or (
        "select null::varchar as person_key, null::date as valid_from, null::date as valid_to"
    )


def build_overstayers(frame: StatFrame, *, grace_days: int = GRACE_DAYS) -> dict[str, Any]:
    """Create the tables ``overstayer`` and ``overstay_departed`` in the frame's connection.

    ``overstayer``: one row per reference date and observed overstayer (``reference``,
    ``person_key``, ``citizenship``, ``sex``, ``age``, ``visa_type``, ``authorisation``,
    ``arrival`` (null for a stay before the data), ``authorised_until``,
    ``last_record``: the arrival is the person's last record). ``overstay_departed``:
    per reference date, visa type and citizenship, the persons whose last record is a
    departure on or before the date after a stay whose authorisation had ended by then
    (the ``D`` of the module docstring). Returns counts for the metadata.
    """
    con = frame.con
    country = frame.country
    no_visa = _sql_list(NO_VISA)
    start, end = frame.period_start.isoformat(), frame.period_end.isoformat()
    con.execute(f"create or replace temp table overstay_permit as {_permits_sql(frame)}")
    # Stays in the country: each arrival to the next crossing (a missing departure
    # imputed at the midpoint, as the residence rule does), and the stay before a first
    # crossing that is a departure.
    con.execute(
        f"""
        create or replace temp table overstay_stay as
        with foreign_crossing as (
            -- Same-day duplicates once: the record with the lowest id (a hash
            -- aggregate; a window partition would sort every crossing).
            select c.person_key, c.crossing_date, c.direction,
                   arg_min_null(c.visa_type, c.record_id) as visa_type,
                   min(c.record_id) as record_id
            from crossing c join person p using (person_key)
            where p.citizenship is distinct from '{country}'
              and c.crossing_date between date '{start}' and date '{end}'
            group by c.person_key, c.crossing_date, c.direction
        ),
        ordered as (
            select *, lead(crossing_date) over w as next_date,
                   lead(direction) over w as next_direction,
                   lead(direction, 2) over w as after_next, row_number() over w as nr
            from foreign_crossing
            window w as (partition by person_key order by crossing_date, record_id)
        )
        select person_key, crossing_date as arrival, visa_type,
               case next_direction when 'DEP' then next_date
                    when 'ARR' then crossing_date + ((next_date - crossing_date) // 2)::int
               end as departure,
               next_direction is null as last_record,
               next_direction = 'DEP' and after_next is null as departed_last
        from ordered where direction = 'ARR'
        union all
        select person_key, null, visa_type, crossing_date, false, false
        from ordered where nr = 1 and direction = 'DEP'
        """
    )
    visitors = _sql_list(VISITOR_VISAS)
    required = _sql_list(PERMIT_REQUIRED)
    on_arrival = VISA_ON_ARRIVAL_DAYS
    con.execute(
        f"""
        create or replace temp table overstay_present as
        with present as (
            select r.reference, r.reference_date, s.*
            from overstay_stay s join {_refs_sql(frame)} r
              on (s.arrival is null or s.arrival <= r.reference_date)
             and (s.departure is null or r.reference_date < s.departure)
        ),
        permit_at as (
            select p.reference, p.person_key, max(a.valid_to) as permit_until
            from present p join overstay_permit a
              on a.person_key = p.person_key and a.valid_from <= p.reference_date
            group by all
        ),
        on_record as (select distinct person_key from overstay_permit)
        select p.*, pa.permit_until,
               case when coalesce(p.visa_type, '') in ({no_visa}) then null
                    when p.arrival is not null
                      then greatest(p.arrival + {on_arrival}, pa.permit_until)
                    when pa.permit_until is not null then pa.permit_until
                    when o.person_key is null and p.visa_type in ({required})
                      then date '{start}' + {on_arrival - 1}
               end as authorised_until,
               case when pa.permit_until is not null
                         and (p.arrival is null or pa.permit_until > p.arrival + {on_arrival})
                      then 'PERMIT'
                    when p.arrival is not null and p.visa_type in ({visitors})
                      then 'VISA_ON_ARRIVAL'
                    else 'NOT_ON_RECORD' end as authorisation
        from present p left join permit_at pa using (reference, person_key)
        left join on_record o using (person_key)
        """
    )
    if frame.has("work_permit"):
        _continue_renewals(frame)
    age = age_sql("p.date_of_birth", "o.reference_date")
    con.execute(
        f"""
        create or replace temp table overstayer as
        select o.reference, o.reference_date, o.person_key, p.citizenship, p.sex,
               {age} as age, o.visa_type, o.authorisation, o.arrival, o.authorised_until,
               o.last_record
        from overstay_present o join person p using (person_key)
        where o.authorised_until + {grace_days} < o.reference_date
        """
    )
    # Final departures at risk: from the day the stay's authorisation had ended (and the
    # person had left), a missed record of that departure would make an overstayer.
    con.execute(
        f"""
        create or replace temp table overstay_departed as
        with departed as (
            select s.person_key, s.visa_type, s.departure,
                   greatest(s.arrival + {on_arrival}, max(a.valid_to)) as authorised_until
            from overstay_stay s left join overstay_permit a
              on a.person_key = s.person_key and a.valid_from <= s.departure
            where s.departed_last and coalesce(s.visa_type, '') not in ({no_visa})
            group by s.person_key, s.visa_type, s.arrival, s.departure
        ),
        by_day as (
            select d.visa_type, p.citizenship,
                   greatest(d.departure, d.authorised_until + {grace_days} + 1) as at_risk_from,
                   count(*) as persons
            from departed d join person p using (person_key)
            group by all
        )
        select r.reference, b.visa_type, b.citizenship, sum(b.persons)::bigint as departed
        from by_day b join {_refs_sql(frame)} r on b.at_risk_from <= r.reference_date
        group by all
        """
    )
    unknown = con.sql(
        "select reference, count(*) from overstay_present where authorised_until is null"
        f" and coalesce(visa_type, '') not in ({no_visa}) group by 1 order by 1"
    ).fetchall()
    counts = {"stays_with_unknown_authorisation": {str(r): int(n) for r, n in unknown}}
    frame.built["overstayers"] = (grace_days, counts)
    return counts


def _continue_renewals(frame: StatFrame) -> None:
    """Extend a lapsed work permit by its renewal filed under another passport.

    Permits reach the spine through the passport they were issued on; a worker who
    renewed both permit and passport gets the next permit under a passport never seen
    at the border, so it stays off the spine and the worker would look undocumented
    from the day the old permit ended. A permit off the spine for the same employer,
    date of birth and sex that starts the day after the lapsed permit ended is that
    renewal; the holder's later permits under the same passport count too.
    """
    frame.con.execute(
        """
        create or replace temp table overstay_renewal as
        with unplaced as (
            select document_no || '|' || coalesce(nationality_iso3, '') as holder,
                   employer_id, date_of_birth, sex, valid_from, valid_to
            from work_permit
            where person_key is null and document_no is not null
              and valid_from is not null and valid_to is not null
        ),
        lapsed as (
            select distinct o.reference, o.reference_date, o.person_key, o.authorised_until,
                   w.employer_id, w.date_of_birth, w.sex
            from overstay_present o join work_permit w
              on w.person_key = o.person_key and w.valid_to = o.authorised_until
            where o.authorised_until < o.reference_date
        )
        select l.reference, l.person_key, max(later.valid_to) as renewed_until
        from lapsed l
        join unplaced u on u.employer_id = l.employer_id and u.date_of_birth = l.date_of_birth
         and u.sex = l.sex and u.valid_from = l.authorised_until + 1
         and u.valid_from <= l.reference_date
        join unplaced later on later.holder = u.holder and later.valid_from <= l.reference_date
        group by all
        """
    )
    frame.con.execute(
        """
        update overstay_present o set authorised_until = r.renewed_until,
               authorisation = 'PERMIT'
        from overstay_renewal r
        where r.reference = o.reference and r.person_key = o.person_key
          and r.renewed_until > o.authorised_until
        """
    )


def weights_sql(rate: MissedDepartures) -> str:
    """SQL for the ``overstayer`` rows with their estimation weights (module docstring).

    Adds ``weight`` (the person's share in the estimate), ``missed`` (``1 - weight``:
    the chance the person in fact left) and ``at_risk`` (the final departures ``N``
    allotted to the person, for the variance). Needs the tables of
    :func:`build_overstayers`.

    >>> sql = weights_sql(MissedDepartures(missed=1, arrivals_followed=100))
    >>> "least(1.0" in sql
    True
    """
    p = rate.rate
    odds = p / (1 - p) if p < 1 else 0.0
    return f"""
        (with stratum as (
            select o.reference, o.visa_type, o.citizenship,
                   count(*) filter (where o.last_record) as open_arrivals,
                   any_value(d.departed) as departed
            from overstayer o left join overstay_departed d
              on d.reference = o.reference and d.visa_type is not distinct from o.visa_type
             and d.citizenship is not distinct from o.citizenship
            group by all
        ),
        share as (
            select *, coalesce(departed, 0) / {1 - p!r} as at_risk,
                   case when open_arrivals = 0 then 0.0
                        else least(1.0, {odds!r} * coalesce(departed, 0) / open_arrivals)
                   end as q
            from stratum
        )
        select o.*, case when o.last_record then s.q else 0.0 end as missed,
               1.0 - case when o.last_record then s.q else 0.0 end as weight,
               case when o.last_record then s.at_risk / s.open_arrivals else 0.0 end
                 as at_risk
        from overstayer o join share s
          on s.reference = o.reference and s.visa_type is not distinct from o.visa_type
         and s.citizenship is not distinct from o.citizenship)
    """


def _dimensions() -> dict[str, str]:
    return {
        "REF_DATE": "reference",
        "CITIZENSHIP": "citizenship",
        "SEX": "sex",
        "AGE": age_group_sql("age"),
        "VISA_TYPE": "visa_type",
        "AUTHORISATION": "authorisation",
    }


def ensure_overstayers(frame: StatFrame, *, grace_days: int = GRACE_DAYS) -> dict[str, Any]:
    """:func:`build_overstayers` unless the frame's tables are already built with
    ``grace_days`` (the census coverage and tables 5.x both need them); its counts."""
    done = frame.built.get("overstayers")
    if done is not None and done[0] == grace_days:
        return dict(done[1])
    return build_overstayers(frame, grace_days=grace_days)


def build(frame: StatFrame, *, grace_days: int = GRACE_DAYS) -> list[ObservationTable]:
    """Tables 5.1 (indicator) and 5.2 (estimate); see the module docstring."""
    con = frame.con
    counts = ensure_overstayers(frame, grace_days=grace_days)
    found_in_census = _add_found_in_census(frame)
    coverage = census_coverage(frame) if found_in_census else None
    dims = _dimensions()
    indicator = cube(
        con, "overstayer", dims, BREAKDOWNS, always=("REF_DATE",), cell_key="person_key"
    )
    rate = missed_departures(frame)
    weighted = weights_sql(rate)
    prior = build_prior_stays(frame, grace_days=grace_days)
    # The observed overstayers with their weights, and the visitors' stays before the
    # data that may be genuine overstays (weighted by the excess model).
    con.execute(
        f"""
        create or replace temp table overstayer_weighted as
        select *, true as observed, null::varchar as prior_visa, null::bigint as prior_year
        from {weighted}
        union all by name
        select *, false as observed, 0.0 as missed, 0.0 as at_risk from overstay_prior
        """
    )
    aggregates = {
        "observed": "count(*) filter (where observed)",
        "weight": "sum(weight) filter (where observed)",
        "missed": "sum(missed)",
        "at_risk": "sum(at_risk)",
        "open": "count(*) filter (where last_record)",
        "found": f"count(*) filter (where person_key like '{HOLDER_PREFIX}%')",
        "prior": "coalesce(sum(weight) filter (where not observed), 0)",
        **prior.count_aggregates(),
    }
    weighted_cells = cube(
        con,
        "overstayer_weighted",
        dims,
        BREAKDOWNS,
        always=("REF_DATE",),
        cell_key="person_key",
        extra=aggregates,
    )
    columns = {name: weighted_cells.column(name) for name in aggregates}
    estimate = _estimate(weighted_cells, columns, rate, coverage, prior)
    departed = con.sql(
        "select reference, sum(departed)::bigint from overstay_departed group by 1 order by 1"
    ).fetchall()
    unplaced = (
        con.sql(
            "select reference, count(*) from population_status"
            " where evidence = 'expired permit (not on spine)' group by 1 order by 1"
        ).fetchall()
        if _has_table(frame, "population_status")
        else []
    )
    metadata: dict[str, Any] = {
        "definition": (
            "foreigners in the country at the reference date whose authorised stay (visa "
            "on arrival, visas and permits on record, renewals included) ended before the "
            f"date less a grace period of {grace_days} days, with no departure since"
        ),
        "grace_days": grace_days,
        "visa_on_arrival_days": VISA_ON_ARRIVAL_DAYS,
        "authorisation_codes": AUTHORISATIONS,
        "visa_type": "visa type of the last arrival (of the first departure for a stay "
        "that began before the data)",
        "reference_dates": {k: v.isoformat() for k, v in observed_references(frame).items()},
        "reference_dates_left_out": (
            "reference dates before the data period: nobody's stay can be observed then"
        ),
        "rule": frame.rule.metadata(),
        "deaths": "no source records deaths of foreigners: none removed",
        "sources": sorted(frame.sources),
        "context": "the Maldives reported about 63,000 undocumented workers in 2019",
        **counts,
        "expired_permits_never_at_the_border": {str(r): int(n) for r, n in unplaced},
        "found_in_census_never_at_the_border": found_in_census,
    }
    estimate_meta = {
        **metadata,
        "undocumented_stayers": coverage.metadata() if coverage else None,
        "visitors_stays_before_the_data": prior.metadata(),
        "missed_departures": {
            "rate": rate.rate,
            "standard_error": rate.standard_error,
            "missed_departures_seen_between_arrivals": rate.missed,
            "visits_followed_by_an_arrival": rate.arrivals_followed,
            "final_departures_at_risk_by_reference": {str(r): int(n) for r, n in departed},
            "method": (
                "p/(1-p) times the final departures after an authorised stay that had "
                "ended (D), per visa type x citizenship, taken off that stratum's "
                "overstayers whose arrival is their last record, never more than all"
            ),
            "interval": "95%, normal; variance (N se)^2 + m (1 - p) per cell, within "
            "[indicator - overstayers whose arrival is the last record, indicator]",
        },
        "coverage": (
            "persons never seen at the border in the data period (arrived before it, "
            "never left, no permit linked to the spine) are in neither table"
        ),
    }
    return [
        table_from(
            INDICATOR_ID,
            "Overstayers (indicator): foreigners present after their authorised stay ended",
            indicator,
            DIMENSIONS,
            metadata=metadata,
        ),
        table_from(
            ESTIMATE_ID,
            "Overstayers (estimate, corrected for missed and unlinked departures)",
            estimate,
            DIMENSIONS,
            status="E",
            metadata=estimate_meta,
        ),
    ]


def _has_table(frame: StatFrame, name: str) -> bool:
    rows = frame.con.sql(
        "select count(*) from duckdb_tables() where table_name = ?", params=[name]
    ).fetchall()
    return bool(rows[0][0])


def _add_found_in_census(frame: StatFrame) -> int:
    """Add the permit holders found by the census off the spine to ``overstayer``
    (module docstring); returns how many rows were added."""
    if not _has_table(frame, "population_status"):
        return 0
    # Replaced, not added again, when the tables are built a second time.
    frame.con.execute(f"delete from overstayer where person_key like '{HOLDER_PREFIX}%'")
    frame.con.execute(
        f"""
        insert into overstayer
        select reference, reference_date, person_key, citizenship, sex, age, 'WORK',
               'PERMIT', null::date, null::date, false
        from population_status
        where evidence = '{IN_CENSUS}'
          and reference in (select distinct reference from overstay_present)
        """
    )
    return frame.count(f"select count(*) from overstayer where person_key like '{HOLDER_PREFIX}%'")


def _estimate(
    cells: pa.Table,
    columns: dict[str, pa.ChunkedArray],
    rate: MissedDepartures,
    coverage: CensusCoverage | None = None,
    prior: PriorStays | None = None,
) -> pa.Table:
    """The cells' estimates with their 95% intervals (vectorised per cell). ``cells``:
    the cube of the weighted overstayers and visitors' stays before the data."""
    observed = columns["observed"].to_numpy()
    weight = np.nan_to_num(columns["weight"].to_numpy(zero_copy_only=False))
    missed = columns["missed"].to_numpy()
    at_risk = columns["at_risk"].to_numpy()
    open_arrivals = columns["open"].to_numpy()
    p, se = rate.rate, rate.standard_error
    sd = np.sqrt((at_risk * se) ** 2 + missed * (1 - p))
    lower = np.maximum(observed - open_arrivals, weight - Z95 * sd)
    upper = np.minimum(observed, weight + Z95 * sd)
    if coverage is not None:
        # Plus the stayers the census missed, for the holders it found in the cell.
        found = columns["found"].to_numpy().astype(float)
        unseen_lo, unseen_hi = coverage.unseen_interval(found)
        weight = weight + coverage.unseen(1.0) * found
        lower, upper = lower + unseen_lo, upper + unseen_hi
    if prior is not None and prior.bins:
        # Plus the visitors whose stay began before the data and was still going on.
        stayers = columns["prior"].to_numpy()
        counts = {name: columns[name].to_numpy() for name in prior.count_aggregates()}
        prior_lo, prior_hi = prior.interval(stayers, counts)
        weight = weight + stayers
        lower, upper = lower + prior_lo, upper + prior_hi
    keep = [c for c in cells.column_names if c in DIMENSIONS or c == "CELL_KEY"]
    return pa.table(
        {
            **{c: cells.column(c) for c in keep},
            "OBS_VALUE": pa.array(weight, pa.float64()),
            "LOWER": pa.array(np.minimum(lower, weight), pa.float64()),
            "UPPER": pa.array(np.maximum(upper, weight), pa.float64()),
        }
    )


def _total_row(table: ObservationTable, reference: str) -> dict[str, Any] | None:
    data = table.data
    mask = pc.equal(data.column("REF_DATE"), reference)
    for d in table.dimensions:
        if d != "REF_DATE":
            mask = pc.and_(mask, pc.equal(data.column(d), TOTAL))
    rows = data.filter(mask).to_pylist()
    return rows[0] if rows else None


def evaluate(frame: StatFrame, tables: dict[str, ObservationTable]) -> list[Check]:
    """Indicator and estimate totals against the truth's overstayers, every date.

    Goal: the estimate within 10% of the truth, its interval covering it.
    """
    checks = []
    for reference in observed_references(frame):
        truth = frame.count(
            f"select count(*) from truth_status where reference = '{reference}' and overstayer"
        )
        indicator = _total_row(tables[INDICATOR_ID], reference)
        estimate = _total_row(tables[ESTIMATE_ID], reference)
        observed = float(indicator["OBS_VALUE"]) if indicator else 0.0
        checks.append(Check(INDICATOR_ID, f"overstayers observed, {reference}", observed, truth))
        if estimate is None:
            continue
        checks.append(
            Check(
                ESTIMATE_ID,
                f"overstayers estimated, {reference}",
                float(estimate["OBS_VALUE"]),
                float(truth),
                goal=0.10,
                lower=float(estimate["LOWER"]),
                upper=float(estimate["UPPER"]),
            )
        )
    return checks
