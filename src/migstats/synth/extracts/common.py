"""Shared pieces of the agency extracts: fault logging, date formats, name rendering,
Table Schema fields and deterministic writers (same seed, same bytes)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from migstats.synth.extracts.xlsx import write_xlsx
from migstats.synth.identity import Identities, text_from_bytes
from migstats.synth.names import full_name, typo

#: Fault codes written to the truth, in bit order.
FAULTS = (
    "duplicate",
    "name_typo",
    "name_variant",
    "dob_day_month_swapped",
    "invalid_code",
    "malformed",
    "passport_renewed",
    "permit_not_cancelled",
)


class FaultLog:
    """Which faults each record carries (a bit per fault), rendered as ``a;b`` codes."""

    def __init__(self, n: int) -> None:
        self.bits = np.zeros(n, np.int32)

    def add(self, name: str, mask: npt.NDArray[np.bool_]) -> None:
        self.bits |= np.where(mask, np.int32(1 << FAULTS.index(name)), np.int32(0))

    def take(self, index: npt.NDArray[np.int64]) -> FaultLog:
        out = FaultLog(0)
        out.bits = self.bits[index]
        return out

    def codes(self) -> pa.Array:
        unique, inverse = np.unique(self.bits, return_inverse=True)
        labels = [";".join(f for i, f in enumerate(FAULTS) if u & (1 << i)) for u in unique]
        return pc.take(pa.array(labels, pa.string()), pa.array(inverse))


def dates(days: npt.NDArray[np.integer[Any]]) -> pa.Array:
    """A date32 array from day numbers."""
    return pa.array(days.astype(np.int32), pa.date32())


def _format_days(days: npt.NDArray[np.int64], pattern: str) -> pa.Array:
    """Format each of a (small) set of day numbers; ``%H:%M`` parts stay literal."""
    d64 = days.astype("datetime64[D]")
    y = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (d64 - d64.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    out = []
    for yy, mm, dd in zip(y.tolist(), m.tolist(), d.tolist(), strict=True):
        text = (
            pattern.replace("%-d", str(dd))
            .replace("%d", f"{dd:02d}")
            .replace("%m", f"{mm:02d}")
            .replace("%Y", f"{yy:04d}")
            .replace("%y", f"{yy % 100:02d}")
            .replace("%b", months[mm - 1])
        )
        out.append(text)
    return pa.array(out, pa.string())


def fmt_dates(
    days: npt.NDArray[np.integer[Any]],
    pattern: str,
    null: npt.NDArray[np.bool_] | None = None,
    minutes: npt.NDArray[np.integer[Any]] | None = None,
) -> pa.Array:
    """Day numbers as text in a strftime-like ``pattern`` (``%Y %y %m %d %-d %b``, and
    ``%H:%M`` from ``minutes`` after midnight).

    Tens of millions of records hold only a few thousand distinct dates, so each date in
    the range is formatted once and the text is taken by index (Arrow's strftime is
    slow at this size).

    >>> fmt_dates(np.array([19052]), "%-d-%b-%y").to_pylist()
    ['1-Mar-22']
    >>> fmt_dates(np.array([0]), "%d/%m/%Y %H:%M", minutes=np.array([75])).to_pylist()
    ['01/01/1970 01:15']
    """
    values = np.asarray(days, np.int64)
    if len(values) == 0:
        return pa.array([], pa.string())
    date_part = pattern.partition(" %H:%M")[0]
    lo, hi = int(values.min()), int(values.max())
    table = _format_days(np.arange(lo, hi + 1, dtype=np.int64), date_part)
    if minutes is not None and " %H:%M" in pattern:
        # Fixed-width date and clock bytes side by side (joining strings is slower).
        date_bytes = np.array(table.to_pylist(), dtype="S").view(np.uint8)
        date_bytes = date_bytes.reshape(len(table), -1)
        clock = (
            np.array([f" {h:02d}:{mi:02d}" for h in range(24) for mi in range(60)], dtype="S6")
            .view(np.uint8)
            .reshape(1440, 6)
        )
        raw = np.hstack([date_bytes[values - lo], clock[np.asarray(minutes, np.int64)]])
        text = text_from_bytes(raw)
    else:
        text = pc.take(table, pa.array(values - lo))
    if null is not None:
        text = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), text)
    return text


def swap_day_month(
    days: npt.NDArray[np.int32], mask: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Swap day and month where ``mask`` and the swap gives another valid date.

    >>> d, ok = swap_day_month(np.array([19024], np.int32), np.array([True]))  # 2022-02-01
    >>> str(np.datetime64(int(d[0]), "D")), ok.tolist()
    ('2022-01-02', [True])
    """
    idx = np.flatnonzero(mask)
    d64 = days[idx].astype("datetime64[D]")
    year = d64.astype("datetime64[Y]")
    month = (d64.astype("datetime64[M]") - year.astype("datetime64[M]")).astype(np.int64) + 1
    dom = (d64 - d64.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    ok = (dom <= 12) & (dom != month)
    swapped = (year.astype("datetime64[M]") + (dom - 1)).astype("datetime64[D]") + (month - 1)
    out = days.astype(np.int32).copy()
    out[idx[ok]] = swapped[ok].astype(np.int64)
    flagged = np.zeros(len(days), bool)
    flagged[idx[ok]] = True
    return out, flagged


@dataclass
class NameFaults:
    """Per record: whether the name is written in a variant, and where a typo falls."""

    varies: npt.NDArray[np.bool_]
    typo: npt.NDArray[np.bool_]
    typo_on_surname: npt.NDArray[np.bool_]

    @classmethod
    def draw(
        cls,
        ident: Identities,
        rng: np.random.Generator,
        person: npt.NDArray[np.int64],
        typo_rate: float,
        log: FaultLog,
    ) -> NameFaults:
        n = len(person)
        out = cls(
            varies=ident.name_varies[person] & (rng.random(n) < 0.5),
            typo=rng.random(n) < typo_rate,
            typo_on_surname=rng.random(n) < 0.5,
        )
        log.add("name_variant", out.varies)
        log.add("name_typo", out.typo)
        return out

    def slice(self, a: int, b: int) -> NameFaults:
        return NameFaults(self.varies[a:b], self.typo[a:b], self.typo_on_surname[a:b])


def render_names(
    ident: Identities,
    rng: np.random.Generator,
    person: npt.NDArray[np.int64],
    faults: NameFaults,
) -> tuple[pa.Array, pa.Array]:
    """Given names and surname per record, with the drawn variants and typos."""
    book = ident.book
    varies = faults.varies
    g1 = book.render(rng, ident.given1[person], varies)
    g2 = book.render(rng, ident.given2[person], varies)
    sur = book.render(rng, ident.surname[person], varies)
    given = pc.utf8_trim(pc.binary_join_element_wise(g1, g2, " "), " ")
    for on_surname in (True, False):
        mask = faults.typo & (faults.typo_on_surname == on_surname)
        if not mask.any():
            continue
        arr = sur if on_surname else given
        idx = np.flatnonzero(mask)
        new = pa.array(typo(rng, pc.take(arr, pa.array(idx)).to_pylist()), pa.string())
        arr = pc.replace_with_mask(arr, pa.array(mask), new)
        if on_surname:
            sur = arr
        else:
            given = arr
    return given, sur


def names_for(
    ident: Identities,
    rng: np.random.Generator,
    person: npt.NDArray[np.int64],
    typo_rate: float,
    log: FaultLog,
) -> tuple[pa.Array, pa.Array]:
    """Draw name faults for records and render their names in one go."""
    faults = NameFaults.draw(ident, rng, person, typo_rate, log)
    return render_names(ident, rng, person, faults)


def join_name(given: pa.Array, surname: pa.Array, order: str = "given-first") -> pa.Array:
    """Full name from given names and surname."""
    empty = pa.array([""] * len(given), pa.string())
    return full_name(given, empty, surname, order)


def tf(name: str, type_: str, description: str, **extra: Any) -> dict[str, Any]:
    """One Table Schema field descriptor."""
    return {"name": name, "type": type_, "description": description, **extra}


@dataclass
class Extract:
    """One agency extract: the table as delivered, its dictionary and its truth."""

    agency: str
    name: str
    title: str
    description: str
    table: pa.Table | None
    fmt: str  # "csv", "xlsx" or "parquet"
    schema: dict[str, Any]
    truth: pa.Table  # record_id, person_id, faults (+ source-specific truth columns)
    dialect: dict[str, Any] = field(default_factory=dict)
    #: For very large extracts: renders rows [a, b) on demand instead of ``table``.
    render: Callable[[int, int], pa.Table] | None = None
    n_rows: int = 0

    def __post_init__(self) -> None:
        if self.table is not None:
            self.n_rows = self.table.num_rows

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.fmt}"

    def batches(self, size: int) -> Iterator[pa.Table]:
        """The rows in order, ``size`` at a time."""
        for a in range(0, self.n_rows, size):
            b = min(a + size, self.n_rows)
            if self.render is not None:
                yield self.render(a, b)
            else:
                assert self.table is not None
                yield self.table.slice(a, b - a)

    def release(self) -> None:
        """Drop the rendered rows (keep the truth and metadata)."""
        self.table = None
        self.render = None


