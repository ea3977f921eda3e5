"""Visitors whose stay began before the data: how many were overstaying.

A visitor (tourist or business visa) whose first record in the data is a departure
either arrived before the data began and stayed until then, or arrived during the
data on a record that was not linked to them (a typing variant, a passport the linkage
did not join). With no visa or permit on record, :mod:`migstats.stats.overstay` cannot
tell the two apart person by person: their authorisation is unknown, and the 5.1
indicator leaves them out. Yet the first group is there. A visitor who arrived before
the data and is still in the country a year later has overstayed the 30 days of their
visa on arrival.

**The excess of first departures.** Unlinked arrivals occur at a steady rate per
departure, so they make a fixed share ``r`` of each period's visitor departures.
Genuine stays that began before the data end within a few years: a visitor's
overstay that began before the data is taken as over by :data:`HORIZON_DAYS` (three
years) after the data start. So ``r`` is measured on the departures from then on
(the *baseline*): ``r = f / D`` with ``f`` the first departures and ``D`` all
departures there. In each earlier year ``b`` of the data (years counted from the data
start) the genuine stays number ``E_b = f_b - r D_b``. Each first departure of year
``b`` weighs ``w_b = max(E_b, 0) / f_b``, the chance it ends a genuine stay. Visa
types are kept apart (their departures differ in kind).

**In table 5.2** a stay before the data with unknown authorisation, no visa or permit
on record and a departure in year ``b``, counts ``w_b`` at each reference date it
spans from 30 days after the data start. ``VISA_TYPE`` is that of the departure,
``AUTHORISATION`` ``VISA_ON_ARRIVAL``. The stays go only into cells that 5.1 has
(an observed overstayer on a visa on arrival with the same reference date,
citizenship, sex, age group and visa type): a cell of estimated persons alone would be
published with no observed count to take its protection from. The weight of the
stays left out is shared over the kept stays of the same reference date, visa type
and year (each kept stay then stands for ``prior_scale`` stays, in its weight and in
the counts below), so totals do not change; a year with no stay kept loses its
weight, and the metadata says how much. A cell holding ``m_b`` (scaled) of year ``b``'s first
departures (``s_b = m_b / f_b``) has variance ``sum_b s_b^2 f_b +
(sum_b s_b D_b)^2 var(r)``. This takes ``f_b`` and the baseline's ``f`` as Poisson
counts, and the cell's shares as fixed. Years whose excess is negative keep their
variance but weigh 0.

With less than a year of data after the horizon, no baseline exists and nothing is
estimated (the metadata says so).

>>> bins = YearBins("TOURIST", year=[1, 2], first=[1000, 500], departures=[100_000, 110_000])
>>> prior = PriorStays([bins], {"TOURIST": (440, 100_000)})
>>> [round(w, 3) for w in prior.weights("TOURIST")]
[0.56, 0.032]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from migstats.stats.cube import age_group_sql, age_sql
from migstats.stats.frame import StatFrame
from migstats.stats.initial import VISITOR_VISAS

__all__ = ["HORIZON_DAYS", "PriorStays", "YearBins", "build_prior_stays"]

#: Days after the data start by which a visitor's stay begun before the data has ended.
HORIZON_DAYS: Final = 3 * 365
#: Length of a year bin (days from the data start).
YEAR_DAYS: Final = 365
#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class YearBins:
    """One visa type's first departures (``first``, ``f_b``) and all departures
    (``departures``, ``D_b``) in the years before the horizon (``year``, ``b``)."""

    visa_type: str
    year: list[int]
    first: list[int]
    departures: list[int]


@dataclass(frozen=True)
class PriorStays:
    """The excess model: year bins per visa type and each visa type's baseline
    ``(first departures, departures)`` after the horizon."""

    bins: list[YearBins]
    baseline: dict[str, tuple[int, int]]
    horizon: dt.date | None = None
    notes: list[str] = field(default_factory=list)

    def rate(self, visa_type: str) -> float:
        """``r``: unlinked first departures per departure, from the baseline."""
        f, d = self.baseline.get(visa_type, (0, 0))
        return f / d if d else 0.0

    def rate_variance(self, visa_type: str) -> float:
        f, d = self.baseline.get(visa_type, (0, 0))
        return f / d**2 if d else 0.0

    def excess(self, visa_type: str) -> list[float]:
        """``E_b`` for each year bin of ``visa_type``."""
        r = self.rate(visa_type)
        b = self._bins(visa_type)
        return [f - r * d for f, d in zip(b.first, b.departures, strict=True)]

    def weights(self, visa_type: str) -> list[float]:
        """``w_b = max(E_b, 0) / f_b`` for each year bin of ``visa_type``."""
        b = self._bins(visa_type)
        return [
            max(e, 0.0) / f if f else 0.0
            for e, f in zip(self.excess(visa_type), b.first, strict=True)
        ]

    def _bins(self, visa_type: str) -> YearBins:
        for b in self.bins:
            if b.visa_type == visa_type:
                return b
        return YearBins(visa_type, [], [], [])

    def keys(self) -> list[tuple[str, int]]:
        """(visa type, year) of every bin, the names of the per-cell counts."""
        return [(b.visa_type, y) for b in self.bins for y in b.year]

    def count_aggregates(self) -> dict[str, str]:
        """SQL aggregates counting a cell's rows in each bin (for :meth:`variance`)."""
        return {
            _column(v, y): (
                f"coalesce(sum(prior_scale) filter (where prior_visa = '{v}'"
                f" and prior_year = {y}), 0)"
            )
            for v, y in self.keys()
        }

    def variance(self, counts: dict[str, np.ndarray]) -> np.ndarray:
        """Each cell's variance from its counts per bin (module docstring)."""
        total: np.ndarray | None = None
        for b in self.bins:
            var_r = self.rate_variance(b.visa_type)
            spread: np.ndarray | None = None
            for y, f, d in zip(b.year, b.first, b.departures, strict=True):
                m = counts[_column(b.visa_type, y)]
                share = m / f if f else np.zeros_like(m)
                part = share**2 * f
                total = part if total is None else total + part
                spread = share * d if spread is None else spread + share * d
            if spread is not None and total is not None:
                total = total + spread**2 * var_r
        if total is None:
            return np.zeros(len(next(iter(counts.values()), [])))
        return total

    def interval(
        self, value: np.ndarray, counts: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """95% bounds ``(lower, upper)`` of the cells' estimated stayers ``value``."""
        sd = np.sqrt(self.variance(counts))
        return np.maximum(value - Z95 * sd, 0.0), value + Z95 * sd

    def metadata(self) -> dict[str, Any]:
        return {
            "method": (
                "first departures of visitors with no arrival in the data and no visa "
                "or permit on record, in excess of the share r of all visitor "
                "departures that unlinked arrivals make after the horizon; each "
                "first departure of a year weighs that year's excess / its first "
                "departures"
            ),
            "horizon": self.horizon.isoformat() if self.horizon else None,
            "by_visa_type": {
                b.visa_type: {
                    "unlinked_rate": self.rate(b.visa_type),
                    "baseline_first_departures": self.baseline.get(b.visa_type, (0, 0))[0],
                    "baseline_departures": self.baseline.get(b.visa_type, (0, 0))[1],
                    "years": {
                        str(y): {"first_departures": f, "departures": d, "excess": round(e, 1)}
                        for y, f, d, e in zip(
                            b.year, b.first, b.departures, self.excess(b.visa_type), strict=True
                        )
                    },
                }
                for b in self.bins
            },
            "notes": self.notes,
        }


def _column(visa_type: str, year: int) -> str:
    return f"prior_{visa_type}_{year}"


def build_prior_stays(frame: StatFrame, *, grace_days: int = 0) -> PriorStays:
    """Fit the excess model and create the table ``overstay_prior``.

    ``overstay_prior`` has one row per reference date and stay before the data that
    could be a genuine overstay, with the ``overstayer`` table's columns and ``weight``,
    ``prior_visa`` and ``prior_year`` (its bin). It needs the tables of
    :func:`migstats.stats.overstay.build_overstayers`.
    """
    con = frame.con
    start = frame.period_start
    horizon = start + dt.timedelta(days=HORIZON_DAYS)
    visitors = ", ".join(f"'{v}'" for v in VISITOR_VISAS)
    year = f"(departure - date '{start.isoformat()}') // {YEAR_DAYS}"
    horizon_year = HORIZON_DAYS // YEAR_DAYS
    columns = (
        "reference, reference_date, person_key, citizenship, sex, age, visa_type,"
        " authorisation, arrival, authorised_until, last_record, weight, prior_visa,"
        " prior_year"
    )
    empty = f"create or replace temp table overstay_prior as select {columns} from ("
    if frame.period_end < horizon + dt.timedelta(days=YEAR_DAYS):
        con.execute(
            f"{empty}select *, 0.0 as weight, '' as prior_visa, 0 as prior_year"
            " from overstayer) where false"
        )
        note = f"less than a year of data after {horizon}: no baseline, nothing estimated"
        return PriorStays([], {}, horizon, [note])
    rows = con.sql(
        f"""
        with unrecorded as (
            select person_key from overstay_stay where arrival is null
            except select person_key from overstay_permit
        ),
        stays as (
            select s.visa_type, {year} as year,
                   count(*) filter (where s.arrival is null
                                    and s.person_key in (select person_key from unrecorded))
                     as first,
                   count(*) as departures
            from overstay_stay s
            where s.departure is not null and s.visa_type in ({visitors})
            group by all
        )
        select visa_type, year >= {horizon_year} as baseline, year, first, departures
        from stays order by visa_type, year
        """
    ).fetchall()
    baseline: dict[str, tuple[int, int]] = {}
    early: dict[str, YearBins] = {}
    for visa, is_baseline, yr, first, departures in rows:
        if is_baseline:
            f, d = baseline.get(visa, (0, 0))
            baseline[visa] = (f + int(first), d + int(departures))
        elif yr >= 0:
            b = early.setdefault(visa, YearBins(visa, [], [], []))
            b.year.append(int(yr))
            b.first.append(int(first))
            b.departures.append(int(departures))
    model = PriorStays(sorted(early.values(), key=lambda b: b.visa_type), baseline, horizon)
    weights = [
        f"('{b.visa_type}', {y}, {w!r}::double)"
        for b in model.bins
        for y, w in zip(b.year, model.weights(b.visa_type), strict=True)
    ] or ["(null, null, 0.0)"]
    first_day_over = start + dt.timedelta(days=29 + grace_days)
    age = age_sql("p.date_of_birth", "o.reference_date")
    con.execute(
        f"""
        create or replace temp table overstay_prior_all as
        with weight(prior_visa, prior_year, weight) as (values {", ".join(weights)})
        select o.reference, o.reference_date, o.person_key, p.citizenship, p.sex,
               {age} as age, o.visa_type, 'VISA_ON_ARRIVAL' as authorisation,
               null::date as arrival, null::date as authorised_until, false as last_record,
               w.weight, w.prior_visa, w.prior_year,
               exists (
                   select 1 from overstayer s
                   where s.reference = o.reference and s.authorisation = 'VISA_ON_ARRIVAL'
                     and s.visa_type is not distinct from o.visa_type
                     and s.citizenship is not distinct from p.citizenship
                     and s.sex is not distinct from p.sex
                     and {age_group_sql("s.age")} = {age_group_sql(age)}
               ) as in_observed_cell
        from overstay_present o join person p using (person_key)
        join weight w on w.prior_visa = o.visa_type and w.prior_year = {year}
        where o.arrival is null and o.authorised_until is null
          and o.reference_date > date '{first_day_over.isoformat()}'
          and o.person_key not in (select person_key from overstay_permit)
        """
    )
    # Only into cells 5.1 has (see the module docstring); each kept stay stands for
    # ``prior_scale`` stays of its reference date, visa type and year.
    con.execute(
        """
        create or replace temp table overstay_prior as
        select * exclude (in_observed_cell, bin_all, bin_kept, weight),
               weight * bin_all / bin_kept as weight, bin_all / bin_kept as prior_scale
        from (
            select *,
                   count(*) over bin as bin_all,
                   count(*) filter (where in_observed_cell) over bin as bin_kept
            from overstay_prior_all
            window bin as (partition by reference, prior_visa, prior_year)
        )
        where in_observed_cell
        """
    )
    lost = con.sql(
        "select reference, sum(weight) from overstay_prior_all a where not exists ("
        " select 1 from overstay_prior k where k.reference = a.reference"
        " and k.prior_visa = a.prior_visa and k.prior_year = a.prior_year)"
        " group by 1 having sum(weight) > 0 order by 1"
    ).fetchall()
    if lost:
        model.notes.append(
            "weight of stays in years with no stay in a cell of 5.1, not placed: "
            + ", ".join(f"{r} {float(w):.1f}" for r, w in lost)
        )
    return model
