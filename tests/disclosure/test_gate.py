"""The publication gate refuses unprotected and tampered tables, naming table and rule."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from migstats.disclosure import (
    CellKeyRule,
    DisclosureSection,
    PublicationRefused,
    RatesRule,
    RoundingRule,
    ThresholdRule,
    check,
    gate,
    protect,
    protect_all,
)
from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable, table_from
from tests.disclosure.tables import grid, overstayers

THRESHOLD = ThresholdRule(method="threshold", n=10)
SECRET = b"a-test-secret-of-enough-length"


def edit(table: ObservationTable, row: dict[str, str], **changes: Any) -> ObservationTable:
    """The table with the cell matching ``row``'s codes changed."""
    data = table.data.to_pylist()
    for record in data:
        if all(record[d] == c for d, c in row.items()):
            record.update(changes)
    new = pa.Table.from_pylist(data, schema=table.data.schema)
    return ObservationTable(
        table.table_id, table.title, table.dimensions, new, table.unit, table.metadata
    )


def problems(table: ObservationTable, rule: Any, **kw: Any) -> list[str]:
    return [str(v) for v in check(table, rule, **kw)]


def small_grid() -> ObservationTable:
    return grid("5.1", {"F": [4, 25], "M": [30, 41]}, ["a", "b"])


def test_protected_tables_pass() -> None:
    raw = small_grid()
    assert problems(protect(raw, THRESHOLD), THRESHOLD, original=raw) == []


def test_unprotected_table_is_refused() -> None:
    assert problems(small_grid(), THRESHOLD) == [
        "table 5.1 fails threshold(n=10): no disclosure record (the table was never protected)"
    ]


def test_published_small_count_is_refused() -> None:
    """Someone puts F-a = 4 back."""
    out = edit(protect(small_grid(), THRESHOLD), {"SEX": "F", "AGE": "a"}, OBS_VALUE=4.0)
    found = problems(out, THRESHOLD)
    assert "table 5.1 fails threshold(n=10): cell (F, a) is suppressed but has a value" in found
    out = edit(out, {"SEX": "F", "AGE": "a"}, CONF_STATUS="F")
    assert "table 5.1 fails threshold(n=10): cell (F, a) value 4 published" in problems(
        out, THRESHOLD
    )


def test_pinned_suppressed_cell_is_refused() -> None:
    """Publish M-b = 41 again: column b gives F-b = 66 - 41 = 25, row F gives
    F-a = 29 - 25 = 4. The gate's own attack finds it."""
    out = edit(protect(small_grid(), THRESHOLD), {"SEX": "M", "AGE": "b"}, OBS_VALUE=41.0)
    out = edit(out, {"SEX": "M", "AGE": "b"}, CONF_STATUS="F")
    found = problems(out, THRESHOLD)
    assert any("suppressed cell (F, a) can be narrowed to [4, 4]" in p for p in found), found


def test_cell_key_column_left_in_is_refused() -> None:
    table = overstayers(120, seed=2)
    out = protect(table, THRESHOLD)
    leaked = ObservationTable(
        out.table_id,
        out.title,
        out.dimensions,
        out.data.append_column("CELL_KEY", table.data.column("CELL_KEY")),
        out.unit,
        out.metadata,
    )
    assert any("CELL_KEY" in p for p in problems(leaked, THRESHOLD))


def test_rule_changed_since_protection_is_refused() -> None:
    out = protect(small_grid(), THRESHOLD)
    stricter = ThresholdRule(method="threshold", n=15)
    found = problems(out, stricter)
    assert found[0] == (
        "table 5.1 fails threshold(n=15): it was protected with threshold(n=10)"
        " but the rule configured for it differs"
    )


def keyed_counts() -> ObservationTable:
    data = pa.table(
        {
            "SEX": ["F", "M", "_T"],
            "OBS_VALUE": [3.0, 40.0, 43.0],
            "CELL_KEY": [12, 200, 212],
        }
    )
    return table_from("1.3", "emigrants", data, ["SEX"])


