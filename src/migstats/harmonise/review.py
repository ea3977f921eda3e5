"""The review list round trip: export values to code, import the filled file as overrides.

1. :func:`export_review` writes ``review-NNNN.csv`` into the folder the caller gives
   (numbered: earlier exports are never overwritten): one row per value with its
   variable (``country``, ``island``, ``occupation``, ``industry``, ``purpose``), the
   columns it was seen in, its raw spelling, row count, current method and code, up to
   three candidates with scores, and an empty ``code`` column.
2. A statistician fills ``code`` (an ISO alpha-3 code, island or atoll code, ISCO-08
   code, ISIC code or purpose) and optionally ``note``; rows left blank are skipped.
3. :func:`import_review` checks every filled code against its classification (all
   problems reported at once), merges them with the latest overrides and writes the next
   version, ``overrides-NNNN.csv`` with ``overrides-NNNN.json`` (source file, sha256,
   counts). Nothing is written if a code is invalid.
4. :func:`load_overrides` reads the latest version; pass it to
   :func:`~migstats.harmonise.stage.harmonise_table`, which applies overrides first
   (method ``manual``).

Overrides are keyed on the normalised value (case, accents and punctuation folded), so
one decision covers every spelling variant of it, in every column of that variable.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from migstats.errors import UserInputError
from migstats.harmonise.codebook import Coder, Overrides
from migstats.harmonise.countries import CountryCoder
from migstats.harmonise.industries import IndustryCoder
from migstats.harmonise.occupations import OccupationCoder
from migstats.harmonise.places import PlaceCoder
from migstats.harmonise.purposes import PurposeCoder
from migstats.harmonise.reference import CodeList, _csv_source
from migstats.harmonise.report import CodingReport, ReviewItem

__all__ = ["REVIEW_COLUMNS", "export_review", "import_review", "load_overrides"]

CANDIDATES = 3
REVIEW_COLUMNS: tuple[str, ...] = (
    "variable",
    "columns",
    "raw_value",
    "count",
    "method",
    "current_code",
    "confidence",
    *(f"{part}_{i}" for i in range(1, CANDIDATES + 1) for part in ("candidate", "label", "score")),
    "code",
    "note",
)
"""Columns of a review file; a statistician fills ``code`` (and ``note``)."""

_OVERRIDE_COLUMNS = ("variable", "key", "raw_value", "code", "note", "source")


def _coders(isco: CodeList | None = None) -> dict[str, Coder]:
    return {
        "country": CountryCoder(),
        "island": PlaceCoder(),
        "occupation": OccupationCoder(isco),
        "industry": IndustryCoder(),
        "purpose": PurposeCoder(),
    }


def _next_path(folder: Path, stem: str, suffix: str) -> tuple[Path, int]:
    numbers = [
        int(m.group(1))
        for p in folder.glob(f"{stem}-*{suffix}")
        if (m := re.fullmatch(rf"{stem}-(\d+){re.escape(suffix)}", p.name))
    ]
    version = max(numbers, default=0) + 1
    return folder / f"{stem}-{version:04d}{suffix}", version


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    Path(tmp).replace(path)


def export_review(items: CodingReport | Iterable[ReviewItem], folder: str | Path) -> Path:
    """Write the values needing review to the next ``review-NNNN.csv`` in ``folder``.

    >>> import tempfile
    >>> from migstats.harmonise import harmonise_table
    >>> import pyarrow as pa
    >>> _, report = harmonise_table("visa_permit", pa.table({"nationality": ["Bangaldesh"]}))
    >>> path = export_review(report, tempfile.mkdtemp())
    >>> path.name, path.read_text().splitlines()[1][:40]
    ('review-0001.csv', 'country,nationality,Bangaldesh,1,review,')
    """
    values = items.review if isinstance(items, CodingReport) else tuple(items)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    path, _ = _next_path(out, "review", ".csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    for item in values:
        cells: list[object] = [
            item.classification,
            ";".join(item.columns),
            item.raw_value,
            item.count,
            item.method,
            item.current_code or "",
            "" if item.confidence is None else item.confidence,
        ]
        for i in range(CANDIDATES):
            c = item.candidates[i] if i < len(item.candidates) else None
            cells += [c.code, c.label, c.score] if c else ["", "", ""]
        writer.writerow([*cells, "", ""])
    _write_atomic(path, buffer.getvalue())
    return path


def _canonical(coder: Coder, code: str) -> str | None:
    """The code as the classification writes it (case), or ``None`` if unknown."""
    for form in (code, code.upper(), code.lower(), code.capitalize()):
        if coder.is_valid(form):
            return form
    if coder.classification == "island":
        for form in (code[:1].upper() + code[1:].lower(), code[:2].upper() + code[2:].lower()):
            if coder.is_valid(form):
                return form
    return None


def load_overrides(folder: str | Path) -> Overrides:
    """The latest overrides in ``folder`` (empty, version 0, when there are none)."""
    base = Path(folder)
    version = _next_path(base, "overrides", ".csv")[1] - 1 if base.is_dir() else 0
    if version == 0:
        return Overrides.empty()
    path = base / f"overrides-{version:04d}.csv"
    codes: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            codes.setdefault(row["variable"], {})[row["key"]] = row["code"]
    return Overrides(version, codes)


def _read_filled(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise UserInputError("Review file not found", f"no file {str(path)!r}", "check the path")
    source, delimiter = _csv_source(path.read_bytes())
    rows = list(csv.DictReader(source, delimiter=delimiter))
    missing = {"variable", "raw_value", "code"} - set(rows[0] if rows else REVIEW_COLUMNS)
    if missing:
        raise UserInputError(
            "Review file columns missing",
            f"{path.name} lacks {sorted(missing)}",
            "keep the columns of the exported review file",
        )
    return rows


def import_review(
    filled: str | Path, folder: str | Path, *, isco: CodeList | None = None
) -> Overrides:
    """Import a filled review file as the next version of the overrides in ``folder``.

    Every filled ``code`` is checked against its variable's classification (``isco``:
    the occupation code list, default built-in ISCO-08); all problems are reported in
    one :class:`~migstats.errors.UserInputError` and nothing is written. Returns the new
    overrides (the previous ones plus the file's; the file wins on conflicts).
    """
    source = Path(filled)
    coders = _coders(isco)
    problems: list[str] = []
    new: list[tuple[str, str, str, str, str]] = []
    for number, row in enumerate(_read_filled(source), start=2):
        code = (row.get("code") or "").strip()
        if not code:
            continue
        variable = (row.get("variable") or "").strip()
        coder = coders.get(variable)
        if coder is None:
            problems.append(f"line {number}: unknown variable {variable!r}")
            continue
        canonical = _canonical(coder, code)
        if canonical is None:
            problems.append(f"line {number}: {code!r} is not a {variable} code ({coder.version})")
            continue
        raw = row.get("raw_value") or ""
        new.append((variable, coder.key(raw), raw, canonical, (row.get("note") or "").strip()))
    if problems:
        raise UserInputError(
            "Review file has invalid codes",
            f"{source.name}: " + "; ".join(problems),
            "correct the codes (or clear them) and import again",
        )
    base = Path(folder)
    base.mkdir(parents=True, exist_ok=True)
    merged = _previous_rows(base)
    for variable, key, raw, code, note in new:
        merged[(variable, key)] = (raw, code, note, source.name)
    path, version = _next_path(base, "overrides", ".csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_OVERRIDE_COLUMNS)
    for (variable, key), (raw, code, note, src) in sorted(merged.items()):
        writer.writerow([variable, key, raw, code, note, src])
    _write_atomic(path, buffer.getvalue())
    meta = {
        "version": version,
        "source_file": source.name,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "imported": len(new),
        "total": len(merged),
    }
    _write_atomic(path.with_suffix(".json"), json.dumps(meta, indent=2) + "\n")
    return load_overrides(base)


def _previous_rows(base: Path) -> dict[tuple[str, str], tuple[str, str, str, str]]:
    previous = load_overrides(base)
    if previous.version == 0:
        return {}
    path = base / f"overrides-{previous.version:04d}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            (r["variable"], r["key"]): (r["raw_value"], r["code"], r["note"], r["source"])
            for r in csv.DictReader(handle)
        }
