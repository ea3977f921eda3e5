"""Dual-system estimate of the undocumented long-stayers no border record shows.

A foreign worker who arrived before the data began, never crossed during it and whose
work permits all expired is invisible at the border: the border data cannot tell a
holder who stayed on without a permit from one who left before the data began. The
census is a second, independent system: the holders it found (evidence
:data:`~migstats.stats.population.IN_CENSUS`, linked by :mod:`migstats.link.holders`)
were in the country. With ``c`` the census's coverage of comparable residents, the
stayers number ``f / c`` for ``f`` found, so ``f (1 - c) / c`` were missed by the
census as well; the stock and overstay tables add them (Petersen / Chandra
Sekar-Deming estimator, assuming the census misses these holders as often as other
undocumented workers).

``c`` is estimated on census night on the residents most like the unseen holders:
the workers the border data shows in the country after their work visa or permit
lapsed (overstayers of :mod:`migstats.stats.overstay` with an arrival in the data,
``WORK`` visa, ``PERMIT`` lapsed). ``c`` is the share of them linked to a census
record. Undocumented workers avoid the census more than documented ones (the 2022
census counted about 65% of the foreigners in immigration records, fewer of those
without papers), so the coverage of all work-visa residents would overstate it and
undercount the unseen. Where fewer than :data:`MIN_COMPARABLE` such overstayers are
seen, all work-visa residents shown by the border are used instead, and the metadata
says which. Census misses and linkage misses both lower ``c``, and both affect the
holders alike (they were found by a link too), so no separate correction is made.

>>> cov = CensusCoverage(found=80, covered=600, comparable=1000)
>>> round(cov.rate, 2), round(cov.unseen(80), 1)
(0.6, 53.3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from migstats.stats.frame import StatFrame
from migstats.stats.population import IN_CENSUS

__all__ = ["COMPARABLE_GROUPS", "MIN_COMPARABLE", "CensusCoverage", "census_coverage"]

#: Fewest comparable residents for the coverage of undocumented workers to be used.
MIN_COMPARABLE: Final = 50
#: The groups whose census coverage may stand for the unseen holders', best first.
COMPARABLE_GROUPS: Final = {
    "undocumented workers": "residents on census night whom the border shows in the "
    "country after their work visa or permit lapsed (overstayers with an arrival)",
    "work-visa residents": "residents on census night shown by the border whose last "
    "arrival was on a work visa",
}

#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class CensusCoverage:
    """Census coverage ``covered / comparable``; ``found``: holders found on census night;
    ``group``: which of :data:`COMPARABLE_GROUPS` the coverage was measured on."""

    found: int
    covered: int
    comparable: int
    group: str = "undocumented workers"

    @property
    def rate(self) -> float:
        return self.covered / self.comparable if self.comparable else 1.0

    @property
    def standard_error(self) -> float:
        c = self.rate
        return math.sqrt(c * (1 - c) / self.comparable) if self.comparable else 0.0

    def unseen(self, found: float) -> float:
        """Expected stayers the census missed, for ``found`` holders it found."""
        c = self.rate
        return found * (1 - c) / c if c > 0 else 0.0

    def unseen_interval(self, found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """95% bounds of :meth:`unseen` per cell (vectorised over cells).

        The variance adds the capture process's, ``f (1 - c) / c^2``, and that of the
        coverage estimate by the delta method, ``(f / c^2)^2 se(c)^2``.
        """
        c = self.rate
        if c <= 0:
            zeros = np.zeros_like(found, dtype=float)
            return zeros, zeros
        point = found * (1 - c) / c
        sd = np.sqrt(found * (1 - c) / c**2 + (found / c**2) ** 2 * self.standard_error**2)
        return np.maximum(point - Z95 * sd, 0.0), point + Z95 * sd

    def metadata(self) -> dict[str, Any]:
        return {
            "method": (
                "dual-system estimate: permit holders off the spine whose permits all "
                "predate the data and expired, found by the census, divided by the "
                f"census coverage of the comparable residents: {self.group}"
            ),
            "comparable_group": self.group,
            "comparable_group_definition": COMPARABLE_GROUPS[self.group],
            "holders_found_in_census_on_census_night": self.found,
            "coverage": self.rate,
            "coverage_standard_error": self.standard_error,
            "comparable_residents": self.comparable,
            "comparable_residents_in_census": self.covered,
            "unseen_on_census_night": self.unseen(self.found),
        }


def census_coverage(frame: StatFrame) -> CensusCoverage | None:
    """The census coverage on census night (None without a census or population table).

    Builds the frame's overstayer tables (:func:`migstats.stats.overstay.build_overstayers`)
    if no table has yet.
    """
    if not frame.has("census") or frame.census_night is None:
        return None
    from migstats.stats.overstay import ensure_overstayers  # overstay uses this module

    ensure_overstayers(frame)
    in_census = "person_key in (select person_key from census where person_key is not null)"
    found = frame.count(
        "select count(*) from population_status"
        f" where reference = 'census_night' and evidence = '{IN_CENSUS}'"
    )
    # Workers seen overstaying, once each (a person is one overstayer per date).
    comparable, covered = frame.con.sql(
        f"""
        select count(*), count(*) filter (where {in_census})
        from (select distinct o.person_key from overstayer o
              join population_status p using (reference, person_key)
              where o.reference = 'census_night' and o.visa_type = 'WORK'
                and o.authorisation = 'PERMIT' and o.arrival is not null and p.resident)
        """
    ).fetchall()[0]
    if comparable >= MIN_COMPARABLE:
        return CensusCoverage(found=found, covered=int(covered), comparable=int(comparable))
    comparable, covered = frame.con.sql(
        f"""
        select count(*), count(*) filter (where {in_census})
        from population_status
        where reference = 'census_night' and resident and not is_citizen
          and evidence = 'border' and visa_type = 'WORK'
        """
    ).fetchall()[0]
    return CensusCoverage(found, int(covered), int(comparable), "work-visa residents")
