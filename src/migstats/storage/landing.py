"""Landing: each delivery becomes an immutable, content-addressed snapshot.

For every configured source, :func:`land` copies the delivered file and its data
dictionary from the store into ``<workspace>/landing/<agency>/<snapshot_id>/`` (layout in
:mod:`migstats.storage.manifest`), counting rows and computing the sha256 while the bytes
stream past, so a 3 GB extract is read once and never held in memory.

* Same content again: nothing is written, the source is reported ``unchanged``. When
  the store's ETag still matches the latest snapshot, the object is not even read.
* Changed content: a new snapshot; older ones are kept. Content equal to an older
  snapshot makes that one the latest again (``restored``).
* Atomic: a snapshot is assembled in ``landing/.staging/`` and renamed into place whole,
  so a crash leaves no half snapshot in view; the index is replaced atomically after
  each source. Snapshot files are made read-only.
* One landing at a time per workspace (a lock file); a second one fails at once.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from migstats import __version__
from migstats.config import ProjectConfig, SourceSection
from migstats.errors import UserInputError
from migstats.storage.atomic import atomic_write_json, fsync_dir, make_read_only, make_writable
from migstats.storage.base import CHUNK_SIZE, ObjectInfo, ObjectNotFoundError, Store
from migstats.storage.counting import CsvRecordCounter, count_rows
from migstats.storage.factory import store_for
from migstats.storage.manifest import (
    MANIFEST,
    LandedFile,
    LandingIndex,
    SnapshotManifest,
    SourceHistory,
    load_snapshot,
    snapshot_id,
)

log = logging.getLogger("migstats.storage")

LANDING = "landing"
STAGING = ".staging"
LOCK = ".lock"

Status = Literal["new", "unchanged", "restored"]
#: Called as ``progress(source_name, bytes_done, bytes_total)`` while a file is copied.
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LandedSource:
    """The outcome of landing one source."""

    source: str
    agency: str
    snapshot_id: str
    status: Status
    #: The snapshot folder.
    path: Path
    bytes: int
    rows: int
    sha256: str
    seconds: float


@dataclass(frozen=True)
class LandingReport:
    """What one :func:`land` call did, source by source."""

    landed: tuple[LandedSource, ...]

    def __getitem__(self, source: str) -> LandedSource:
        for item in self.landed:
            if item.source == source:
                return item
        raise KeyError(source)

    def count(self, status: Status) -> int:
        """How many sources ended with ``status``."""
        return sum(item.status == status for item in self.landed)

    def to_dict(self) -> dict[str, Any]:
        return {"landed": [{**asdict(x), "path": str(x.path)} for x in self.landed]}


def landing_dir(cfg: ProjectConfig) -> Path:
    """The landing zone of the project's workspace."""
    return cfg.workspace / LANDING


def latest_snapshot(cfg: ProjectConfig, source_name: str) -> Path:
    """The folder of the latest snapshot of a source (holding file, dictionary, manifest).

    Use :func:`~migstats.storage.load_snapshot` on it for the file paths and manifest.

    >>> # folder = latest_snapshot(cfg, "border_crossings")
    >>> # load_snapshot(folder).data_path  # .../landing/immigration/border_crossings-<hex>/...
    """
    src = cfg.source(source_name)
    landing = landing_dir(cfg)
    entry = LandingIndex.read(landing).sources.get(src.name)
    folder = None if entry is None else landing / entry.agency / entry.latest
    if folder is None or not (folder / MANIFEST).is_file():
        raise UserInputError(
            f"Source {src.name!r} has not been landed",
            f"no snapshot in {landing}",
            f"run `migstats land --config PROJECT.yaml --source {src.name}` first",
        )
    return folder


