"""Versioned occupation code lists: the built-in ISCO-08 and official files imported by users.

The occupation coder works from a :class:`CodeList`. By default it is the ISCO-08
structure shipped in :mod:`migstats.refdata.occupations`; a statistician who has the
ILO's official structure file can import it once and use it instead::

    migstats refdata import-isco FILE [--into DIR] [--version ISCO-08]
                                      [--valid-from 2008-01-01] [--valid-to DATE]

which calls :func:`import_isco` (``DIR`` defaults to the project's reference-data
folder). The file is CSV or xlsx with a code column (a header containing "code", e.g.
"ISCO 08 Code") and a title column (a header containing "title", or "description",
"name", "label"); a "level" column, when present, restores leading zeros lost by
spreadsheets (``110`` at level 4 is ``0110``). The import checks the structure (codes of
1 to 4 digits, unique, every group's parent present, and for ISCO-08 the official 10 /
43 / 130 / 436 groups per level) and reports every problem at once. It writes
``isco/<version>.csv`` (code, title, level, parent) and ``isco/<version>.json`` (version,
validity dates, source file and its sha256, counts per level) into the folder;
:func:`load_isco` reads it back.

>>> builtin_isco().counts()
{1: 10, 2: 43, 3: 130, 4: 436}
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from migstats.errors import UserInputError
from migstats.refdata import occupations as isco_ref
from migstats.refdata.occupations import normalise_title

__all__ = [
    "ISCO08_COUNTS",
    "CodeList",
    "builtin_isco",
    "import_isco",
    "load_isco",
    "read_isco_file",
    "validate_isco",
]

ISCO08_COUNTS: Mapping[int, int] = {1: 10, 2: 43, 3: 130, 4: 436}
"""Groups per level in the official ISCO-08 structure."""


@dataclass(frozen=True)
class CodeList:
    """A versioned hierarchical code list (codes whose length is their level).

    >>> isco = builtin_isco()
    >>> isco.title("5120"), isco.version, isco.valid_from
    ('Cooks', 'ISCO-08', datetime.date(2008, 1, 1))
    >>> "9999" in isco
    False
    """

    name: str
    version: str
    valid_from: date
    valid_to: date | None
    items: tuple[tuple[str, str], ...]
    """(code, title) pairs in classification order."""
    source: str = "built-in"

    def __contains__(self, code: object) -> bool:
        return code in self._titles()

    def _titles(self) -> dict[str, str]:
        return _titles(self.items)

    def title(self, code: str) -> str:
        """The title of a code (``KeyError`` if unknown)."""
        return self._titles()[code]

    def codes(self, level: int | None = None) -> tuple[str, ...]:
        """All codes, or those of one level (number of digits)."""
        return tuple(c for c, _ in self.items if level is None or len(c) == level)

    def counts(self) -> dict[int, int]:
        """Number of codes per level."""
        out: dict[int, int] = {}
        for code, _ in self.items:
            out[len(code)] = out.get(len(code), 0) + 1
        return dict(sorted(out.items()))

    def valid_on(self, day: date) -> bool:
        """Whether the list is valid on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@cache
