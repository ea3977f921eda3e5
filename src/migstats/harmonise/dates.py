"""Date columns: one format detected per column (per file), never guessed row by row.

Each candidate format is tried on the column (DuckDB ``try_strptime``, vectorised: first
on a sample of rows, then exactly on every row for the formats that parse any); the
format that parses the most rows wins. When several formats parse exactly as many rows
(``"01/03/2022"`` reads as 1 March or 3 January whenever every day is at most 12), the
column is reported ``ambiguous`` and the stated default order decides
(``day_first=True``: day before month, the Maldives' usage). Impossible dates
(``"31/02/2022"``) do not parse. Rows that do not parse with the chosen format are
reported with their row index and
value, and stay null; none is dropped. Years outside ``years`` count as not parsed
(``"1-Mar-22"`` is not the year 22).

Candidates: :data:`DEFAULT_FORMATS` (strftime patterns; ``%d`` and ``%m`` also read
unpadded numbers, ``%b`` any case, ``%y`` pivots at 69: 00-68 are 2000-2068) and
``"excel"`` (Excel serial day numbers, counted from 1899-12-30).

>>> p = parse_dates(["1-Mar-22", "15-Dec-21", "31-Feb-22", None])
>>> p.format, p.ambiguous, p.dates.to_pylist()
('%d-%b-%y', False, [datetime.date(2022, 3, 1), datetime.date(2021, 12, 15), None, None])
>>> p.failures.to_pylist()
[{'row': 2, 'value': '31-Feb-22'}]
>>> parse_dates(["01/03/2022", "02/04/2022"]).ambiguous
True
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from migstats.errors import UserInputError
from migstats.harmonise.codebook import as_text

__all__ = ["DEFAULT_FORMATS", "EXCEL", "DateParse", "parse_dates"]

LOGGER = logging.getLogger("migstats.harmonise")

EXCEL = "excel"
"""Pseudo-format: Excel serial day numbers (days since 1899-12-30)."""

DEFAULT_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d.%m.%Y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%Y%m%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    EXCEL,
)
"""Formats tried when none is given, in order of preference among ties."""

_TIME_CODES = ("%H", "%M", "%S", "%I", "%p")


def _has_time(fmt: str) -> bool:
    return any(code in fmt for code in _TIME_CODES)


def _day_first(fmt: str) -> bool | None:
    """True if the day comes before the month, False if after, None if not numeric."""
    if "%d" not in fmt or "%m" not in fmt:
        return None
    return fmt.index("%d") < fmt.index("%m")


def _expression(fmt: str) -> str:
    """SQL parsing the (trimmed) column ``v`` with ``fmt`` to a timestamp, or NULL."""
    if fmt == EXCEL:
        serial = "try_cast(v AS DOUBLE)"
        return (
            f"CASE WHEN regexp_full_match(v, '\\d{{1,7}}(\\.\\d+)?') "
            f"AND {serial} >= 1 AND {serial} < 2958466 "
            f"THEN CAST(DATE '1899-12-30' AS TIMESTAMP) "
            f"+ to_days(CAST(floor({serial}) AS INTEGER)) END"
        )
    literal = fmt.replace("'", "''")
    return f"try_strptime(v, '{literal}')"


def _parsed_columns(formats: Sequence[str], years: tuple[int, int], source: str) -> str:
    """SQL: one plausible-year timestamp ``p<i>`` per format for each value ``v`` of
    ``source``, in the source's row order."""
    lo, hi = years
    inner = ", ".join(f"{_expression(f)} AS r{i}" for i, f in enumerate(formats))
    within = f"BETWEEN TIMESTAMP '{lo:04d}-01-01' AND TIMESTAMP '{hi:04d}-12-31 23:59:59'"
    outer = ", ".join(f"CASE WHEN r{i} {within} THEN r{i} END AS p{i}" for i in range(len(formats)))
    return f"SELECT {outer} FROM (SELECT {inner} FROM {source})"


@dataclass(frozen=True)
class DateParse:
    """A parsed date column and how it was parsed.

    ``dates`` (date32) and ``timestamps`` (only when the format has a time) are aligned
    with the input rows; ``failures`` lists every row that is neither blank nor parsed.
    """

    column: str
    format: str | None
    ambiguous: bool
    tied: tuple[str, ...]
    """Formats that parsed as many rows as the chosen one (more than one: ambiguous)."""
    parsed_by_format: Mapping[str, int]
    """Rows each format tried on the whole column parsed (all candidates on a short
    column; the best ones on the sample on a long one)."""
    sampled_by_format: Mapping[str, int]
    """Sample rows each candidate parsed (empty when the whole column was tried)."""
    rows: int
    missing: int
    failed: int
    dates: pa.ChunkedArray
    timestamps: pa.ChunkedArray | None
    failures: pa.Table

    @property
    def parsed(self) -> int:
        """Rows parsed."""
        return self.rows - self.missing - self.failed


def _choose(
    counts: Mapping[str, int], formats: Sequence[str], day_first: bool
) -> tuple[str | None, tuple[str, ...]]:
    best = max(counts.values(), default=0)
    if best == 0:
        return None, ()
    tied = tuple(f for f in formats if counts[f] == best)
    if len(tied) == 1:
        return tied[0], tied
    preferred = [f for f in tied if _day_first(f) in (None, day_first)]
    return (preferred or list(tied))[0], tied


SAMPLE = 10_000
"""Rows every candidate format is tried on before the whole column is parsed."""

