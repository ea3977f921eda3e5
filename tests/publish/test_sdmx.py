"""SDMX files validate against the official schemas and read back with sdmx1 unchanged."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from migstats.publish.codes import build_codelists
from migstats.publish.sdmx import build_structures, observations, sdmx_period
from migstats.publish.tables import checked_all
from tests.publish.conftest import all_tables

sdmx = pytest.importorskip("sdmx")
# sdmx1 2.28 cannot import its SDMX-ML 3.0 reader after it has read 2.1 structure-specific
# data (the data's own namespace is then unknown to it): import it first.
pytest.importorskip("sdmx.reader.xml.v30")


FLOWS = {"1.1": "DF_MIG_1_1", "1.R": "DF_MIG_1_R", "7.1": "DF_MIG_7_1"}


@pytest.fixture(scope="module")
def structure(release: Path) -> Any:
    return sdmx.read_sdmx(release / "sdmx" / "structure.xml")


def _read_back(path: Path, dsd: Any) -> dict[tuple[tuple[str, str], ...], tuple[Any, ...]]:
    message = sdmx.read_sdmx(path, structure=dsd)
    assert len(message.data) == 1
    cells = {}
    for obs in message.data[0].obs:
        key = tuple((k, str(v.value)) for k, v in obs.key.values.items())
        value = None if obs.value in (None, "") else float(obs.value)
        if value is not None and math.isnan(value):
            value = None
        attrs = {k: v.value for k, v in obs.attached_attribute.items()}
        cells[key] = (
            value,
            attrs["OBS_STATUS"],
            attrs["CONF_STATUS"],
            attrs["UNIT_MEASURE"],
            None if attrs.get("LOWER") in (None, "") else float(attrs["LOWER"]),
            None if attrs.get("UPPER") in (None, "") else float(attrs["UPPER"]),
        )
    return cells


def _expected(table_id: str) -> dict[tuple[tuple[str, str], ...], tuple[Any, ...]]:
    table = next(t for t in checked_all(all_tables()) if t.table_id == table_id)
    dims = None
    out = {}
    for cell in observations(table, "MDV"):
        if dims is None:
            dims = ["REF_AREA", *[d for d in table.dimensions if d != "TIME_PERIOD"]]
            dims += ["TIME_PERIOD"] if "TIME_PERIOD" in table.dimensions else []
        key = tuple((d, str(cell[d])) for d in dims)
        out[key] = (
            cell["OBS_VALUE"],
            cell["OBS_STATUS"],
            cell["CONF_STATUS"],
            cell["UNIT_MEASURE"],
            cell.get("LOWER"),
            cell.get("UPPER"),
        )
    return out


@pytest.mark.parametrize("table_id", sorted(FLOWS))
@pytest.mark.parametrize("folder,suffix", [("data", "xml"), ("data-3.0", "xml"), ("csv", "csv")])
def test_data_reads_back_with_sdmx1(
    release: Path, structure: Any, table_id: str, folder: str, suffix: str
) -> None:
    dsd = structure.structure[FLOWS[table_id].replace("DF_", "DSD_")]
    cells = _read_back(release / "sdmx" / folder / f"{table_id}.{suffix}", dsd)
    assert cells == _expected(table_id)


def test_codes_and_flags_hand_checked(release: Path, structure: Any) -> None:
    cells = _read_back(release / "sdmx" / "data" / "1.1.xml", structure.structure["DSD_MIG_1_1"])
    by_citizenship = {
        dict(k)["CITIZENSHIP"]: v
        for k, v in cells.items()
        if dict(k)["AGE"] != "_T" or dict(k)["CITIZENSHIP"] in ("XKX", "XXA")
    }
    assert all(dict(k)["REF_AREA"] == "462" for k in cells)
    assert by_citizenship["050"][0] == 600.0  # Bangladesh, M49 050
    assert by_citizenship["XKX"][:3] == (None, "A", "A")  # Kosovo: flagged code, suppressed
    assert by_citizenship["XXA"][:3] == (None, "A", "D")  # stateless: secondary suppression
    assert by_citizenship["_O"][0] == 248.0  # all other countries
    assert by_citizenship["462"][1] == "P"  # Maldivian citizens born in India, provisional
    total = next(
        v for k, v in cells.items() if all(c == "_T" for d, c in k[3:]) and dict(k)["SEX"] == "_T"
    )
    assert total[:2] == (1200.0, "E") and total[4:] == (1150.0, 1260.0)


def test_time_range_becomes_an_sdmx_range(release: Path, structure: Any) -> None:
    cells = _read_back(release / "sdmx" / "data" / "1.R.xml", structure.structure["DSD_MIG_1_R"])
    periods = {dict(k)["TIME_PERIOD"] for k in cells}
    assert periods == {"2023", "2022-09-02/P1Y"}
    assert sdmx_period("1.R", "2022-09-02/2023-09-01") == "2022-09-02/P1Y"


def test_structure_holds_code_lists_dsds_and_dataflows(structure: Any) -> None:
    assert set(structure.dataflow) == set(FLOWS.values())
    for name in (
        "CL_AREA",
        "CL_SEX",
        "CL_AGE",
        "CL_MIGRATORY_STATUS",
        "CL_OBS_STATUS",
        "CL_CONF_STATUS",
        "CL_ATOLL",
        "CL_UNIT_MEASURE",
    ):
        assert name in structure.codelist
    area = structure.codelist["CL_AREA"]
    assert str(area["462"].name) == "Maldives" and str(area["050"].name) == "Bangladesh"
    assert "XKX" in area and "XXA" in area
    dsd = structure.structure["DSD_MIG_7_1"]
    assert [d.id for d in dsd.dimensions] == [
        "REF_AREA",
        "REF_DATE",
        "MIGRATORY_STATUS",
        "SEX",
        "AGE",
        "MEASURE",
    ]
    assert structure.structure["DSD_MIG_1_R"].dimensions[-1].id == "TIME_PERIOD"


def test_every_sdmx_ml_file_validates_against_the_official_schemas(release: Path) -> None:
    from migstats.publish.schemas import validate_sdmx

    tables = checked_all(all_tables())
    built = build_structures(tables, build_codelists(tables, "MDV"), agency="MV_MBS")
    dsds = {built.dataflows[k].id: v for k, v in built.dsds.items()}
    files = sorted((release / "sdmx").rglob("*.xml"))
    versions = [
        validate_sdmx(p, dsds | {"DF_SDG_MIGRATORY_STATUS": _sdg_dsd(release)}) for p in files
    ]
    assert versions.count("3.0") == 4 and versions.count("2.1") == 6


def _sdg_dsd(release: Path) -> Any:
    from migstats.publish.sdg import build_sdg_structures

    _, dsd, _ = build_sdg_structures(checked_all(all_tables()), country="MDV", agency="MV_MBS")
    return dsd


def test_validation_catches_a_wrong_code(release: Path, tmp_path: Path) -> None:
    from migstats.publish.schemas import SchemaValidationError, validate_sdmx

    tables = checked_all(all_tables())
    built = build_structures(tables, build_codelists(tables, "MDV"), agency="MV_MBS")
    dsds = {built.dataflows[k].id: v for k, v in built.dsds.items()}
    for folder in ("data", "data-3.0"):
        text = (release / "sdmx" / folder / "1.1.xml").read_text("utf-8")
        assert 'CITIZENSHIP="050"' in text
        bad = tmp_path / f"{folder}.xml"
        bad.write_text(text.replace('CITIZENSHIP="050"', 'CITIZENSHIP="BGD"', 1), "utf-8")
        with pytest.raises(SchemaValidationError, match="CITIZENSHIP"):
            validate_sdmx(bad, dsds)
        missing = tmp_path / f"{folder}-missing.xml"
        missing.write_text(text.replace(' SEX="F"', "", 1), "utf-8")
        with pytest.raises(SchemaValidationError, match="SEX"):
            validate_sdmx(missing, dsds)


def test_manifest_records_the_validation(release: Path) -> None:
    import json

    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assert manifest["sdmx_validation"].startswith("official SDMX-ML 2.1/3.0 schemas")
    assert manifest["agency"] == "MV_MBS"
