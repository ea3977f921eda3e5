"""The frame's views over the workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from migstats.residence import ResidenceRule
from migstats.stats.frame import StatFrame, reference_dates

START, END = dt.date(2019, 1, 1), dt.date(2020, 12, 31)


def _events(path: Path, *, with_record_id: bool) -> Path:
    columns = {
        "person_id": ["P1", "P1"],
        "crossing_date": [dt.date(2019, 2, 1), dt.date(2019, 2, 1)],
        "direction": ["ARR", "DEP"],
        "res_status_before": ["non_resident", "non_resident"],
        "res_status_after": ["non_resident", "non_resident"],
        "is_long_term_migration": [False, False],
        "date_final": [dt.date(2019, 6, 1), dt.date(2019, 6, 1)],
        "repair": pa.array([None, None], pa.string()),
    }
    if with_record_id:
        columns["record_id"] = ["R2", "R1"]
    pq.write_table(pa.table(columns), path)
    return path


def _frame(tmp_path: Path) -> StatFrame:
    return StatFrame(
        duckdb.connect(), tmp_path, "MDV", START, END, None, ResidenceRule(),
        reference_dates(START, END, None),
    )  # fmt: skip


def test_events_carry_record_ids_and_the_rules_order(tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    frame.use_events(_events(tmp_path / "e.parquet", with_record_id=True))
    rows = frame.con.sql("select record_id, direction, seq from event order by seq").fetchall()
    assert rows == [("R2", "ARR", 0), ("R1", "DEP", 1)]


def test_events_written_before_record_ids_still_open(tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    frame.use_events(_events(tmp_path / "e.parquet", with_record_id=False))
    assert frame.con.sql("select count(*), count(record_id) from event").fetchall() == [(2, 0)]


def test_missed_departures_are_counted_once_per_events(tmp_path: Path) -> None:
    from migstats.stats.departures import missed_departures

    frame = _frame(tmp_path)
    frame.con.execute("create view person as select 'P1' as person_key, 'DEU' as citizenship")
    frame.use_events(_events(tmp_path / "e.parquet", with_record_id=True))
    # One visit, its departure recorded and no arrival after it: nothing followed.
    first = missed_departures(frame)
    assert (first.missed, first.arrivals_followed) == (0, 0)
    assert missed_departures(frame) is first
    # The same visit, then an arrival with the departure between them missed (imputed).
    path = tmp_path / "e2.parquet"
    table = pq.read_table(_events(tmp_path / "e.parquet", with_record_id=True))
    table = table.set_column(
        table.schema.get_field_index("repair"), "repair", pa.array([None, "missing_dep_imputed"])
    ).set_column(table.schema.get_field_index("direction"), "direction", pa.array(["ARR", "ARR"]))
    pq.write_table(table, path)
    frame.use_events(path)
    again = missed_departures(frame)
    assert (again.missed, again.arrivals_followed) == (1, 1)