def _titles(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(items)


@cache
def builtin_isco() -> CodeList:
    """ISCO-08 as shipped in :mod:`migstats.refdata.occupations`."""
    return CodeList(
        name="ISCO",
        version=isco_ref.VERSION,
        valid_from=isco_ref.VALID_FROM,
        valid_to=isco_ref.VALID_TO,
        items=tuple((g.code, g.title) for g in isco_ref.isco08()),
    )


def _column(headers: list[str], *words: str) -> int | None:
    keys = [normalise_title(h) for h in headers]
    for word in words:
        for i, key in enumerate(keys):
            if word in key.split() or key == word:
                return i
    return None


def _rows_of(path: Path) -> list[list[Any]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    source, delimiter = _csv_source(path.read_bytes())
    return [list(r) for r in csv.reader(source, delimiter=delimiter)]


def _csv_source(data: bytes) -> tuple[io.StringIO, str]:
    """Text of a CSV file (BOM dropped) and its delimiter: the one of ``,;\\t`` most
    frequent in the header line (spreadsheet exports in some locales use ``;``)."""
    text = data.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    return io.StringIO(text), delimiter


def read_isco_file(path: str | Path) -> list[tuple[str, str]]:
    """(code, title) pairs from an ISCO structure file (CSV or xlsx).

    Raises :class:`~migstats.errors.UserInputError` when the code or title column
    cannot be found.
    """
    file = Path(path)
    if not file.is_file():
        raise UserInputError("ISCO file not found", f"no file {str(file)!r}", "check the path")
    rows = [r for r in _rows_of(file) if any(v not in (None, "") for v in r)]
    if not rows:
        raise UserInputError("Empty ISCO file", f"{file.name} has no rows", "export it again")
    headers = ["" if v is None else str(v) for v in rows[0]]
    code_at = _column(headers, "code")
    title_at = _column(headers, "title", "description", "name", "label")
    level_at = _column(headers, "level")
    if code_at is None or title_at is None:
        raise UserInputError(
            "ISCO file columns not recognised",
            f"headers {headers} have no code and title column",
            "name the columns e.g. 'ISCO 08 Code' and 'Title EN'",
        )
    out: list[tuple[str, str]] = []
    for row in rows[1:]:
        raw = row[code_at] if code_at < len(row) else None
        if raw in (None, ""):
            continue
        code = str(int(raw)) if isinstance(raw, float) else str(raw).strip()
        if level_at is not None and level_at < len(row) and str(row[level_at]).strip().isdigit():
            code = code.zfill(int(str(row[level_at]).strip()))
        title = row[title_at] if title_at < len(row) else None
        out.append((code, "" if title is None else str(title).strip()))
    return out


def validate_isco(
    items: Iterable[tuple[str, str]], expected: Mapping[int, int] | None = ISCO08_COUNTS
) -> list[str]:
    """Every problem with an ISCO structure (empty list when it is valid).

    >>> validate_isco([("1", "Managers"), ("11", "Chief executives"), ("213", "x")],
    ...               expected=None)
    ["code '213' has no parent '21'"]
    """
    problems: list[str] = []
    seen: dict[str, str] = {}
    for code, title in items:
        if not re.fullmatch(r"\d{1,4}", code):
            problems.append(f"code {code!r} is not 1 to 4 digits")
        elif code in seen:
            problems.append(f"code {code!r} appears twice")
        elif not title:
            problems.append(f"code {code!r} has no title")
        seen.setdefault(code, title)
    for code in seen:
        if len(code) > 1 and code[:-1] not in seen and re.fullmatch(r"\d{2,4}", code):
            problems.append(f"code {code!r} has no parent {code[:-1]!r}")
    if expected is not None:
        counts = {n: sum(len(c) == n for c in seen) for n in expected}
        for level, want in expected.items():
            if counts[level] != want:
                problems.append(f"level {level} has {counts[level]} groups, expected {want}")
    return problems


def _slug(version: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", version).strip("_") or "isco"


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    Path(tmp).replace(path)


def import_isco(
    path: str | Path,
    folder: str | Path,
    *,
    version: str = "ISCO-08",
    valid_from: date = date(2008, 1, 1),
    valid_to: date | None = None,
    expected: Mapping[int, int] | None = ISCO08_COUNTS,
) -> CodeList:
    """Import an official ISCO structure file as versioned reference data in ``folder``.

    Every structural problem is reported at once in a
    :class:`~migstats.errors.UserInputError`; nothing is written unless the file is
    valid. ``expected=None`` skips the per-level counts (for a national adaptation).
    Returns the imported list (``source`` is the written CSV).
    """
    file = Path(path)
    items = read_isco_file(file)
    problems = validate_isco(items, expected)
    if problems:
        shown = "; ".join(problems[:20]) + (
            f"; ... {len(problems) - 20} more" if len(problems) > 20 else ""
        )
        raise UserInputError(
            "Invalid ISCO structure file",
            f"{file.name}: {shown}",
            "correct the file and import again",
        )
    out = Path(folder) / "isco"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{_slug(version)}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "title", "level", "parent"])
    for code, title in items:
        writer.writerow([code, title, len(code), code[:-1]])
    _write_atomic(target, buffer.getvalue())
    imported = CodeList("ISCO", version, valid_from, valid_to, tuple(items), str(target))
    meta = {
        "name": "ISCO",
        "version": version,
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        "source_file": file.name,
        "source_sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
        "counts": {str(k): v for k, v in imported.counts().items()},
    }
    _write_atomic(target.with_suffix(".json"), json.dumps(meta, indent=2) + "\n")
    return imported


def load_isco(folder: str | Path, version: str | None = None) -> CodeList:
    """An imported ISCO list from ``folder`` (the only one, or the named ``version``).

    Raises :class:`~migstats.errors.UserInputError` when none (or several, without
    ``version``) are there.
    """
    base = Path(folder) / "isco"
    metas = sorted(base.glob("*.json")) if base.is_dir() else []
    if version is not None:
        metas = [m for m in metas if m.stem == _slug(version)]
    if len(metas) != 1:
        found = [m.stem for m in metas]
        raise UserInputError(
            "No single imported ISCO list",
            f"found {found or 'none'} in {str(base)!r}",
            "run 'migstats refdata import-isco FILE' or pass the version",
        )
    meta = json.loads(metas[0].read_text("utf-8"))
    table = metas[0].with_suffix(".csv")
    with table.open(encoding="utf-8", newline="") as handle:
        items = tuple((r["code"], r["title"]) for r in csv.DictReader(handle))
    return CodeList(
        name="ISCO",
        version=meta["version"],
        valid_from=date.fromisoformat(meta["valid_from"]),
        valid_to=date.fromisoformat(meta["valid_to"]) if meta["valid_to"] else None,
        items=items,
        source=str(table),
    )