def land(
    cfg: ProjectConfig,
    sources: Sequence[str] | None = None,
    *,
    store: Store | None = None,
    rehash: bool = False,
    progress: ProgressCallback | None = None,
) -> LandingReport:
    """Land the configured sources (all, or those named) into the workspace.

    ``store`` defaults to :func:`store_for` ``(cfg)``; ``rehash`` reads every delivery even
    when its ETag says it is unchanged. Every missing file is reported at once, before
    anything is copied.

    >>> # report = land(load_config(Path("project.yaml")))
    >>> # [(x.source, x.status, x.rows) for x in report.landed]
    """
    chosen = [cfg.source(name) for name in sources] if sources else list(cfg.sources)
    store = store if store is not None else store_for(cfg)
    landing = landing_dir(cfg)
    landing.mkdir(parents=True, exist_ok=True)
    results = []
    with _exclusive(landing):
        _clean_staging(landing)
        try:
            deliveries = _locate(store, chosen)
            index = LandingIndex.read(landing)
            for src, (data, dictionary) in zip(chosen, deliveries, strict=True):
                item = _land_source(store, src, data, dictionary, landing, index, rehash, progress)
                results.append(item)
                index.write(landing)
                log.info("%s: %s snapshot %s", src.name, item.status, item.snapshot_id)
        finally:
            _clean_staging(landing)
    return LandingReport(tuple(results))


def _locate(
    store: Store, sources: Sequence[SourceSection]
) -> list[tuple[ObjectInfo, ObjectInfo | None]]:
    """Each source's data and dictionary objects; one error lists every problem."""
    found: list[tuple[ObjectInfo, ObjectInfo | None]] = []
    problems: list[str] = []
    for src in sources:
        names = [PurePosixPath(src.path).name]
        if src.dictionary:
            names.append(PurePosixPath(src.dictionary).name)
        if MANIFEST in names or len(set(names)) < len(names):
            problems.append(f"{src.name}: file names {names} clash inside a snapshot")
        try:
            codecs.lookup(src.encoding)
        except LookupError:
            problems.append(f"{src.name}: unknown encoding {src.encoding!r}")
        located: list[ObjectInfo] = []
        for key in [k for k in (src.path, src.dictionary) if k]:
            try:
                located.append(store.info(key))
            except ObjectNotFoundError as err:
                problems.append(f"{src.name}: {err.location} does not exist")
        if len(located) == len(names):
            found.append((located[0], located[1] if src.dictionary else None))
    if problems:
        raise UserInputError(
            f"Cannot land {len(problems)} source file(s)",
            "\n  - " + "\n  - ".join(problems),
            f"check sources[].path, dictionary and encoding against {store.location}",
        )
    return found


def _land_source(
    store: Store,
    src: SourceSection,
    data: ObjectInfo,
    dictionary: ObjectInfo | None,
    landing: Path,
    index: LandingIndex,
    rehash: bool,
    progress: ProgressCallback | None,
) -> LandedSource:
    t0 = time.perf_counter()
    entry = index.sources.get(src.name)
    dictionary_etag = None if dictionary is None else dictionary.etag
    if (
        not rehash
        and entry is not None
        and (entry.etag, entry.dictionary_etag) == (data.etag, dictionary_etag)
        and (landing / entry.agency / entry.latest / MANIFEST).is_file()
    ):
        # The store says nothing changed since the latest snapshot: skip the download.
        manifest = load_snapshot(landing / entry.agency / entry.latest).manifest
        return _outcome(manifest, "unchanged", landing, t0)

    staging = landing / STAGING / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        counter = CsvRecordCounter(src.encoding) if src.format == "csv" else None
        data_file = _copy(store, data, staging, src.name, counter, progress)
        dict_file = None
        if dictionary is not None:
            dict_file = _copy(store, dictionary, staging, src.name, None, None)
        sid = snapshot_id(src.name, data_file.sha256, dict_file.sha256 if dict_file else None)
        final = landing / src.agency / sid
        if (final / MANIFEST).is_file():
            status: Status = (
                "unchanged" if entry is not None and entry.latest == sid else "restored"
            )
            manifest = load_snapshot(final).manifest
        else:
            rows = (
                counter.rows()
                if counter is not None
                else count_rows(staging / data_file.name, src.format, sheet=src.sheet)
            )
            manifest = SnapshotManifest(
                snapshot_id=sid,
                source=src.name,
                kind=src.kind,
                agency=src.agency,
                landed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                data=data_file,
                rows=rows,
                format=src.format,
                encoding=src.encoding,
                delimiter=src.delimiter,
                sheet=src.sheet,
                dictionary=dict_file,
                store_kind=store.kind,
                previous_snapshot=None if entry is None else entry.latest,
                migstats_version=__version__,
            )
            atomic_write_json(staging / MANIFEST, manifest.to_dict())
            _publish(staging, final)
            status = "new"
    finally:
        if staging.exists():
            make_writable(staging)
            shutil.rmtree(staging)
    _record(index, manifest, data, dictionary_etag)
    return _outcome(manifest, status, landing, t0)


