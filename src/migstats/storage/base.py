"""One interface over the places agencies deliver to: a local folder or an S3 bucket.

A *store* holds objects under '/'-separated keys relative to its root (local) or its
prefix inside the bucket (S3); each agency delivers under its own first key segment
(``immigration/border_crossings.csv``). Landing needs only to list, describe (size and
ETag) and stream objects; ``put`` exists for tests and tools.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, ClassVar, Protocol

#: Bytes per read when streaming objects: large enough for throughput, small for memory.
CHUNK_SIZE = 8 << 20


class Reader(Protocol):
    """What an open object offers: sequential reads (a file or a botocore stream)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ObjectInfo:
    """An object in a store.

    ``etag`` changes whenever the object is rewritten: the S3 ETag, or for a local file
    its size and modification time in nanoseconds. Landing uses it to skip unchanged
    deliveries without reading them; the sha256 in the manifest is the real identity.
    """

    key: str
    size: int
    etag: str
    #: Where it is, for people and manifests: ``s3://bucket/prefix/key`` or a file path.
    location: str


class ObjectNotFoundError(LookupError):
    """No object under the key (landing turns this into an error naming the source)."""

    def __init__(self, location: str) -> None:
        self.location = location
        super().__init__(location)


class Store(ABC):
    """A place agencies deliver to. See :class:`~migstats.storage.LocalStore` and
    :class:`~migstats.storage.S3Store`."""

    kind: ClassVar[str]

    @property
    @abstractmethod
    def location(self) -> str:
        """The store's root, e.g. ``/data/deliveries`` or ``s3://deliveries/2024``."""

    @abstractmethod
    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""

    @abstractmethod
    def info(self, key: str) -> ObjectInfo:
        """Size and ETag of one object; :class:`ObjectNotFoundError` if there is none."""

    @abstractmethod
    def _open(self, key: str) -> Reader:
        """A sequential reader on the object's bytes."""

    @abstractmethod
    def put(self, key: str, data: bytes | IO[bytes]) -> ObjectInfo:
        """Write an object (whole or not at all) and describe it."""

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[Reader]:
        """Stream an object's bytes; the reader is closed when the block ends."""
        reader = self._open(key)
        try:
            yield reader
        finally:
            reader.close()

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The object's bytes in chunks of at most ``chunk_size`` (constant memory)."""
        with self.open(key) as reader:
            while chunk := reader.read(chunk_size):
                yield chunk

    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory: for small files (dictionaries) only."""
        return b"".join(self.iter_chunks(key))

    def keys(self, prefix: str = "") -> list[str]:
        """The keys under ``prefix``."""
        return [obj.key for obj in self.list_objects(prefix)]
