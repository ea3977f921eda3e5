"""A local (or mounted network) folder with one subfolder per agency."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from migstats.errors import UserInputError
from migstats.storage.atomic import PARTIAL_SUFFIX, atomic_file
from migstats.storage.base import CHUNK_SIZE, ObjectInfo, ObjectNotFoundError, Reader, Store


class LocalStore(Store):
    """Deliveries in a folder: key ``immigration/x.csv`` is ``root/immigration/x.csv``.

    >>> import tempfile, pathlib
    >>> store = LocalStore(pathlib.Path(tempfile.mkdtemp()))
    >>> store.put("immigration/x.csv", b"ID\\n1\\n").size
    5
    >>> store.keys("immigration/"), store.read_bytes("immigration/x.csv")
    (['immigration/x.csv'], b'ID\\n1\\n')
    """

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()

    @property
    def location(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        # A key must not climb out of the root (``../`` or an absolute path in a config).
        if not path.is_relative_to(self.root) or path == self.root:
            raise UserInputError(
                f"Path {key!r} is outside the storage root",
                f"it resolves to {path}, not under {self.root}",
                "give source paths relative to storage.root, without '..'",
            )
        return path

    def _describe(self, path: Path) -> ObjectInfo:
        st = path.stat()
        key = path.relative_to(self.root).as_posix()
        return ObjectInfo(key, st.st_size, f"{st.st_size:x}-{st.st_mtime_ns:x}", str(path))

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        # Walk only the folder the prefix names (its part up to the last "/").
        top = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root
        if not top.is_dir() or not top.resolve().is_relative_to(self.root):
            return
        for path in sorted(top.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not key.endswith(PARTIAL_SUFFIX):
                yield self._describe(path)

    def info(self, key: str) -> ObjectInfo:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFoundError(str(path))
        return self._describe(path)

    def _open(self, key: str) -> Reader:
        path = self._path(key)
        try:
            return path.open("rb", buffering=0)
        except FileNotFoundError:
            raise ObjectNotFoundError(str(path)) from None

    def put(self, key: str, data: bytes | IO[bytes]) -> ObjectInfo:
        path = self._path(key)
        with atomic_file(path) as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                shutil.copyfileobj(data, fh, CHUNK_SIZE)
        return self._describe(path)
