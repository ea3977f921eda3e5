"""Residence stage: the outcomes-based 12/16-month rule on border crossings.

Was a traveller resident before and after each border crossing? Statistics New Zealand
and the Australian Bureau of Statistics answer it by what the traveller did afterwards
(../shared/DOMAIN.md section 3). This package does the same, exactly, on tables of any
size and on either engine, and is honest where the data end: what cannot be known yet is
``unknown``, with a ``date_final`` wherever it is known.

Public API:

- :class:`ResidenceRule`: window and threshold (487/365 by default).
- :func:`classify`: statuses before and after every crossing, long-term flags, date
  final, repairs and initial-status sources, in input order.
- :func:`long_term_migrations`: the long-term immigration and emigration events.
- :func:`read_crossings`, :func:`write_classified`: CSV/Parquet in and out, with the
  rule's metadata written into every output.
"""

from __future__ import annotations

from migstats.residence.classify import (
    METADATA_KEY,
    OUTPUT_COLUMNS,
    Classification,
    classify,
    run_classification,
)
from migstats.residence.events import long_term_migrations
from migstats.residence.io import read_crossings, write_classified
from migstats.residence.rule import INITIAL_SOURCES, REPAIR_CODES, STATUS_NAMES, ResidenceRule

__all__ = [
    "INITIAL_SOURCES",
    "METADATA_KEY",
    "OUTPUT_COLUMNS",
    "REPAIR_CODES",
    "STATUS_NAMES",
    "Classification",
    "ResidenceRule",
    "classify",
    "long_term_migrations",
    "read_crossings",
    "run_classification",
    "write_classified",
]
