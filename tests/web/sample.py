"""A small published release and secure space, built by hand with known values.

The release has passed disclosure control (CONF_STATUS on every cell): two cells of
table 1.1 are suppressed, one of them (secondary, D) still carrying its number in the
file, as a careless publication step might leave it, to prove that nothing shows it.
The secure statistics folder holds the same tables unprotected, plus table 9.9 that is
never published.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from migstats.stats.cube import ObservationTable, write_tables

CENSUS: Final = "census_night"
AGES: Final = ("Y20T24", "Y25T29", "Y30T34")

#: Migrant stock at census night by (measure, sex) -> values by AGES.
PYRAMID: Final = {
    ("FOREIGN_BORN", "M"): (120.0, 340.0, 410.0),
    ("FOREIGN_BORN", "F"): (30.0, 55.0, 61.0),
    ("FOREIGN_CITIZENS", "M"): (118.0, 335.0, 402.0),
    ("FOREIGN_CITIZENS", "F"): (28.0, 50.0, 4.0),
}
#: Suppressed cells of the published 1.1: (measure, sex, age) -> (CONF_STATUS, value kept
#: in the file). The D cell keeps its number in the file; the A cell is null.
SUPPRESSED: Final = {
    ("FOREIGN_CITIZENS", "F", "Y25T29"): ("D", 50.0),
    ("FOREIGN_CITIZENS", "F", "Y30T34"): ("A", None),
}
CITIZENSHIPS: Final = {
    "FOREIGN_BORN": {"BGD": 500.0, "IND": 300.0, "LKA": 150.0, "MDV": 40.0, "_U": 26.0},
    "FOREIGN_CITIZENS": {"BGD": 498.0, "IND": 297.0, "LKA": 149.0, "NPL": 2.0},
}
#: Suppressed citizenship cell of the published 1.1 (small count).
SUPPRESSED_CITIZENSHIP: Final = ("FOREIGN_CITIZENS", "NPL")
ATOLLS: Final = {
    "FOREIGN_BORN": {"MC": 600.0, "HA": 16.0, "K": 400.0},
    "FOREIGN_CITIZENS": {"MC": 590.0, "HA": 3.0, "K": 353.0},
}
SUPPRESSED_ATOLL: Final = ("FOREIGN_CITIZENS", "HA")
TOTALS: Final = {"FOREIGN_BORN": 1016.0, "FOREIGN_CITIZENS": 946.0}
#: The foreign-citizen total is an estimate with its interval.
TOTAL_INTERVAL: Final = (930.0, 962.0)

YEARS: Final = ("2021", "2022", "2023")
IMMIGRANTS: Final = {
    "_T": (210.0, 260.0, 300.0),
    "F": (60.0, 70.0, 80.0),
    "M": (150.0, 190.0, 220.0),
}
EMIGRANTS: Final = {"_T": (150.0, 170.0, 190.0)}
NET: Final = {"_T": (60.0, 90.0, 110.0), "Y": (-5.0, -3.0, -2.0), "N": (65.0, 93.0, 112.0)}
#: 2023 is provisional in every flow table.
PROVISIONAL_YEAR: Final = "2023"

UNEMPLOYMENT: Final = {("FB", "UNEMPLOYMENT_RATE"): 6.25, ("NB", "UNEMPLOYMENT_RATE"): 4.5}

#: Files of the release offered for download, with their bytes.
RELEASE_NAME: Final = "2024-test"
WORKBOOK: Final = f"excel/migration-statistics-{RELEASE_NAME}.xlsx"
#: Files of the release offered for download, with their bytes (the publication
#: stage's layout, docs/publication.md).
RELEASE_FILES: Final = {
    "csv/1.1.csv": b"REF_DATE,MEASURE,SEX,AGE,OBS_VALUE\ncensus_night,FOREIGN_BORN,_T,_T,1016\n",
    "csv/1.2.csv": b"TIME_PERIOD,SEX,OBS_VALUE\n2021,_T,210\n",
    "csv/1.4N.csv": b"TIME_PERIOD,CITIZEN,OBS_VALUE\n2021,_T,60\n",
    WORKBOOK: b"PK\x03\x04 not really a workbook \x00\x01\x02",
    "sdmx/structure.xml": b"<?xml version='1.0'?><structure/>\n",
    "sdmx/data/1.1.xml": b"<?xml version='1.0'?><message>1.1 in 2.1</message>\n",
    "sdmx/data-3.0/1.1.xml": b"<?xml version='1.0'?><message>1.1 in 3.0</message>\n",
    "sdmx/csv/1.1.csv": b"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA\n",
    "opensdg/indicator_8-5-2.csv": b"Year,Value\n2022,1\n",
    "datapackage.json": b'{"name": "migstats-release", "resources": []}\n',
}

ANALYST: Final = "amina"
PASSWORD: Final = "correct horse battery staple"


def _row(**cells: Any) -> dict[str, Any]:
    return cells


def _stock_rows(*, published: bool) -> list[dict[str, Any]]:
    base = {"REF_DATE": CENSUS, "CITIZENSHIP": "_T", "ATOLL": "_T"}
    rows = []
    for (measure, sex), values in PYRAMID.items():
        for age, value in zip(AGES, values, strict=True):
            conf, kept = "F", value
            if published and (measure, sex, age) in SUPPRESSED:
                conf, kept = SUPPRESSED[(measure, sex, age)]
            rows.append(
                {**base, "MEASURE": measure, "SEX": sex, "AGE": age, "OBS_VALUE": kept,
                 "OBS_STATUS": "A", "CONF_STATUS": conf, "LOWER": None, "UPPER": None}
            )  # fmt: skip
    for measure, by_code in CITIZENSHIPS.items():
        for code, value in by_code.items():
            hidden = published and (measure, code) == SUPPRESSED_CITIZENSHIP
            rows.append(
                {**base, "MEASURE": measure, "SEX": "_T", "AGE": "_T", "CITIZENSHIP": code,
                 "OBS_VALUE": None if hidden else value, "OBS_STATUS": "A",
                 "CONF_STATUS": "A" if hidden else "F", "LOWER": None, "UPPER": None}
            )  # fmt: skip
    for measure, by_code in ATOLLS.items():
        for code, value in by_code.items():
            hidden = published and (measure, code) == SUPPRESSED_ATOLL
            rows.append(
                {**base, "MEASURE": measure, "SEX": "_T", "AGE": "_T", "ATOLL": code,
                 "OBS_VALUE": None if hidden else value, "OBS_STATUS": "A",
                 "CONF_STATUS": "A" if hidden else "F", "LOWER": None, "UPPER": None}
            )  # fmt: skip
    for measure, total in TOTALS.items():
        estimate = measure == "FOREIGN_CITIZENS"
        rows.append(
            {**base, "MEASURE": measure, "SEX": "_T", "AGE": "_T", "OBS_VALUE": total,
             "OBS_STATUS": "E" if estimate else "A", "CONF_STATUS": "F",
             "LOWER": TOTAL_INTERVAL[0] if estimate else None,
             "UPPER": TOTAL_INTERVAL[1] if estimate else None}
        )  # fmt: skip
    return rows


def _flow_rows(dimension: str, series: dict[str, tuple[float, ...]]) -> list[dict[str, Any]]:
    return [
        {"TIME_PERIOD": year, dimension: code, "OBS_VALUE": values[i],
         "OBS_STATUS": "P" if year == PROVISIONAL_YEAR else "A", "CONF_STATUS": "F"}
        for code, values in series.items()
        for i, year in enumerate(YEARS)
    ]  # fmt: skip


def _rate_rows() -> list[dict[str, Any]]:
    return [
        {"MIGRATORY_STATUS": status, "MEASURE": measure, "OBS_VALUE": value,
         "OBS_STATUS": "U" if status == "FB" else "A", "CONF_STATUS": "F"}
        for (status, measure), value in UNEMPLOYMENT.items()
    ]  # fmt: skip


def _table(
    table_id: str,
    title: str,
    dims: tuple[str, ...],
    rows: list[dict[str, Any]],
    *,
    published: bool,
    unit: str = "persons",
    metadata: dict[str, Any] | None = None,
) -> ObservationTable:
    value_columns = ["OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "LOWER", "UPPER"]
    present = [c for c in value_columns if c in rows[0]]
    if not published:
        present = [c for c in present if c != "CONF_STATUS"]
    types = {"OBS_VALUE": pa.float64(), "LOWER": pa.float64(), "UPPER": pa.float64()}
    data = pa.table(
        {
            name: pa.array([r[name] for r in rows], types.get(name, pa.string()))
            for name in [*dims, *present]
        }
    )
    meta = dict(metadata or {})
    if published:
        meta["disclosure"] = {
            "method": "threshold 5, primary and secondary suppression",
            "threshold": 5,
        }
    return ObservationTable(table_id, title, dims, data, unit, meta)


def sample_tables(*, published: bool) -> list[ObservationTable]:
    """The sample's tables: published (with CONF_STATUS, suppressed cells) or not."""
    stock_dims = ("REF_DATE", "MEASURE", "SEX", "AGE", "CITIZENSHIP", "ATOLL")
    tables = [
        _table(
            "1.1",
            "International migrant stock: foreign-born and foreign-citizen residents",
            stock_dims,
            _stock_rows(published=published),
            published=published,
            metadata={
                "definition": "usual residents born abroad (FOREIGN_BORN) or not citizens "
                "(FOREIGN_CITIZENS)",
                "reference_dates": {CENSUS: "2022-09-20"},
                "sources": ["border_crossings.parquet", "census_2022.parquet"],
                "links": "/srv/secret/workspace/integrated/register_census.parquet",
            },
        ),
        _table(
            "1.2",
            "Long-term immigrants",
            ("TIME_PERIOD", "SEX"),
            _flow_rows("SEX", IMMIGRANTS),
            published=published,
            metadata={"definition": "long-term immigrations by year"},
        ),
        _table(
            "1.3",
            "Long-term emigrants",
            ("TIME_PERIOD", "SEX"),
            _flow_rows("SEX", EMIGRANTS),
            published=published,
            metadata={"definition": "long-term emigrations by year"},
        ),
        _table(
            "1.4N",
            "Net migration",
            ("TIME_PERIOD", "CITIZEN"),
            _flow_rows("CITIZEN", NET),
            published=published,
        ),
        _table(
            "7.1",
            "SDG 8.5.2 Unemployment rate by migratory status",
            ("MIGRATORY_STATUS", "MEASURE"),
            _rate_rows(),
            published=published,
            unit="percent",
            metadata={
                "migratory_status": {"codes": {"FB": "foreign-born", "NB": "native-born"}},
                "unit_by_measure": {"UNEMPLOYMENT_RATE": "percent"},
            },
        ),
    ]
    if not published:
        tables.append(
            _table(
                "9.9",
                "Unprotected small counts (never published)",
                ("SEX",),
                [{"SEX": "F", "OBS_VALUE": 2.0, "OBS_STATUS": "A"}],
                published=False,
            )
        )
    return tables


def write_release(folder: Path) -> Path:
    """Write the published release into ``folder`` (created); returns it."""
    write_tables(sample_tables(published=True), folder / "tables")
    for rel, content in RELEASE_FILES.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    files = [
        {"path": rel, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        for rel, content in sorted(RELEASE_FILES.items())
    ]
    manifest = {"release": RELEASE_NAME, "prepared": "2025-03-01", "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return folder


def write_workspace(workspace: Path) -> Path:
    """The secure side of a workspace: statistics/, reports/ and linkage/."""
    write_tables(sample_tables(published=False), workspace / "statistics")
    reports = workspace / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "quality.html").write_text("<html><body><h1>Quality report</h1></body></html>")
    (reports / "coding.json").write_text('{"coded": 99}\n')
    linkage = workspace / "linkage"
    (linkage / "review").mkdir(parents=True, exist_ok=True)
    (linkage / "report.json").write_text('{"persons": 1234}\n')
    (linkage / "review" / "border_dedup.csv").write_text("surname,given\nIBRAHIM,Ali\n")
    return workspace
