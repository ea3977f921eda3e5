"""Row counting: CSV records as Python's csv module sees them (quoted newlines, CRLF,
blank lines, a last line without newline, encodings), fed in chunks of any size; Excel
and Parquet rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migstats.errors import UserInputError
from migstats.storage.counting import CsvRecordCounter, count_rows


def _reference(data: bytes, encoding: str, delimiter: str = ",") -> int:
    """Data rows as the csv module counts them (blank lines are not rows)."""
    text = data.decode(encoding)
    return max(
        0,
        sum(1 for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row) - 1,
    )


def _count(data: bytes, encoding: str = "utf-8", chunk: int = 1 << 20) -> int:
    counter = CsvRecordCounter(encoding)
    for i in range(0, len(data), chunk):
        counter.feed(data[i : i + chunk])
    return counter.rows()


CASES = {
    "plain": b"A,B\n1,2\n3,4\n",
    "no final newline": b"A,B\n1,2\n3,4",
    "crlf": b"A,B\r\n1,2\r\n3,4\r\n",
    "quoted newline": b'A,B\n1,"two\nlines"\n3,"x\r\ny"\n',
    "escaped quotes": b'A,B\n1,"say ""hi""\n there"\n2,""\n',
    "blank lines": b"A,B\n\n1,2\n\r\n\n3,4\n\n\n",
    "header only": b"A,B\n",
    "empty": b"",
    "ragged row": b"A,B,C\n1,2\n3,4,5,6\n",
    "old mac line ends": b"A,B\r1,2\r\r3,4\r",
    "mixed line ends": b'A,B\r\n1,"2\r"\r3,4\n5,6',
    "newline after quoted value at end": b'A\n"x"',
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_csv_records_match_the_csv_module(name: str, chunk: int) -> None:
    data = CASES[name]
    assert _count(data, chunk=chunk) == _reference(data, "utf-8")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le"])
def test_encodings(encoding: str) -> None:
    text = 'NAME;NOTE\r\n"Aminath";"Malé\nCity"\r\nRené;"a;b"\r\n'
    data = text.encode(encoding)
    assert _count(data, encoding, chunk=3) == _reference(data, encoding, ";") == 2


_cell = st.text(
    alphabet=st.sampled_from(["a", "é", '"', ",", ";", "\n", "\r", " ", "1"]), max_size=6
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(_cell, min_size=1, max_size=4), min_size=0, max_size=12),
    terminator=st.sampled_from(["\n", "\r\n"]),
    chunk=st.integers(1, 40),
    encoding=st.sampled_from(["utf-8", "utf-16"]),
)
def test_any_written_csv_is_counted_like_the_csv_module(
    rows: list[list[str]], terminator: str, chunk: int, encoding: str
) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=terminator)
    writer.writerow(["H1", "H2"])
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding)
    assert _count(data, encoding, chunk) == _reference(data, encoding)


def test_unknown_encoding_fails_early() -> None:
    with pytest.raises(LookupError):
        CsvRecordCounter("utf-99")


def test_parquet_rows(tmp_path: Path) -> None:
    table = pa.table({"id": list(range(37)), "name": ["x"] * 37})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=10)
    assert count_rows(tmp_path / "t.parquet", "parquet") == 37


def test_xlsx_rows_as_the_readers_see_them(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Other"
    ws = book.create_sheet("Register")
    ws.append(["ID", "NAME"])
    for i in range(12):
        ws.append([i, f"name {i}"])
    ws.append([None, None])  # a blank row between records is a (bad) record ...
    ws.append([99, "last"])
    ws.append([None, None])  # ... but not a trailing one
    book.save(tmp_path / "t.xlsx")
    assert count_rows(tmp_path / "t.xlsx", "xlsx", sheet="Register") == 14
    assert count_rows(tmp_path / "t.xlsx", "xlsx") == 0  # the first sheet is empty
    with pytest.raises(UserInputError, match="Other, Register"):
        count_rows(tmp_path / "t.xlsx", "xlsx", sheet="Registre")


def test_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(CASES["quoted newline"])
    assert count_rows(path, "csv") == 2