def _copy(
    store: Store,
    obj: ObjectInfo,
    folder: Path,
    source: str,
    counter: CsvRecordCounter | None,
    progress: ProgressCallback | None,
) -> LandedFile:
    """Stream one object into ``folder``, hashing (and counting) on the way."""
    target = folder / PurePosixPath(obj.key).name
    digest = hashlib.sha256()
    done = 0
    if progress:
        progress(source, 0, obj.size)
    # Counting runs on a second thread, overlapping hashing, writing and the next read
    # (NumPy, hashlib and file I/O release the GIL); chunks are counted in order.
    with (
        store.open(obj.key) as reader,
        target.open("xb") as out,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="count") as pool,
    ):
        counting: Future[None] | None = None
        while chunk := reader.read(CHUNK_SIZE):
            if counter is not None:
                if counting is not None:
                    counting.result()
                counting = pool.submit(counter.feed, chunk)
            digest.update(chunk)
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(source, done, obj.size)
        if counting is not None:
            counting.result()
        out.flush()
        os.fsync(out.fileno())
    if done != obj.size:
        raise UserInputError(
            f"{obj.location} changed while it was being landed",
            f"expected {obj.size:,} bytes, read {done:,}",
            "wait until the delivery is complete and run `migstats land` again",
        )
    return LandedFile(target.name, done, digest.hexdigest(), obj.location, obj.etag)


def _publish(staging: Path, final: Path) -> None:
    """Move a complete snapshot into view in one rename, then make it read-only."""
    for child in staging.iterdir():
        make_read_only(child)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        # A folder without a manifest is not a snapshot (left by hand): set it aside.
        log.warning("replacing %s, which has no %s", final, MANIFEST)
        make_writable(final)
        shutil.rmtree(final)
    fsync_dir(staging)
    staging.rename(final)
    fsync_dir(final.parent)
    make_read_only(final)


def _record(
    index: LandingIndex, manifest: SnapshotManifest, data: ObjectInfo, dictionary_etag: str | None
) -> None:
    """Make ``manifest`` the latest snapshot of its source in the index."""
    entry = index.sources.get(manifest.source)
    if entry is None:
        entry = index.sources[manifest.source] = SourceHistory(
            manifest.agency, manifest.snapshot_id
        )
    if all(s["snapshot_id"] != manifest.snapshot_id for s in entry.snapshots):
        entry.snapshots.append(
            {
                "snapshot_id": manifest.snapshot_id,
                "landed_at": manifest.landed_at,
                "sha256": manifest.data.sha256,
                "bytes": manifest.data.bytes,
                "rows": manifest.rows,
            }
        )
    entry.latest = manifest.snapshot_id
    entry.agency = manifest.agency
    entry.etag = data.etag
    entry.dictionary_etag = dictionary_etag


def _outcome(manifest: SnapshotManifest, status: Status, landing: Path, t0: float) -> LandedSource:
    return LandedSource(
        source=manifest.source,
        agency=manifest.agency,
        snapshot_id=manifest.snapshot_id,
        status=status,
        path=landing / manifest.agency / manifest.snapshot_id,
        bytes=manifest.data.bytes,
        rows=manifest.rows,
        sha256=manifest.data.sha256,
        seconds=time.perf_counter() - t0,
    )


def _clean_staging(landing: Path) -> None:
    """Remove what an interrupted landing left in staging (never visible as a snapshot)."""
    staging = landing / STAGING
    if staging.exists():
        make_writable(staging)
        shutil.rmtree(staging)


@contextlib.contextmanager
def _exclusive(landing: Path) -> Iterator[None]:
    """Hold the workspace's landing lock (POSIX advisory lock; elsewhere no lock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with (landing / LOCK).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserInputError(
                "Another landing is running on this workspace",
                f"{landing / LOCK} is locked",
                "wait for it to finish, then run again",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
