"""Snapshot manifests and the landing index, as JSON files in the landing zone.

Layout of the landing zone (``<workspace>/landing``)::

    index.json                              latest snapshot of every source, history
    <agency>/<snapshot_id>/<file>           the delivered file, byte for byte (read-only)
    <agency>/<snapshot_id>/<dictionary>     its data dictionary, if configured
    <agency>/<snapshot_id>/manifest.json    what was landed, from where, when

``snapshot_id`` is ``<source>-<16 hex>``: the hex digits start the sha256 of the data
file's and the dictionary's sha256 (see :func:`snapshot_id`), so the same content always
gets the same id and a changed data file *or* dictionary gets a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from migstats.errors import UserInputError
from migstats.storage.atomic import atomic_write_json

MANIFEST = "manifest.json"
INDEX = "index.json"
MANIFEST_VERSION = 1


def snapshot_id(source: str, data_sha256: str, dictionary_sha256: str | None) -> str:
    """The id of a snapshot, from its content.

    >>> snapshot_id("census_2022", "ab" * 32, None)
    'census_2022-dd0407d8ee989254'
    """
    content = f"data:{data_sha256}\ndictionary:{dictionary_sha256 or '-'}\n".encode()
    return f"{source}-{hashlib.sha256(content).hexdigest()[:16]}"


@dataclass(frozen=True)
class LandedFile:
    """A file in a snapshot, as landed: its name, size and sha256."""

    name: str
    bytes: int
    sha256: str
    #: The delivery's object in the store: location and ETag when it was landed.
    location: str
    etag: str


@dataclass(frozen=True)
class SnapshotManifest:
    """What one snapshot holds and where it came from (``manifest.json``)."""

    snapshot_id: str
    source: str
    kind: str
    agency: str
    landed_at: str
    data: LandedFile
    rows: int
    format: str
    encoding: str
    delimiter: str
    sheet: str | None
    dictionary: LandedFile | None
    store_kind: str
    previous_snapshot: str | None
    migstats_version: str
    manifest_version: int = MANIFEST_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SnapshotManifest:
        values = dict(data)
        values["data"] = LandedFile(**values["data"])
        if values.get("dictionary") is not None:
            values["dictionary"] = LandedFile(**values["dictionary"])
        return cls(**values)


@dataclass(frozen=True)
class Snapshot:
    """A landed snapshot folder and its manifest, as the readers use it.

    >>> # snap = load_snapshot(latest_snapshot(cfg, "border_crossings"))
    >>> # read_raw(snap.data_path, snap.manifest.format, encoding=snap.manifest.encoding)
    """

    path: Path
    manifest: SnapshotManifest

    @property
    def data_path(self) -> Path:
        """The delivered data file inside the snapshot."""
        return self.path / self.manifest.data.name

    @property
    def dictionary_path(self) -> Path | None:
        """The delivered data dictionary, if the source has one."""
        d = self.manifest.dictionary
        return None if d is None else self.path / d.name


def load_snapshot(path: Path) -> Snapshot:
    """Read the manifest of the snapshot folder ``path``."""
    file = path / MANIFEST
    if not file.is_file():
        raise UserInputError(
            "Not a landing snapshot", f"{file} does not exist", "land the source again"
        )
    return Snapshot(path, SnapshotManifest.from_dict(json.loads(file.read_text("utf-8"))))


@dataclass
class SourceHistory:
    """The index entry of one source: its snapshots in landing order and the latest."""

    agency: str
    latest: str
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    #: The store's ETags of data and dictionary when ``latest`` was last confirmed:
    #: if they still match, the delivery is unchanged and is not downloaded again.
    etag: str = ""
    dictionary_etag: str | None = None


@dataclass
class LandingIndex:
    """``landing/index.json``: every source's snapshots and the latest one."""

    sources: dict[str, SourceHistory] = field(default_factory=dict)

    @classmethod
    def read(cls, landing: Path) -> LandingIndex:
        file = landing / INDEX
        if not file.is_file():
            return cls()
        data = json.loads(file.read_text("utf-8"))
        return cls({name: SourceHistory(**entry) for name, entry in data["sources"].items()})

    def write(self, landing: Path) -> None:
        data = {
            "index_version": 1,
            "sources": {name: asdict(entry) for name, entry in sorted(self.sources.items())},
        }
        atomic_write_json(landing / INDEX, data)
