"""Shared pieces of the agency extracts: fault logging, date formats, name rendering,
Table Schema fields and deterministic writers (same seed, same bytes)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from migstats.synth.identity import Identities
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


def fmt_dates(days: npt.NDArray[np.integer[Any]], pattern: str, null: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """Day numbers as text in a strftime ``pattern`` (e.g. ``%d/%m/%Y``); nulls where asked."""
    ts = dates(days).cast(pa.timestamp("s"))
    # Arrow's strftime has no %-d (day without zero padding): write %d, then strip it.
    unpadded = pattern.startswith("%-d")
    text = pc.strftime(ts, format=pattern.replace("%-d", "%d"), locale="C")
    if unpadded:
        text = pc.replace_substring_regex(text, "^0", "")
    if null is not None:
        text = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), text)
    return text


def swap_day_month(days: npt.NDArray[np.int32], mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Swap day and month where ``mask`` and the swap gives another valid date."""
    d64 = days.astype("datetime64[D]")
    year = d64.astype("datetime64[Y]")
    month = (d64.astype("datetime64[M]") - year.astype("datetime64[M]")).astype(np.int64) + 1
    dom = (d64 - d64.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    ok = mask & (dom <= 12) & (dom != month)
    swapped = (year.astype("datetime64[M]") + (dom - 1)).astype("datetime64[D]") + (month - 1)
    return np.where(ok, swapped.astype(np.int64), days).astype(np.int32), ok


def render_names(
    ident: Identities,
    rng: np.random.Generator,
    person: npt.NDArray[np.int64],
    typo_rate: float,
    log: FaultLog,
) -> tuple[pa.Array, pa.Array]:
    """Given names and surname per record: variants for some people, a few typos."""
    book = ident.book
    varies = ident.name_varies[person] & (rng.random(len(person)) < 0.5)
    g1 = book.render(rng, ident.given1[person], varies)
    g2 = book.render(rng, ident.given2[person], varies)
    sur = book.render(rng, ident.surname[person], varies)
    given = pc.utf8_trim(pc.binary_join_element_wise(g1, g2, " "), " ")
    log.add("name_variant", varies)
    hit = rng.random(len(person)) < typo_rate
    on_surname = rng.random(len(person)) < 0.5
    for target, which in ((True, "surname"), (False, "given")):
        mask = hit & (on_surname == target)
        if not mask.any():
            continue
        arr = sur if which == "surname" else given
        idx = np.flatnonzero(mask)
        new = pa.array(typo(rng, pc.take(arr, pa.array(idx)).to_pylist()), pa.string())
        arr = pc.replace_with_mask(arr, pa.array(mask), new)
        if which == "surname":
            sur = arr
        else:
            given = arr
    log.add("name_typo", hit)
    return given, sur


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
    table: pa.Table
    fmt: str  # "csv", "xlsx" or "parquet"
    schema: dict[str, Any]
    truth: pa.Table  # record_id, person_id, faults (+ source-specific truth columns)
    dialect: dict[str, Any] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.fmt}"


def write_extract(extract: Extract, folder: Path, malformed_per_million: float, rng: np.random.Generator) -> tuple[Path, pa.Table]:
    """Write the extract in its format; CSV files get a few malformed rows (the returned
    truth marks them). Output is byte-identical for the same input."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / extract.filename
    truth = extract.truth
    if extract.fmt == "csv":
        n = extract.table.num_rows
        k = int(round(n * malformed_per_million / 1e6))
        k = max(k, 1) if n >= 1000 and malformed_per_million > 0 else k
        bad = np.sort(rng.choice(n, size=k, replace=False)) if k else np.empty(0, np.int64)
        _write_csv(extract.table, path, extract.dialect, bad)
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
        pq.write_table(extract.table, path, compression="zstd")
    elif extract.fmt == "xlsx":
        _write_xlsx(extract.table, path, extract.title[:31])
    else:  # pragma: no cover - programming error
        raise ValueError(extract.fmt)
    return path, truth


def _write_csv(table: pa.Table, path: Path, dialect: dict[str, Any], bad: npt.NDArray[np.int64]) -> None:
    delimiter = dialect.get("delimiter", ",")
    encoding = dialect.get("encoding", "utf-8")
    chunk = 1_000_000
    with path.open("wb") as fh:
        if encoding == "utf-8-sig":
            fh.write(b"\xef\xbb\xbf")
        for start in range(0, max(table.num_rows, 1), chunk):
            part = table.slice(start, chunk)
            buf = io.BytesIO()
            opts = pacsv.WriteOptions(
                include_header=start == 0, delimiter=delimiter, quoting_style="needed"
            )
            pacsv.write_csv(part, buf, opts)
            data = buf.getvalue()
            local = bad[(bad >= start) & (bad < start + chunk)] - start
            if len(local):
                lines = data.split(b"\n")
                offset = 1 if start == 0 else 0  # the header line
                for i in local:
                    cells = lines[i + offset].split(delimiter.encode())
                    # A truncated export line: the row stops after its third field.
                    lines[i + offset] = delimiter.encode().join(cells[:3])
                data = b"\n".join(lines)
            fh.write(data)


def _write_xlsx(table: pa.Table, path: Path, sheet: str) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(table.column_names)
    cols = [c.to_pylist() for c in table.columns]
    for row in zip(*cols, strict=True):
        ws.append(list(row))
    fixed = datetime(2025, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    # Zip entries carry the time of writing; rewrite them with a fixed time.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed_info = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed_info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed_info, src.read(info.filename))
