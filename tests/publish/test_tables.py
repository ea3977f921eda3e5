"""Only protected, well-formed tables are published; errors name the table and the fix."""

from __future__ import annotations

import pyarrow as pa
import pytest

from migstats.publish.tables import PublishError, checked, checked_all
from migstats.stats.cube import ObservationTable
from tests.publish.conftest import all_tables, stock_table


def _with(table: ObservationTable, **columns: list[object]) -> ObservationTable:
    data = table.data
    for name, values in columns.items():
        typ = pa.float64() if name in ("OBS_VALUE", "LOWER", "UPPER") else pa.string()
        data = data.set_column(data.column_names.index(name), name, pa.array(values, typ))
    return ObservationTable(
        table.table_id, table.title, table.dimensions, data, table.unit, table.metadata
    )


def test_counts_cells_and_withheld_values() -> None:
    p = checked(stock_table())
    assert (p.cells, p.withheld) == (9, 2)
    assert p.dimensions == stock_table().dimensions


def test_unprotected_table_is_refused() -> None:
    t = stock_table()
    bare = ObservationTable("1.1", t.title, t.dimensions, t.data.drop_columns(["CONF_STATUS"]))
    with pytest.raises(PublishError, match=r"Table 1\.1 .*no CONF_STATUS.*disclosure control"):
        checked(bare)


def test_confidential_cell_with_a_value_is_refused() -> None:
    t = stock_table()
    values = t.data.column("OBS_VALUE").to_pylist()
    values[5] = 3.0  # the Kosovo cell is flagged A
    with pytest.raises(PublishError, match=r"1 cells flagged confidential .* OBS_VALUE"):
        checked(_with(t, OBS_VALUE=values))


def test_confidential_cell_with_bounds_is_refused() -> None:
    t = stock_table()
    lower = t.data.column("LOWER").to_pylist()
    lower[6] = 1.0
    with pytest.raises(PublishError, match="LOWER"):
        checked(_with(t, LOWER=lower))


def test_flags_outside_the_sdmx_code_lists_are_refused() -> None:
    t = stock_table()
    status = t.data.column("OBS_STATUS").to_pylist()
    status[0] = "Q"
    with pytest.raises(PublishError, match=r"OBS_STATUS codes \['Q'\]"):
        checked(_with(t, OBS_STATUS=status))


def test_duplicate_keys_and_null_codes_are_refused() -> None:
    t = stock_table()
    sex = t.data.column("SEX").to_pylist()
    sex[1] = "_T"
    with pytest.raises(PublishError, match="occur more than once"):
        checked(_with(t, SEX=sex))
    sex[1] = None
    with pytest.raises(PublishError, match="dimension SEX has 1 cells without a code"):
        checked(_with(t, SEX=sex))


def test_declared_dimension_absent_from_the_data_is_left_out() -> None:
    t = stock_table()
    wider = ObservationTable("1.1", t.title, (*t.dimensions, "REASON"), t.data, t.unit, t.metadata)
    assert "REASON" not in checked(wider).dimensions


def test_table_ids_must_be_unique() -> None:
    with pytest.raises(PublishError, match="two tables"):
        checked_all([*all_tables(), stock_table()])
