"""The ingest chain on the synthetic country: land, validate, harmonise; identifiers are
pseudonymised, and a re-run gives identical outputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from migstats.config import load_config
from migstats.ingest import harmonise_project
from migstats.quality.stage import validate_project
from migstats.storage import land
from migstats.synth.project import write_project_file


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_ingest_rerun_is_identical_and_identifiers_are_hashed(
    small_country: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGSTATS_HMAC_KEY", "a test key that is long enough")
    project = write_project_file(
        tmp_path / "project.yaml", small_country / "extracts", tmp_path / "ws"
    )
    cfg = load_config(project)
    land(cfg)
    validate_project(cfg)
    first = harmonise_project(cfg)
    harmonised = _digest(tmp_path / "ws" / "harmonised")
    reviews = sorted(p.name for p in (tmp_path / "ws" / "review").glob("review-*.csv"))
    # Every accepted row is harmonised.
    for name, rows in first.rows.items():
        assert rows == pq.read_metadata(tmp_path / "ws" / "clean" / f"{name}.parquet").num_rows
    validate_project(cfg)
    harmonise_project(cfg)
    assert _digest(tmp_path / "ws" / "harmonised") == harmonised
    assert sorted(p.name for p in (tmp_path / "ws" / "review").glob("review-*.csv")) == reviews
    # Passport numbers are replaced by 32-hex pseudonyms; names stay for linkage.
    border = pq.read_table(tmp_path / "ws" / "harmonised" / "border_crossings.parquet")
    docs = border["document_no"]
    assert pc.all(pc.match_substring_regex(docs, "^[0-9a-f]{32}$")).as_py()
    raw = (small_country / "extracts/immigration/border_crossings.csv").read_text()
    assert docs[0].as_py() not in raw
    assert border["surname"].null_count == 0
