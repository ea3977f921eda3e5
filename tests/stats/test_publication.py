"""The publication stage on the synthetic country's real tables: protect, gate, publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from migstats.config import ProjectConfig, load_config
from migstats.disclosure import PublicationRefused, gate
from migstats.publish.stage import PublicationRun, read_statistics, run_publication
from migstats.stats.cube import ObservationTable


@pytest.fixture(scope="module")
def published(
    linked_country: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ProjectConfig, PublicationRun]:
    from migstats.stats.stage import run_statistics

    # A copy: the stages rewrite the workspace that other modules' frames read.
    country = tmp_path_factory.mktemp("publication") / "country"
    shutil.copytree(linked_country, country, symlinks=True)
    cfg = load_config(country / "project.yaml")
    run_statistics(cfg)
    return cfg, run_publication(cfg)


def test_every_table_is_published_with_its_files(
    published: tuple[ProjectConfig, PublicationRun],
) -> None:
    cfg, run = published
    statistics = {t.table_id for t in read_statistics(cfg.workspace / "statistics")}
    assert {t.table_id for t in run.manifest.tables} == statistics
    files = {f.path for f in run.manifest.files}
    for table_id in statistics:
        assert f"csv/{table_id}.csv" in files
    assert any(p.startswith("excel/") for p in files)
    assert (run.site_dir / "index.html").is_file()
    assert run.ddi_file is not None and run.ddi_file.is_file()


def test_no_small_count_is_published_under_a_threshold_rule(
    published: tuple[ProjectConfig, PublicationRun],
) -> None:
    cfg, run = published
    n = cfg.disclosure.rule_for("5.1").model_dump()["n"]
    values = run.protected["5.1"].data.column("OBS_VALUE")
    small = pc.and_(pc.greater(values, 0), pc.less(values, n))
    assert pc.sum(small).as_py() in (0, None)
    # Suppressed cells carry no value and a confidentiality flag.
    data = run.protected["5.1"].data
    flags = set(data.filter(pc.is_null(values)).column("CONF_STATUS").to_pylist())
    assert flags and flags <= {"A", "D", "C"}, flags
    # The estimate (5.2) hides at least every cell the observed count (5.1) hides: its
    # values are model-based, the persons behind them are 5.1's. Cells 5.1 lacks (only
    # estimated persons in them) are hidden by 5.2's own threshold when small.
    dims = run.protected["5.1"].dimensions

    def by_cell(table_id: str) -> dict[tuple[str, ...], float | None]:
        rows = run.protected[table_id].data.to_pylist()
        return {tuple(r[d] for d in dims): r["OBS_VALUE"] for r in rows}

    observed, estimated = by_cell("5.1"), by_cell("5.2")
    assert all(estimated[k] is None for k, v in observed.items() if v is None and k in estimated)
    only_estimated = [v for k, v in estimated.items() if k not in observed]
    assert all(v is None or v == 0 or v >= n for v in only_estimated)


def test_cell_key_tables_are_perturbed_and_the_release_holds_no_original(
    published: tuple[ProjectConfig, PublicationRun],
) -> None:
    cfg, run = published
    original = {t.table_id: t for t in read_statistics(cfg.workspace / "statistics")}
    release = json.loads((run.release_dir / "tables" / "tables.json").read_text())
    assert "CELL_KEY" not in run.protected["1.2"].data.column_names
    for table_id in ("1.2", "1.3"):
        before = original[table_id].data.column("OBS_VALUE").to_pylist()
        after = run.protected[table_id].data.column("OBS_VALUE").to_pylist()
        assert len(before) == len(after)
        assert before != after, f"{table_id} published unperturbed"
        assert release[table_id]["disclosure"], table_id
    # Diagnostic counts stay in the secure space.
    assert "expired_permits_never_at_the_border" not in release["5.1"]


def test_the_gate_refuses_a_tampered_table_naming_table_and_rule(
    published: tuple[ProjectConfig, PublicationRun],
) -> None:
    cfg, run = published
    original = {t.table_id: t for t in read_statistics(cfg.workspace / "statistics")}
    table = run.protected["5.1"]
    values = table.data.column("OBS_VALUE")
    hidden = pc.is_null(values).to_pylist().index(True)
    # Put a suppressed cell's true value back, as a careless hand edit would.
    true_value = original["5.1"].data.column("OBS_VALUE")[hidden].as_py()
    restored = values.to_pylist()
    restored[hidden] = true_value
    data = table.data.set_column(
        table.data.column_names.index("OBS_VALUE"), "OBS_VALUE", pa.array(restored, pa.float64())
    )
    tampered = ObservationTable(
        table.table_id, table.title, table.dimensions, data, table.unit, table.metadata
    )
    with pytest.raises(PublicationRefused) as refused:
        gate([tampered], cfg.disclosure, originals=original)
    message = str(refused.value)
    assert "5.1" in message and "threshold" in message


def test_a_second_run_gives_byte_identical_files(
    published: tuple[ProjectConfig, PublicationRun],
) -> None:
    cfg, run = published
    again = run_publication(cfg)
    assert {(f.path, f.sha256) for f in again.manifest.files} == {
        (f.path, f.sha256) for f in run.manifest.files
    }