CLOSE = 0.02
"""Formats parsing at least this share less of the sample than the best one are not
tried on the whole column (trying a format that fails is the costly part)."""


def _detect(
    con: duckdb.DuckDBPyConnection,
    text: pa.ChunkedArray,
    filled: pa.Array,
    formats: Sequence[str],
    years: tuple[int, int],
) -> tuple[dict[str, int], dict[str, int], dict[str, pa.ChunkedArray]]:
    """Rows each format parses on the whole column, on the sample, and the parsed column
    of each format tried on the whole column.

    On a long column every format is first tried on an evenly spaced sample of the
    non-blank rows; the best one and those within :data:`CLOSE` of it are then run on
    the whole column, so the choice between close formats (and the ambiguity of the
    day/month order) rests on exact counts.
    """
    on_sample: dict[str, int] = {}
    contenders = list(formats)
    if len(filled) > SAMPLE and len(formats) > 1:
        step = len(filled) // SAMPLE + 1
        sample = pa.table({"v": pc.take(filled, pa.array(range(0, len(filled), step)))})
        con.register("sample_values", sample)
        parsed = con.sql(_parsed_columns(formats, years, "sample_values")).to_arrow_table()
        on_sample = {f: len(sample) - parsed.column(i).null_count for i, f in enumerate(formats)}
        best = max(on_sample.values())
        contenders = [f for f in formats if on_sample[f] > 0 and on_sample[f] >= best * (1 - CLOSE)]
    if not contenders:
        return {}, on_sample, {}
    con.register("column_values", pa.table({"v": text}))
    parsed = con.sql(_parsed_columns(contenders, years, "column_values")).to_arrow_table()
    columns = {f: parsed.column(i) for i, f in enumerate(contenders)}
    return {f: len(c) - c.null_count for f, c in columns.items()}, on_sample, columns


def parse_dates(
    values: pa.Array | pa.ChunkedArray | Sequence[Any],
    *,
    column: str = "date",
    formats: Sequence[str] = DEFAULT_FORMATS,
    format: str | None = None,
    day_first: bool = True,
    years: tuple[int, int] = (1850, 2150),
) -> DateParse:
    """Detect the format of a date column and parse it.

    ``format`` skips detection (e.g. the format stated in the data dictionary).
    Temporal input (date or timestamp columns) is taken as it is.

    >>> parse_dates(["2022-03-01 08:15"], column="t").timestamps.to_pylist()
    [datetime.datetime(2022, 3, 1, 8, 15)]
    >>> parse_dates(["44621"]).dates.to_pylist()
    [datetime.date(2022, 3, 1)]
    """
    if isinstance(values, pa.Array | pa.ChunkedArray) and pa.types.is_temporal(values.type):
        return _native(values, column)
    candidates = [format] if format is not None else list(formats)
    unknown = [f for f in candidates if f != EXCEL and "%" not in f]
    if unknown:
        raise UserInputError(
            "Unknown date format", f"{unknown} for column {column!r}", "use strftime patterns"
        )
    text = as_text(values)
    trimmed = pc.utf8_trim_whitespace(text)
    blank = pc.fill_null(pc.equal(trimmed, ""), True)
    filled = pc.filter(trimmed, pc.invert(blank)).combine_chunks()
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")  # parsed rows align with input
        by_format, on_sample, parsed = _detect(con, trimmed, filled, candidates, years)
    finally:
        con.close()
    chosen, tied = _choose(by_format, [f for f in candidates if f in by_format], day_first)
    if chosen is None:
        stamps = pa.chunked_array([pa.nulls(len(text), pa.timestamp("us"))])
    else:
        stamps = parsed[chosen]
    dates = pc.cast(stamps, pa.date32())
    failed_mask = pc.and_(pc.invert(blank), pc.is_null(stamps))
    rows = pc.indices_nonzero(failed_mask)
    # (Arrow's take over a chunked column is slow even for no indices: skip it then.)
    failed_values = pc.take(text.combine_chunks(), rows) if len(rows) else pa.array([], pa.string())
    failures = pa.table({"row": pc.cast(rows, pa.int64()), "value": failed_values})
    result = DateParse(
        column=column,
        format=chosen,
        ambiguous=len(tied) > 1,
        tied=tied,
        parsed_by_format=by_format,
        sampled_by_format=on_sample,
        rows=len(text),
        missing=int(pc.sum(blank).as_py() or 0),
        failed=len(rows),
        dates=_chunked(dates),
        timestamps=_chunked(stamps) if chosen and _has_time(chosen) else None,
        failures=failures,
    )
    if result.ambiguous:
        LOGGER.warning(
            "%s: day/month order ambiguous (%s parse alike); using %s",
            column,
            ", ".join(tied),
            chosen,
        )
    if result.failed:
        LOGGER.info("%s: %d values do not parse as %s", column, result.failed, chosen)
    return result


def _chunked(values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def _native(values: pa.Array | pa.ChunkedArray, column: str) -> DateParse:
    column_values = _chunked(values)
    has_time = pa.types.is_timestamp(column_values.type)
    missing = column_values.null_count
    return DateParse(
        column=column,
        format="native",
        ambiguous=False,
        tied=("native",),
        parsed_by_format={"native": len(column_values) - missing},
        sampled_by_format={},
        rows=len(column_values),
        missing=missing,
        failed=0,
        dates=_chunked(pc.cast(column_values, pa.date32())),
        timestamps=column_values if has_time else None,
        failures=pa.table({"row": pa.array([], pa.int64()), "value": pa.array([], pa.string())}),
    )
