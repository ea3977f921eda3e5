"""How often a departure goes unrecorded (or unlinked), estimated from the data itself.

A visitor whose departure record is missing looks like somebody who stayed: with no
crossing after the arrival, the residence rule makes the arrival a long-term
immigration, and the visitor an overstayer. A missing *final* departure can never be
seen, but a missing departure *between two arrivals* can: the rule's repair step
imputes it (``missing_dep_imputed``). Records go missing at random with respect to
what comes after them, so among visits followed by a later arrival (where a missing
departure would show), the share whose departure was imputed estimates the
probability ``p`` that a departure record is missing: ``p = missed / (missed +
recorded departures followed by an arrival)``. The expected number of missed final
departures in a group of ``n`` arrivals is then ``p * n``, with a binomial standard
error.

>>> r = MissedDepartures(missed=4, arrivals_followed=1000)  # visits with a later arrival
>>> round(r.rate, 4), round(r.standard_error, 5)
(0.004, 0.002)
>>> lo, hi = r.expected_interval(10_000)
>>> round(r.expected(10_000)), round(lo), round(hi)
(40, 0, 81)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from migstats.stats.frame import StatFrame

__all__ = ["MissedDepartures", "missed_departures"]

#: Normal quantile of a two-sided 95% interval.
Z95 = 1.959964


@dataclass(frozen=True)
class MissedDepartures:
    """Counts behind the missed-departure rate (see the module docstring):
    ``arrivals_followed`` counts visits followed by a later arrival."""

    missed: int
    arrivals_followed: int

    @property
    def rate(self) -> float:
        return self.missed / self.arrivals_followed if self.arrivals_followed else 0.0

    @property
    def standard_error(self) -> float:
        n = self.arrivals_followed
        if not n:
            return 0.0
        # Wilson-style floor: a rate estimated as 0 still has uncertainty.
        p = max(self.rate, 1.0 / n)
        return math.sqrt(p * (1 - p) / n)

    def expected(self, arrivals: float) -> float:
        """Expected missed final departures among ``arrivals`` arrivals."""
        return self.rate * arrivals

    def expected_interval(self, arrivals: float) -> tuple[float, float]:
        """95% interval of :meth:`expected` (rate uncertainty and binomial noise)."""
        mean = self.expected(arrivals)
        sd = math.sqrt(
            (arrivals * self.standard_error) ** 2 + arrivals * self.rate * (1 - self.rate)
        )
        return max(0.0, mean - Z95 * sd), mean + Z95 * sd


def missed_departures(frame: StatFrame, *, citizens: bool | None = False) -> MissedDepartures:
    """The missed-departure counts over the ``event`` view.

    ``citizens``: False (default) counts foreigners' crossings only, True citizens'
    only, None everybody. Worked out once per frame and events (four tables need it;
    each count is a pass over every crossing).
    """
    done: dict[bool | None, MissedDepartures] = frame.built.setdefault("missed_departures", {})
    if citizens not in done:
        done[citizens] = _count_missed(frame, citizens)
    return done[citizens]


def _count_missed(frame: StatFrame, citizens: bool | None) -> MissedDepartures:
    who = ""
    if citizens is not None:
        op = "=" if citizens else "<>"
        who = f" and p.citizenship {op} '{frame.country}'"
    rows = frame.con.sql(
        f"""
        with ordered as (
            select e.person_key, e.direction, e.repair,
                   lead(e.direction) over w as next_direction,
                   lead(e.repair) over w as next_repair,
                   lead(e.direction, 2) over w as after_next
            from event e join person p using (person_key)
            where coalesce(e.repair, '') <> 'outside_period'{who}
            window w as (partition by e.person_key order by e.crossing_date, e.seq)
        )
        select count(*) filter (where missed),
               count(*) filter (where missed or next_direction = 'DEP' and after_next = 'ARR')
        from (select *, next_direction = 'ARR' and next_repair = 'missing_dep_imputed'
                        as missed
              from ordered where direction = 'ARR' and coalesce(repair, '') <> 'duplicate')
        """
    ).fetchall()
    missed, followed = rows[0]
    return MissedDepartures(int(missed or 0), int(followed or 0))