_CHUNK = 1_000_000


def write_extract(
    extract: Extract, folder: Path, malformed_per_million: float, rng: np.random.Generator
) -> tuple[Path, pa.Table]:
    """Write the extract in its format; CSV files get a few malformed rows (the returned
    truth marks them). Output is byte-identical for the same input. Written atomically
    (a temporary file renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / extract.filename
    tmp = path.with_name(path.name + ".part")
    truth = extract.truth
    if extract.fmt == "csv":
        n = extract.n_rows
        k = round(n * malformed_per_million / 1e6)
        k = max(k, 1) if n >= 1000 and malformed_per_million > 0 else k
        bad = np.sort(rng.choice(n, size=k, replace=False)) if k else np.empty(0, np.int64)
        _write_csv(extract, tmp, bad)
        if k:
            is_bad = np.zeros(n, bool)
            is_bad[bad] = True
            faults = pc.if_else(
                pa.array(is_bad),
                pc.binary_join_element_wise(truth["faults"], pa.scalar("malformed"), ";"),
                truth["faults"],
            )
            faults = pc.replace_substring_regex(faults, "^;", "")
            truth = truth.set_column(truth.schema.get_field_index("faults"), "faults", faults)
    elif extract.fmt == "parquet":
        assert extract.table is not None
        pq.write_table(extract.table, tmp, compression="zstd")
    elif extract.fmt == "xlsx":
        assert extract.table is not None
        write_xlsx(extract.table, tmp, extract.title[:31])
    else:  # pragma: no cover - programming error
        raise ValueError(extract.fmt)
    tmp.replace(path)
    return path, truth


def _write_csv(extract: Extract, path: Path, bad: npt.NDArray[np.int64]) -> None:
    delimiter = extract.dialect.get("delimiter", ",")
    encoding = extract.dialect.get("encoding", "utf-8")
    sep = delimiter.encode()
    with path.open("wb") as fh:
        if encoding == "utf-8-sig":
            fh.write(b"\xef\xbb\xbf")
        if extract.n_rows == 0:
            names = [f["name"] for f in extract.schema["fields"]]
            fh.write(sep.join(f'"{n}"'.encode() for n in names) + b"\n")
        for i, part in enumerate(extract.batches(_CHUNK)):
            start = i * _CHUNK
            buf = io.BytesIO()
            opts = pacsv.WriteOptions(
                include_header=start == 0, delimiter=delimiter, quoting_style="needed"
            )
            pacsv.write_csv(part, buf, opts)
            data = buf.getvalue()
            local = bad[(bad >= start) & (bad < start + part.num_rows)] - start
            if len(local):
                lines = data.split(b"\n")
                offset = 1 if start == 0 else 0  # the header line
                for j in local:
                    # A truncated export line: the row stops after its third field.
                    lines[j + offset] = sep.join(lines[j + offset].split(sep)[:3])
                data = b"\n".join(lines)
            fh.write(data)
