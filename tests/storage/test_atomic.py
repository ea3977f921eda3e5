"""Atomic writes: a failure in the middle never leaves a half file in view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migstats.storage.atomic import atomic_file, atomic_write_json, make_read_only, make_writable


def test_failure_mid_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "index.json"
    atomic_write_json(target, {"version": 1})
    with pytest.raises(RuntimeError, match="power cut"), atomic_file(target) as fh:
        fh.write(b'{"version": 2, "half')
        raise RuntimeError("power cut")
    assert json.loads(target.read_text()) == {"version": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["index.json"]  # no temporary left


def test_new_file_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "data.bin"
    with atomic_file(target) as fh:
        fh.write(b"x" * 1000)
        assert not target.exists()  # invisible until the block ends
    assert target.read_bytes() == b"x" * 1000


def test_read_only_and_back(tmp_path: Path) -> None:
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "a.csv").write_text("x")
    make_read_only(folder)
    assert not (folder / "a.csv").stat().st_mode & 0o222
    assert not folder.stat().st_mode & 0o222
    make_writable(folder)
    (folder / "a.csv").write_text("y")
