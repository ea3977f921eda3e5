"""Storage and landing: where deliveries come from and the immutable landing zone.

* :class:`LocalStore` and :class:`S3Store` (any S3-compatible server; boto3 is the
  ``s3`` extra) share the :class:`Store` interface; :func:`store_for` builds the one a
  project file describes.
* :func:`land` copies each source's delivery into a content-addressed, read-only
  snapshot with a manifest; :func:`latest_snapshot` and :func:`load_snapshot` give the
  readers the landed files.
* :mod:`migstats.storage.policy` writes bucket policies: each agency writes only under
  its own prefix.

Everything logs under ``migstats.storage``.

>>> import tempfile, pathlib
>>> store = LocalStore(pathlib.Path(tempfile.mkdtemp()))
>>> store.put("nrd/register.csv", b"ID\\n1\\n2\\n").size
7
"""

from __future__ import annotations

from migstats.storage.base import ObjectInfo, ObjectNotFoundError, Store
from migstats.storage.counting import count_rows
from migstats.storage.factory import store_for
from migstats.storage.landing import (
    LandedSource,
    LandingReport,
    land,
    landing_dir,
    latest_snapshot,
)
from migstats.storage.local import LocalStore
from migstats.storage.manifest import Snapshot, SnapshotManifest, load_snapshot, snapshot_id
from migstats.storage.s3 import S3Store

__all__ = [
    "LandedSource",
    "LandingReport",
    "LocalStore",
    "ObjectInfo",
    "ObjectNotFoundError",
    "S3Store",
    "Snapshot",
    "SnapshotManifest",
    "Store",
    "count_rows",
    "land",
    "landing_dir",
    "latest_snapshot",
    "load_snapshot",
    "snapshot_id",
    "store_for",
]
