"""Official statistics from the integrated data: populations at reference dates, stocks,
flows, temporary mobility, migrant workers, overstays, SDG indicators and accounts.

Every table is an :class:`~migstats.stats.cube.ObservationTable` (tidy, SDMX-style);
:mod:`migstats.stats.frame` opens the secure workspace's inputs as DuckDB views.
"""

from __future__ import annotations

from typing import Any

from migstats.stats.cube import ObservationTable, read_table, write_tables

__all__ = ["ObservationTable", "StatFrame", "open_frame", "read_table", "write_tables"]


def __getattr__(name: str) -> Any:
    # The frame needs the project config, and the config the disclosure rules, which
    # use tables from here: importing the frame lazily keeps that from being a cycle.
    if name in ("StatFrame", "open_frame"):
        from migstats.stats import frame

        return getattr(frame, name)
    raise AttributeError(name)
