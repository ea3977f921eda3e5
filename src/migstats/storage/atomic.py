"""Atomic, durable writes: a reader sees the old file or the new one, never half of one.

Everything is written to a temporary name in the destination folder (same file system,
so the final :func:`os.replace` is atomic), flushed and fsynced before the rename, and
the folder is fsynced after it so the rename itself survives a power cut.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "index.json"
>>> atomic_write_json(p, {"a": 1})
>>> p.read_text()
'{\\n  "a": 1\\n}\\n'
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

#: Temporary files end with this suffix; landing and cleanup skip them.
PARTIAL_SUFFIX = ".part"


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` atomically.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path) as fh:
        fh.write(data)


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented UTF-8 JSON to ``path`` atomically."""
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def make_read_only(path: Path) -> None:
    """Remove every write permission from ``path`` (and, for a folder, all it holds).

    Landed snapshots are immutable: this guards against an accidental edit or ``>``
    redirection; it is not access control (the owner can still chmod).
    """
    if path.is_dir():
        for child in path.iterdir():
            make_read_only(child)
    mode = path.stat().st_mode
    path.chmod(mode & ~_WRITE_BITS)


def make_writable(path: Path) -> None:
    """Undo :func:`make_read_only` for the owner (to clean up a staging folder)."""
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    if path.is_dir():
        for child in path.iterdir():
            make_writable(child)
