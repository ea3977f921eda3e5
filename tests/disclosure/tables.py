"""Small tables of the real shape for the disclosure tests, built here (no files)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa

from migstats.stats.cube import ObservationTable, cube, table_from

#: The breakdowns of table 5.1 (overstayers), as the statistics stage makes them.
OVERSTAY_BREAKDOWNS = (
    (),
    ("SEX",),
    ("AGE",),
    ("SEX", "AGE"),
    ("CITIZENSHIP",),
    ("CITIZENSHIP", "SEX"),
    ("VISA_TYPE",),
    ("CITIZENSHIP", "VISA_TYPE"),
    ("AUTHORISATION",),
    ("VISA_TYPE", "AUTHORISATION"),
)


def grid(
    table_id: str,
    rows: Mapping[str, Sequence[float]],
    columns: Sequence[str],
    *,
    row_dim: str = "SEX",
    col_dim: str = "AGE",
) -> ObservationTable:
    """A two-way table with both margins and the grand total, from its inner cells."""
    records = []
    inner = np.array([list(v) for v in rows.values()], dtype=float)
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            records.append({row_dim: r, col_dim: c, "OBS_VALUE": inner[i, j]})
        records.append({row_dim: r, col_dim: "_T", "OBS_VALUE": inner[i].sum()})
    for j, c in enumerate(columns):
        records.append({row_dim: "_T", col_dim: c, "OBS_VALUE": inner[:, j].sum()})
    records.append({row_dim: "_T", col_dim: "_T", "OBS_VALUE": inner.sum()})
    return table_from(table_id, "test", pa.Table.from_pylist(records), [row_dim, col_dim])


def people(size: int, seed: int) -> pa.Table:
    """Overstayer-like persons: skewed citizenships, mostly men, a few visa types."""
    rng = np.random.default_rng(seed)
    citizenship = rng.choice(
        ["BGD", "IND", "LKA", "NPL", "CHN", "PHL", "GBR", "DEU"],
        size,
        p=[0.45, 0.2, 0.1, 0.1, 0.05, 0.04, 0.03, 0.03],
    )
    return pa.table(
        {
            "person_key": [f"p{seed}-{i}" for i in range(size)],
            "reference": rng.choice(["census_night", "year_end_2023"], size),
            "citizenship": citizenship,
            "sex": rng.choice(["M", "F"], size, p=[0.85, 0.15]),
            "age": rng.integers(18, 60, size),
            "visa_type": rng.choice(["WORK", "TOURIST"], size, p=[0.7, 0.3]),
            "authorisation": rng.choice(["PERMIT", "VISA_ON_ARRIVAL", "NOT_ON_RECORD"], size),
        }
    )


def overstayers(size: int = 300, seed: int = 5, *, table_id: str = "5.1") -> ObservationTable:
    """A table shaped like 5.1 (same breakdowns, a reference-date slice dimension), with
    its CELL_KEY, from ``size`` synthetic persons."""
    con = duckdb.connect()
    con.register("overstayer", people(size, seed))
    dims = {
        "REF_DATE": "reference",
        "CITIZENSHIP": "citizenship",
        "SEX": "sex",
        "AGE": "case when age < 30 then 'Y18T29' when age < 45 then 'Y30T44' else 'Y_GE45' end",
        "VISA_TYPE": "visa_type",
        "AUTHORISATION": "authorisation",
    }
    data = cube(
        con, "overstayer", dims, OVERSTAY_BREAKDOWNS, always=("REF_DATE",), cell_key="person_key"
    )
    return table_from(table_id, "Overstayers", data, list(dims))
