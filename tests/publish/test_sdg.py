"""SDG exports: Open SDG CSV hand-checked on a tiny 7.1, and the SDG SDMX shape."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from migstats.publish.sdg import SDG_SERIES, sdg_sdmx_rows, write_opensdg
from migstats.publish.tables import checked_all
from tests.publish.conftest import all_tables, sdg_table


def _read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))


def test_open_sdg_file_of_8_5_2(tmp_path: Path) -> None:
    files, withheld = write_opensdg(checked_all([sdg_table()]), tmp_path)
    assert [f.name for f in files] == ["indicator_8-5-2.csv"]
    assert withheld == 1  # the suppressed FB 15-24 rate
    header = (tmp_path / "indicator_8-5-2.csv").read_text("utf-8").splitlines()[0]
    # The only age other than the headline 15+ was suppressed, so no Age column.
    assert header == "Year,Series,Units,Sex,Migratory status,Value"
    rows = _read(tmp_path / "indicator_8-5-2.csv")
    series = "Unemployment rate, by sex and age (%)"
    assert rows[0] == {
        "Year": "2022",
        "Series": series,
        "Units": "Percent",
        "Sex": "",
        "Migratory status": "",
        "Value": "4.5",
    }
    values = {(r["Sex"], r["Migratory status"]): r["Value"] for r in rows}
    assert values == {
        ("", ""): "4.5",
        ("", "Foreign-born (migrants), all citizenships"): "2.25",
        ("", "Native-born (non-migrants), all citizenships"): "6",
        ("", "Foreign-born foreign citizens"): "2",
        ("", "Native-born citizens"): "6.125",
        ("Female", ""): "7",
    }
    assert {r["Year"] for r in rows} == {"2022"} and len(rows) == 6


def test_numerators_and_denominators_are_not_sdg_values(tmp_path: Path) -> None:
    write_opensdg(checked_all([sdg_table()]), tmp_path)
    text = (tmp_path / "indicator_8-5-2.csv").read_text("utf-8")
    assert ",400" not in text  # LABOUR_FORCE


def test_sdg_sdmx_shape_maps_migratory_status_to_composite_breakdown() -> None:
    rows = sdg_sdmx_rows(checked_all(all_tables()), "MDV")
    got = {(r["COMPOSITE_BREAKDOWN"], r["SEX"], r["AGE"]): r["OBS_VALUE"] for r in rows}
    # The four birth x citizenship groups have no SDG code; the suppressed cell is left out.
    assert got == {
        ("_Z", "_T", "Y_GE15"): 4.5,
        ("MS_MIGRANT", "_T", "Y_GE15"): 2.25,
        ("MS_NOMIGRANT", "_T", "Y_GE15"): 6.0,
        ("_Z", "F", "Y_GE15"): 7.0,
    }
    assert {(r["SERIES"], r["REF_AREA"], r["TIME_PERIOD"], r["UNIT_MEASURE"]) for r in rows} == {
        ("SL_TLF_UEM", "462", "2022", "PT")
    }


def test_series_mapping() -> None:
    by_table = {s.table_id: (s.indicator, s.series, s.measure) for s in SDG_SERIES}
    assert by_table["7.1"] == ("8.5.2", "SL_TLF_UEM", "UNEMPLOYMENT_RATE")
    assert by_table["7.2"] == ("8.6.1", "SL_TLF_NEET", "NEET_RATE")


def test_sdg_sdmx_reads_back_with_sdmx1(release: Path) -> None:
    sdmx = pytest.importorskip("sdmx")
    pytest.importorskip("sdmx.reader.xml.v30")
    structure = sdmx.read_sdmx(release / "sdmx" / "sdg" / "structure.xml")
    dsd = structure.structure["DSD_SDG_MIGRATORY_STATUS"]
    for name in ("data.xml", "data.csv"):
        data = sdmx.read_sdmx(release / "sdmx" / "sdg" / name, structure=dsd)
        got = {
            (str(o.key.values["COMPOSITE_BREAKDOWN"].value), str(o.key.values["SEX"].value)): float(
                o.value
            )
            for o in data.data[0].obs
        }
        assert got == {
            ("_Z", "_T"): 4.5,
            ("MS_MIGRANT", "_T"): 2.25,
            ("MS_NOMIGRANT", "_T"): 6.0,
            ("_Z", "F"): 7.0,
        }
