"""Landing the synthetic country from a local folder and from a real S3 server: manifests
checked against the delivered files independently, idempotence, new snapshots for
changed files with the old ones kept, read-only snapshots, and atomicity."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from migstats.errors import UserInputError
from migstats.storage import (
    land,
    landing_dir,
    latest_snapshot,
    load_snapshot,
    store_for,
)
from migstats.storage.base import Reader, Store
from migstats.storage.landing import LOCK, STAGING
from tests.storage.conftest import Project


def _expected_rows(path: Path, fmt: str, encoding: str, delimiter: str, sheet: str | None) -> int:
    """Rows counted by other means than the library: csv module, openpyxl, Arrow."""
    if fmt == "csv":
        with path.open(newline="", encoding=encoding) as fh:
            return sum(1 for row in csv.reader(fh, delimiter=delimiter) if row) - 1
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(path, read_only=True)[sheet]
        return sum(1 for row in ws.iter_rows(values_only=True) if any(row)) - 1
    return int(pq.read_table(path).num_rows)


def test_land_manifests_match_the_delivered_files(project: Project, country: Path) -> None:
    cfg, store = project
    report = land(cfg, store=store)
    assert [x.source for x in report.landed] == [s.name for s in cfg.sources]
    assert report.count("new") == len(cfg.sources)
    for src in cfg.sources:
        original = country / src.path
        snap = load_snapshot(latest_snapshot(cfg, src.name))
        m = snap.manifest
        assert snap.path == landing_dir(cfg) / src.agency / m.snapshot_id
        assert m.snapshot_id.startswith(f"{src.name}-")
        assert (m.source, m.agency, m.kind, m.format) == (
            src.name,
            src.agency,
            src.kind,
            src.format,
        )
        assert m.data.bytes == original.stat().st_size
        assert m.data.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
        assert snap.data_path.read_bytes() == original.read_bytes()
        expected = _expected_rows(original, src.format, src.encoding, src.delimiter, src.sheet)
        assert m.rows == expected > 0
        assert report[src.name].rows == expected
        assert src.dictionary is not None and snap.dictionary_path is not None
        assert snap.dictionary_path.read_bytes() == (country / src.dictionary).read_bytes()
        assert m.data.location.endswith(src.path)
        assert m.data.etag == store.info(src.path).etag
        assert m.landed_at.endswith("+00:00") and m.store_kind == store.kind
        assert m.previous_snapshot is None


def test_same_delivery_twice_is_unchanged(project: Project) -> None:
    cfg, store = project
    first = land(cfg, store=store)
    before = sorted(p.relative_to(landing_dir(cfg)) for p in landing_dir(cfg).rglob("*"))
    again = land(cfg, store=store)
    rehashed = land(cfg, store=store, rehash=True)  # reads every byte, still nothing new
    for report in (again, rehashed):
        assert report.count("unchanged") == len(cfg.sources)
        assert [x.snapshot_id for x in report.landed] == [x.snapshot_id for x in first.landed]
    after = sorted(p.relative_to(landing_dir(cfg)) for p in landing_dir(cfg).rglob("*"))
    assert after == before


def test_changed_delivery_is_a_new_snapshot_and_the_old_is_kept(project: Project) -> None:
    cfg, store = project
    key = cfg.source("work_permits").path
    first = land(cfg, store=store)["work_permits"]
    original = store.read_bytes(key)
    # The agency delivers again with one record more (quoted newline inside a value).
    store.put(key, original + b'"WP9","A\nB","X1","Indian","1-Aug-1965","M",,,,,,,,\n')
    second = land(cfg, store=store)
    changed = second["work_permits"]
    assert changed.status == "new" and changed.snapshot_id != first.snapshot_id
    assert changed.rows == first.rows + 1
    assert second.count("unchanged") == len(cfg.sources) - 1
    assert latest_snapshot(cfg, "work_permits") == changed.path
    assert load_snapshot(changed.path).manifest.previous_snapshot == first.snapshot_id
    old = load_snapshot(first.path)
    assert old.data_path.read_bytes() == original  # the old snapshot is untouched
    index = json.loads((landing_dir(cfg) / "index.json").read_text())
    history = index["sources"]["work_permits"]
    assert [s["snapshot_id"] for s in history["snapshots"]] == [
        first.snapshot_id,
        changed.snapshot_id,
    ]
    assert history["latest"] == changed.snapshot_id

    # Delivering the first version again makes that snapshot the latest again.
    store.put(key, original)
    restored = land(cfg, ["work_permits"], store=store)["work_permits"]
    assert (restored.status, restored.snapshot_id) == ("restored", first.snapshot_id)
    assert latest_snapshot(cfg, "work_permits") == first.path


def test_changed_dictionary_is_a_new_snapshot(local_project: Callable[[], Project]) -> None:
    cfg, store = local_project()
    first = land(cfg, ["census_2022"], store=store)["census_2022"]
    key = cfg.source("census_2022").dictionary
    assert key is not None
    store.put(key, store.read_bytes(key).replace(b"}", b' , "x": 1}', 1))
    second = land(cfg, ["census_2022"], store=store)["census_2022"]
    assert second.status == "new" and second.snapshot_id != first.snapshot_id
    assert second.sha256 == first.sha256  # same data, new dictionary


def test_snapshots_are_read_only(local_project: Callable[[], Project]) -> None:
    cfg, store = local_project()
    folder = land(cfg, ["census_2022"], store=store)["census_2022"].path
    for path in [folder, *folder.iterdir()]:
        assert not path.stat().st_mode & 0o222, path
    if os.geteuid() != 0:  # root ignores permission bits
        with pytest.raises(PermissionError):
            (folder / "manifest.json").write_text("{}")


class _FailingStore(Store):
    """Delegates to a store but breaks every read after ``fail_after`` bytes, like a
    network cut in the middle of a large download."""

    kind = "failing"

    def __init__(self, inner: Store, fail_after: int) -> None:
        self.inner, self.fail_after = inner, fail_after

    @property
    def location(self) -> str:
        return self.inner.location

    def list_objects(self, prefix: str = ""):  # type: ignore[no-untyped-def]
        return self.inner.list_objects(prefix)

    def info(self, key: str):  # type: ignore[no-untyped-def]
        return self.inner.info(key)

    def put(self, key, data):  # type: ignore[no-untyped-def]
        return self.inner.put(key, data)

    def _open(self, key: str) -> Reader:
        inner = self.inner._open(key)
        limit = self.fail_after

        class Broken:
            seen = 0

            def read(self, size: int = -1, /) -> bytes:
                chunk = inner.read(min(size, 4096))
                Broken.seen += len(chunk)
                if Broken.seen > limit:
                    raise ConnectionResetError("connection lost mid-download")
                return chunk

            def close(self) -> None:
                inner.close()

        return Broken()


def test_failure_mid_copy_leaves_no_partial_snapshot(project: Project) -> None:
    cfg, store = project
    land(cfg, ["census_2022"], store=store)
    index_before = (landing_dir(cfg) / "index.json").read_bytes()
    before = sorted(landing_dir(cfg).rglob("*"))
    with pytest.raises(ConnectionResetError):
        land(cfg, ["border_crossings"], store=_FailingStore(store, fail_after=100_000))
    after = sorted(landing_dir(cfg).rglob("*"))
    assert after == before  # no snapshot, no half file, staging cleaned
    assert (landing_dir(cfg) / "index.json").read_bytes() == index_before
    with pytest.raises(UserInputError, match="has not been landed"):
        latest_snapshot(cfg, "border_crossings")
    # The next run lands it whole.
    assert land(cfg, ["border_crossings"], store=store)["border_crossings"].status == "new"


def test_leftovers_of_a_crashed_run_are_cleaned(local_project: Callable[[], Project]) -> None:
    cfg, store = local_project()
    staging = landing_dir(cfg) / STAGING / "dead-run"
    staging.mkdir(parents=True)
    (staging / "border_crossings.csv").write_bytes(b"half a fi")
    land(cfg, ["census_2022"], store=store)
    assert not (landing_dir(cfg) / STAGING).exists()


def test_index_survives_a_crash_between_snapshot_and_index(
    local_project: Callable[[], Project],
) -> None:
    cfg, store = local_project()
    first = land(cfg, ["census_2022"], store=store)["census_2022"]
    (landing_dir(cfg) / "index.json").unlink()  # as if the run died before writing it
    again = land(cfg, ["census_2022"], store=store)["census_2022"]
    assert again.snapshot_id == first.snapshot_id and again.status == "restored"
    assert latest_snapshot(cfg, "census_2022") == first.path


def test_one_landing_at_a_time(local_project: Callable[[], Project]) -> None:
    fcntl = pytest.importorskip("fcntl")
    cfg, store = local_project()
    landing_dir(cfg).mkdir(parents=True)
    with (landing_dir(cfg) / LOCK).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(UserInputError, match="Another landing is running"):
            land(cfg, store=store)


def test_missing_files_are_all_reported_before_anything_lands(project: Project) -> None:
    cfg, store = project
    cfg = cfg.model_copy(
        update={
            "sources": tuple(
                s.model_copy(update={"path": s.path + ".missing"})
                if s.name in {"census_2022", "work_permits"}
                else s
                for s in cfg.sources
            )
        }
    )
    with pytest.raises(UserInputError) as err:
        land(cfg, store=store)
    message = str(err.value)
    assert "census_2022" in message and "work_permits" in message
    assert not (landing_dir(cfg) / "index.json").exists()


def test_store_for_builds_the_configured_store(project: Project) -> None:
    cfg, store = project
    built = store_for(cfg)
    assert built.kind == store.kind
    assert built.keys("xpat/") == store.keys("xpat/")
    report = land(cfg)  # the store from the project file, as `migstats land` does
    assert report.count("new") == len(cfg.sources)


@pytest.mark.parametrize("project", ["s3"], indirect=True)
def test_missing_credentials_name_the_variable(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, _ = project
    monkeypatch.delenv("MIGSTATS_S3_SECRET_KEY")
    with pytest.raises(UserInputError, match="MIGSTATS_S3_SECRET_KEY") as err:
        land(cfg)
    assert "MIGSTATS_S3_ACCESS_KEY" not in err.value.cause


def test_unknown_source_is_a_user_error(local_project: Callable[[], Project]) -> None:
    cfg, store = local_project()
    with pytest.raises(UserInputError, match="border_crossings"):
        land(cfg, ["border_crosings"], store=store)


class _CountingStore(_FailingStore):
    """Counts the objects opened for reading."""

    def __init__(self, inner: Store) -> None:
        super().__init__(inner, fail_after=1 << 62)
        self.opened: list[str] = []

    def _open(self, key: str) -> Reader:
        self.opened.append(key)
        return super()._open(key)


def test_unchanged_etag_skips_the_download(project: Project) -> None:
    cfg, store = project
    land(cfg, store=store)
    watched = _CountingStore(store)
    assert land(cfg, store=watched).count("unchanged") == len(cfg.sources)
    assert watched.opened == []
    assert land(cfg, store=watched, rehash=True).count("unchanged") == len(cfg.sources)
    assert len(watched.opened) == 2 * len(cfg.sources)  # data and dictionary
