"""Writing release files: atomically, byte for byte the same on every run.

Every file is written to a hidden temporary name beside its target and renamed into
place, so a reader never sees half a file. Zip containers (``.xlsx``) are re-packed
with a fixed timestamp because :mod:`zipfile` stamps members with the wall clock.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> path = write_bytes(folder / "a" / "b.txt", b"hello")
>>> sha256_of(path)[:12], path.stat().st_size
('2cf24dba5fb0', 5)
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

__all__ = ["fixed_zip", "sha256_of", "write_bytes", "write_text"]


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text with ``\\n`` line ends (see :func:`write_bytes`)."""
    return write_bytes(path, text.encode("utf-8"))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fixed_zip(
    data: bytes, day: date, rewrite: Callable[[str, bytes], bytes] | None = None
) -> bytes:
    """The same zip archive with every member stamped ``day`` 00:00 (deflated);
    ``rewrite(name, content)`` may change a member's content on the way.

    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("x.txt", "x")
    >>> info = zipfile.ZipFile(io.BytesIO(fixed_zip(buf.getvalue(), date(2025, 3, 1)))).infolist()
    >>> info[0].date_time
    (2025, 3, 1, 0, 0, 0)
    """
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            content = source.read(member.filename)
            if rewrite is not None:
                content = rewrite(member.filename, content)
            target.writestr(info, content)
    return out.getvalue()
