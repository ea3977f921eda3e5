"""The store interface, the same tests on a local folder and on a real S3 server."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from migstats.errors import UserInputError
from migstats.storage import LocalStore, ObjectNotFoundError, Store
from tests.storage.conftest import make_bucket, s3_store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "local":
        return LocalStore(tmp_path / "root")
    endpoint = request.getfixturevalue("s3_endpoint")
    return s3_store(endpoint, make_bucket(endpoint), "deliveries/2024/")


def test_put_list_info_read(store: Store) -> None:
    store.put("immigration/a.csv", b"ID\n1\n")
    store.put("immigration/b.csv", io.BytesIO(b"ID\n1\n2\n"))
    store.put("xpat/c.csv", b"X\n")
    assert store.keys() == ["immigration/a.csv", "immigration/b.csv", "xpat/c.csv"]
    assert store.keys("immigration/") == ["immigration/a.csv", "immigration/b.csv"]
    info = store.info("immigration/b.csv")
    assert (info.key, info.size) == ("immigration/b.csv", 7)
    assert info.etag and info.location.endswith("immigration/b.csv")
    assert store.read_bytes("immigration/b.csv") == b"ID\n1\n2\n"
    assert [o.size for o in store.list_objects("xpat/")] == [2]


def test_etag_changes_with_the_content(store: Store) -> None:
    first = store.put("nrd/r.csv", b"ID\n1\n").etag
    assert store.info("nrd/r.csv").etag == first
    assert store.put("nrd/r.csv", b"ID\n2\n").etag != first


def test_streams_in_chunks(store: Store) -> None:
    data = bytes(range(256)) * 40_000  # 10 MB
    store.put("mbs/big.bin", io.BytesIO(data))
    chunks = list(store.iter_chunks("mbs/big.bin", chunk_size=1 << 20))
    assert max(len(c) for c in chunks) <= 1 << 20
    assert hashlib.sha256(b"".join(chunks)).digest() == hashlib.sha256(data).digest()


def test_missing_object(store: Store) -> None:
    with pytest.raises(ObjectNotFoundError) as err:
        store.info("immigration/none.csv")
    assert "immigration/none.csv" in err.value.location
    with pytest.raises(ObjectNotFoundError):
        store.read_bytes("immigration/none.csv")


def test_local_keys_cannot_leave_the_root(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "root")
    with pytest.raises(UserInputError, match="outside the storage root"):
        store.info("../secret.txt")
    with pytest.raises(UserInputError, match="outside the storage root"):
        store.put("/etc/x", b"")


def test_local_put_is_atomic_and_leaves_no_partial(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("a/x.csv", b"old")

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        store.put("a/x.csv", Broken())  # type: ignore[arg-type]
    assert store.read_bytes("a/x.csv") == b"old"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["x.csv"]


def test_s3_missing_bucket_is_a_user_error(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint, "no-such-bucket", "")
    with pytest.raises(UserInputError, match="NoSuchBucket"):
        store.keys()


def test_s3_download_cut_midway_is_a_user_error() -> None:
    from migstats.storage.s3 import _Download

    class Cut:
        def read(self, size: int = -1, /) -> bytes:
            raise ConnectionResetError("reset by peer")

        def close(self) -> None:
            pass

    with pytest.raises(UserInputError, match="was interrupted"):
        _Download(Cut(), "s3://b/k").read(10)


def test_local_listing_stays_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "outside.csv").write_text("x")
    store = LocalStore(tmp_path / "root")
    store.put("a/x.csv", b"1")
    assert store.keys("../") == []
    assert store.keys("a/") == ["a/x.csv"]