def test_unperturbed_counts_under_cell_key_are_refused() -> None:
    """A table dressed up as protected (a copied record) but with its true counts: the
    count 3 is one the ptable never yields, and against the original the values are not
    the perturbation."""
    raw = keyed_counts()
    rule = CellKeyRule(method="cell_key")
    good = protect(raw, rule)
    assert problems(good, rule, original=raw) == []
    forged = ObservationTable(
        "1.3",
        "emigrants",
        ("SEX",),
        raw.data.drop_columns(["CELL_KEY"]).append_column("CONF_STATUS", pa.array(["F", "F", "F"])),
        metadata=good.metadata,
    )
    found = problems(forged, rule, original=raw)
    assert (
        "table 1.3 fails cell_key(ptable=migstats_v1): cell (F) value 3 published,"
        " which the ptable never yields"
    ) in found
    assert any("is not the perturbation of 40" in p for p in found)


def test_forged_ptable_record_is_refused() -> None:
    rule = CellKeyRule(method="cell_key")
    good = protect(keyed_counts(), rule)
    record = {**good.metadata["disclosure"], "ptable": {"name": "migstats_v1", "sha256": "0"}}
    forged = ObservationTable(
        "1.3", "e", ("SEX",), good.data, metadata={**good.metadata, "disclosure": record}
    )
    assert any("is not the shipped migstats_v1" in p for p in problems(forged, rule))


def test_unrounded_value_under_rounding_is_refused() -> None:
    rule = RoundingRule(method="rounding", base=5)
    raw = keyed_counts()
    out = edit(protect(raw, rule), {"SEX": "F"}, OBS_VALUE=3.0)
    assert "table 1.3 fails rounding(base=5, random): cell (F) value 3 is not a multiple of 5" in (
        problems(out, rule)
    )


def test_rates_on_few_persons_are_refused() -> None:
    data = pa.table(
        {
            "MEASURE": ["CENSUS_TO_BORDER", "CENSUS_TO_BORDER"],
            "SEX": ["F", "_T"],
            "OBS_VALUE": [56.716418, 60.649652],
            "OBS_STATUS": ["U", "A"],
        }
    )
    rule = RatesRule(method="rates")
    out = protect(table_from("R.2", "coverage", data, ["MEASURE", "SEX"]), rule)
    assert out.data.column("OBS_VALUE").to_pylist() == [None, 61.0]
    assert out.data.column("CONF_STATUS").to_pylist() == ["A", "F"]
    assert problems(out, rule) == []
    leaked = edit(out, {"SEX": "F"}, OBS_VALUE=56.716418)
    assert (
        "table R.2 fails rates(decimals=0, suppress U): rate (CENSUS_TO_BORDER, F) 56.7164"
        " rests on too few persons"
    ) in problems(leaked, rule)


def test_estimate_publishing_a_cell_its_source_suppresses_is_refused() -> None:
    section = DisclosureSection()
    counts = overstayers(150, seed=12)
    estimate = ObservationTable("5.2", "e", counts.dimensions, counts.data)
    protected = protect_all([counts, estimate], section)
    gate(protected, section)
    first_hidden = next(r for r in protected[1].data.to_pylist() if r["CONF_STATUS"] == "A")
    codes = {d: first_hidden[d] for d in counts.dimensions}
    original = next(r for r in counts.data.to_pylist() if all(r[d] == c for d, c in codes.items()))
    leaked = edit(protected[1], codes, OBS_VALUE=original["OBS_VALUE"], CONF_STATUS="F")
    with pytest.raises(PublicationRefused) as refused:
        gate([protected[0], leaked], section)
    assert "is suppressed in 5.1 but published here" in str(refused.value)


def test_gate_names_every_failing_table_and_rule() -> None:
    section = DisclosureSection(tables={"1.3": CellKeyRule(method="cell_key"), "5.1": THRESHOLD})
    raw = [keyed_counts(), small_grid()]
    with pytest.raises(PublicationRefused) as refused:
        gate(raw, section)
    error = refused.value
    assert isinstance(error, UserInputError)
    assert {v.table_id for v in error.violations} == {"1.3", "5.1"}
    message = str(error)
    assert message.startswith("Publication refused for 2 table(s) (1.3, 5.1): ")
    assert "table 1.3 fails cell_key(ptable=migstats_v1): no disclosure record" in message
    assert "table 5.1 fails threshold(n=10): no disclosure record" in message
    gate(protect_all(raw, section), section, originals={t.table_id: t for t in raw})
