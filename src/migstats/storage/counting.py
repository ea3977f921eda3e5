"""Counting the records of a delivered file without loading it.

CSV records are counted while the bytes stream past (landing reads each file once): a
record ends at a line break (``\n``, ``\r\n`` or a lone ``\r``) outside double quotes,
so quoted newlines inside a value do not split a record; this is how Python's csv
module reads a file. Blank lines are not records; a last record without a final line
break is. The delimiter does not matter for counting. Excel rows are counted by fastexcel
(as the readers see them), Parquet rows come from the file's metadata. The header is not a row.

>>> counter = CsvRecordCounter("utf-8")
>>> counter.feed(b'ID,NOTE\\r\\n1,"two\\nlines"\\r\\n\\r\\n2,')
>>> counter.feed(b'"x"')
>>> counter.rows()
2
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np

from migstats.errors import MissingExtraError, UserInputError

_QUOTE, _LF, _CR = 0x22, 0x0A, 0x0D


def _ascii_compatible(encoding: str) -> bool:
    """True when quotes and newlines are the same single bytes as in ASCII.

    UTF-8, Latin-1, Windows code pages and the East Asian multi-byte encodings qualify
    (their trail bytes never equal a quote or a newline); UTF-16/32 do not.
    """
    sample = b'"\n\r,;ab'
    try:
        return sample.decode(encoding) == sample.decode("ascii")
    except UnicodeDecodeError:
        return False


class CsvRecordCounter:
    """Counts CSV records in bytes fed chunk by chunk (vectorised with NumPy).

    The quote state carries across chunks, so a chunk may end anywhere, even inside a
    quoted value or between ``\\r`` and ``\\n``. Encodings that are not ASCII-compatible
    are transcoded to UTF-8 on the fly.
    """

    def __init__(self, encoding: str) -> None:
        codecs.lookup(encoding)  # LookupError for an unknown encoding, before any work
        self._decoder = (
            None if _ascii_compatible(encoding) else codecs.getincrementaldecoder(encoding)()
        )
        self._quotes = 0  # quotes seen so far: an odd count means inside a quoted value
        self._records = 0
        self._carry = np.array([_LF, _LF], np.uint8)  # the file starts "after a newline"
        self._tail = False  # content after the last record end
        self._pending = b""

    def feed(self, chunk: bytes) -> None:
        """Count the records ending in ``chunk``."""
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk).encode("utf-8")
        data = self._pending + chunk if self._pending else chunk
        # A final "\r" may be half of "\r\n": decide when the next byte is known.
        self._pending = b"\r" if data.endswith(b"\r") else b""
        self._scan(data[:-1] if self._pending else data)

    def _scan(self, chunk: bytes) -> None:
        if not chunk:
            return
        data = np.frombuffer(chunk, np.uint8)
        # Line breaks are rare bytes: find every byte up to "\r" in one pass, then keep
        # each "\n" and each "\r" not followed by "\n" (a lone "\r" ends a record).
        ctl = np.flatnonzero(data <= _CR)
        byte = data[ctl]
        following = data[np.minimum(ctl + 1, len(data) - 1)]
        candidates = ctl[(byte == _LF) | ((byte == _CR) & (following != _LF))]
        quotes = np.flatnonzero(data == _QUOTE)
        outside = ((np.searchsorted(quotes, candidates) + self._quotes) & 1) == 0
        ends = candidates[outside]
        # The two bytes before each end, looking back into the previous chunk if needed.
        before = np.where(ends >= 1, data[np.maximum(ends - 1, 0)], self._carry[1])
        before2 = np.where(
            ends >= 2, data[np.maximum(ends - 2, 0)], self._carry[np.minimum(ends, 1)]
        )
        # Blank: nothing between the previous record end and this one (CRLF is one end).
        blank = (before == _LF) | (before == _CR)
        crlf = (data[ends] == _LF) & (before == _CR)
        blank[crlf] = (before2[crlf] == _LF) | (before2[crlf] == _CR)
        self._records += int(np.count_nonzero(~blank))
        self._tail = bool(len(data) - 1 - ends[-1]) if len(ends) else True
        self._quotes += len(quotes)
        self._carry = np.concatenate([self._carry, data[-2:]])[-2:]

    def rows(self) -> int:
        """Data rows so far: records (plus an unterminated last one) minus the header."""
        if self._decoder is not None:
            self.feed(self._decoder.decode(b"", final=True).encode("utf-8"))
        if self._pending:  # the file ends with "\r": a record end
            self._scan(self._pending)
            self._pending = b""
        return max(0, self._records + int(self._tail) - 1)


def count_csv_rows(path: Path, encoding: str = "utf-8", chunk_size: int = 8 << 20) -> int:
    """Data rows of a CSV file (see :class:`CsvRecordCounter`)."""
    counter = CsvRecordCounter(encoding)
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            counter.feed(chunk)
    return counter.rows()


def count_xlsx_rows(path: Path, sheet: str | None = None) -> int:
    """Data rows of a worksheet (the first if ``sheet`` is None), below the header.

    Counted by fastexcel (calamine), as the readers read the sheet, so landing and
    reading agree: a blank row between records counts, trailing blank rows do not.
    openpyxl would take minutes for a national register; calamine takes seconds.
    """
    try:
        import fastexcel
    except ImportError:  # pragma: no cover - a core dependency
        raise MissingExtraError("Counting Excel rows", "core", "fastexcel") from None
    reader = fastexcel.read_excel(str(path))
    names = reader.sheet_names
    if sheet is not None and sheet not in names:
        raise UserInputError(
            f"No sheet {sheet!r} in {path.name}",
            f"the workbook has {', '.join(names)}",
            "correct the source's `sheet`",
        )
    # n_rows=0 converts no cell to Arrow; total_height still counts the whole sheet.
    # Counting the header as a row and subtracting it copes with an empty sheet.
    target = sheet if sheet is not None else 0
    height = reader.load_sheet(target, header_row=None, n_rows=0).total_height
    return max(0, int(height) - 1)


def count_parquet_rows(path: Path) -> int:
    """Rows of a Parquet file, from its footer."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def count_rows(path: Path, fmt: str, *, encoding: str = "utf-8", sheet: str | None = None) -> int:
    """Data rows of a delivered file of format ``csv``, ``xlsx`` or ``parquet``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes(b'A;B\\n1;"x\\ny"\\n2;z\\n\\n')
    >>> count_rows(p, "csv")
    2
    """
    if fmt == "csv":
        return count_csv_rows(path, encoding)
    if fmt == "xlsx":
        return count_xlsx_rows(path, sheet)
    if fmt == "parquet":
        return count_parquet_rows(path)
    raise ValueError(f"unknown format {fmt!r}")
