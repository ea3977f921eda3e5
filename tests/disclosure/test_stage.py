"""protect_all under the default rules, on tables of the real shapes; re-runs; files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from migstats.disclosure import DisclosureSection, ThresholdRule, check_all, gate, protect_all
from migstats.stats.cube import ObservationTable, read_table, table_from, write_tables
from tests.disclosure.attack import feasible_intervals
from tests.disclosure.tables import overstayers

SECRET = b"a-test-secret-of-enough-length"
SOURCES = {
    "_T": ["C", "B", "P", "CB", "CP", "BP", "CBP"],
    "CENSUS": ["C", "CB", "CP", "CBP"],
    "BORDER": ["B", "CB", "BP", "CBP"],
    "PERMIT": ["P", "CP", "BP", "CBP"],
}


def reconciliation() -> ObservationTable:
    """Table R.1's shape: persons by which sources count them (overlapping codes)."""
    parts = {"C": 3, "B": 40, "P": 12, "CB": 25, "CP": 2, "BP": 30, "CBP": 55}
    values = {**parts}
    for parent, children in SOURCES.items():
        values[parent] = sum(parts[c] for c in children)
    rows = [
        {"REF_DATE": "census_night", "SOURCES": k, "OBS_VALUE": float(v), "CELL_KEY": (7 * i) % 256}
        for i, (k, v) in enumerate(sorted(values.items()))
    ]
    return table_from("R.1", "sources", pa.Table.from_pylist(rows), ["REF_DATE", "SOURCES"])


def attendance() -> ObservationTable:
    """Table 7.3's shape: counts, a rate of them, and a parity index of the rates."""
    rows = []
    counts = {"F": (6, 5), "M": (7, 7), "_T": (13, 12)}  # (population, attending)
    for sex, (population, attending) in counts.items():
        rows += [
            {"SEX": sex, "MEASURE": "POPULATION", "OBS_VALUE": float(population)},
            {"SEX": sex, "MEASURE": "ATTENDING", "OBS_VALUE": float(attending)},
            {"SEX": sex, "MEASURE": "ATTENDANCE_RATE", "OBS_VALUE": 100 * attending / population},
        ]
    rows.append({"SEX": "_T", "MEASURE": "GPI", "OBS_VALUE": (5 / 6) / (7 / 7)})
    return table_from("7.3", "attendance", pa.Table.from_pylist(rows), ["SEX", "MEASURE"])


def test_default_rules_end_to_end(tmp_path: Path) -> None:
    section = DisclosureSection()
    counts = overstayers(200, seed=21)
    tables = [counts, reconciliation(), attendance()]
    protected = protect_all(tables, section, secret=SECRET)
    gate(protected, section, originals={t.table_id: t for t in tables})
    by_id = {t.table_id: t for t in protected}
    assert by_id["5.1"].metadata["disclosure"]["method"] == "threshold"
    assert by_id["R.1"].metadata["disclosure"]["ptable"]["name"] == "migstats_v1"
    # 7.3: rates and the parity index recomputed from the rounded counts
    values = {(r["SEX"], r["MEASURE"]): r["OBS_VALUE"] for r in by_id["7.3"].data.to_pylist()}
    for sex in ("F", "M", "_T"):
        population, attending = values[sex, "POPULATION"], values[sex, "ATTENDING"]
        assert population % 5 == 0 and attending % 5 == 0
        rate = values[sex, "ATTENDANCE_RATE"]
        assert rate == (None if population == 0 else round(100 * attending / population, 6))
    # the files keep everything the gate needs
    write_tables(protected, tmp_path)
    again = [read_table(tmp_path / f"{t.table_id}.parquet") for t in protected]
    assert check_all(again, section) == []


def test_rerun_gives_identical_tables() -> None:
    section = DisclosureSection()
    tables = [overstayers(150, seed=2), reconciliation(), attendance()]
    first = protect_all(tables, section, secret=SECRET)
    second = protect_all(tables, section, secret=SECRET)
    for a, b in zip(first, second, strict=True):
        assert a.data.equals(b.data)
        assert a.metadata == b.metadata


def test_overlapping_sources_under_a_threshold() -> None:
    """R.1 under a threshold rule: its hierarchy (census = C + CB + CP + CBP, ...) is
    what the attacker uses too; no suppressed cell is pinned by it."""
    section = DisclosureSection(tables={"R.1": ThresholdRule(method="threshold")})
    (out,) = protect_all([reconciliation()], section)
    flags = {r["SOURCES"]: r["CONF_STATUS"] for r in out.data.to_pylist()}
    assert flags["C"] == flags["CP"] == "A"
    intervals = feasible_intervals(out, n=10, hierarchies={"SOURCES": SOURCES})
    assert intervals and all(i.width >= 1 for i in intervals.values())
    gate([out], section)
