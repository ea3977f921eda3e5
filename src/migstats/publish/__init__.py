"""Publication formats of protected tables: SDMX, SDG, Excel, CSV, Data Package, DDI.

The entry points are :func:`write_release` (every public format of a release, with a
manifest) and :func:`write_ddi` (DDI-Codebook 2.5 of the integrated microdata, for the
secure space). See ``docs/publication.md``.
"""

from __future__ import annotations

from migstats.publish.ddi import write_ddi
from migstats.publish.release import ReleaseFile, ReleaseManifest, ReleaseTable, write_release
from migstats.publish.tables import PublishError

__all__ = [
    "PublishError",
    "ReleaseFile",
    "ReleaseManifest",
    "ReleaseTable",
    "write_ddi",
    "write_release",
]
