"""Record linkage and the person spine (Splink, DuckDB backend).

Public API:

- :func:`deduplicate_border`: border records -> travellers (same document and
  nationality) -> persons (Splink Fellegi-Sunter model, clustered at a threshold) ->
  ``integrated/person.parquet`` and ``integrated/crossing.parquet``, a reusable model
  file, a clerical review file and a quality report;
- :func:`link_census` and :class:`CensusLink`: census foreigners linked one-to-one to
  spine persons present on census night (``integrated/census_person.parquet``);
- :func:`link_register` and :class:`RegisterLink`: register citizens to spine persons and
  census records (``integrated/register_person.parquet``, ``register_census.parquet``);
- :func:`residence_crossings`: the spine's crossings as the residence engine reads them;
- :func:`pairwise_scores` and :class:`PairwiseScores`: precision and recall of a
  clustering against a truth;
- :class:`LinkSettings`: threshold, review band, training sample size, seed.

Logs go to the ``migstats.link`` logger.
"""

from __future__ import annotations

from migstats.link.census import CensusLink, link_census
from migstats.link.pipeline import BorderLinkage, LinkSettings, deduplicate_border
from migstats.link.quality import PairwiseScores, pairwise_scores
from migstats.link.register import RegisterLink, link_register
from migstats.link.spine import residence_crossings

__all__ = [
    "BorderLinkage",
    "CensusLink",
    "LinkSettings",
    "PairwiseScores",
    "RegisterLink",
    "deduplicate_border",
    "link_census",
    "link_register",
    "pairwise_scores",
    "residence_crossings",
]
