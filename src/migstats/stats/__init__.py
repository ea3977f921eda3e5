"""Official statistics from the integrated data: populations at reference dates, stocks,
flows, temporary mobility, migrant workers, overstays, SDG indicators and accounts.

Every table is an :class:`~migstats.stats.cube.ObservationTable` (tidy, SDMX-style);
:mod:`migstats.stats.frame` opens the secure workspace's inputs as DuckDB views.
"""

from migstats.stats.cube import ObservationTable, read_table, write_tables
from migstats.stats.frame import StatFrame, open_frame

__all__ = ["ObservationTable", "StatFrame", "open_frame", "read_table", "write_tables"]
