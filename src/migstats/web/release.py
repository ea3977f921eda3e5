"""What a published release (or the secure statistics folder) holds: its tables and files.

A release folder, as written by the publication stage::

    <release>/tables/<id>.parquet + tables.json   observation tables (cube.write_tables)
    <release>/csv/<id>.csv  excel/*.xlsx  sdmx/*  opensdg/*
    <release>/datapackage.json  manifest.json

The secure statistics folder (``workspace/statistics/``) has the Parquet files and
``tables.json`` at its top level; :func:`tables_folder` finds either.

Table ids come from ``tables.json`` only, and each must be a plain name: an id from a URL
is looked up in the index and never joined to a path as given, so ``../`` and friends
lead nowhere.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from migstats.errors import UserInputError

__all__ = [
    "DOWNLOAD_FOLDERS",
    "Download",
    "TableInfo",
    "describe",
    "is_table_id",
    "read_index",
    "release_downloads",
    "table_downloads",
    "tables_folder",
    "verify_manifest",
]

log = logging.getLogger(__name__)

_TABLE_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

#: Release sub-folders whose files are offered for download, with their readable kind.
DOWNLOAD_FOLDERS: Final = {
    "csv": "CSV",
    "excel": "Excel",
    "sdmx": "SDMX",
    "opensdg": "Open SDG",
}
#: Files at the top of a release offered for download.
RELEASE_FILES: Final = {"datapackage.json": "Data package", "manifest.json": "Manifest"}


def is_table_id(text: str) -> bool:
    """Whether ``text`` can name a table: letters, digits, ``.``, ``_``, ``-``; no ``..``.

    >>> is_table_id("1.4N"), is_table_id("R.1"), is_table_id("../etc"), is_table_id("a/b")
    (True, True, False, False)
    """
    return bool(_TABLE_ID.match(text)) and ".." not in text


@dataclass(frozen=True)
class TableInfo:
    """One table of an index: what ``tables.json`` says about it, and its file."""

    table_id: str
    title: str
    dimensions: tuple[str, ...]
    unit: str
    cells: int
    path: Path
    metadata: dict[str, Any] = field(default_factory=dict)


_INDEX_KEYS: Final = {"table_id", "title", "dimensions", "unit", "cells", "file"}


def tables_folder(folder: Path) -> Path:
    """The folder holding ``tables.json``: ``<release>/tables`` or the folder itself."""
    nested = folder / "tables"
    if (nested / "tables.json").is_file():
        return nested
    if (folder / "tables.json").is_file():
        return folder
    raise UserInputError(
        "No tables found",
        f"{folder} has neither tables/tables.json nor tables.json",
        "point to a published release folder or to workspace/statistics",
    )


def read_index(folder: Path) -> dict[str, TableInfo]:
    """The tables listed in ``folder/tables.json`` whose id is valid and file exists.

    ``folder`` is the folder holding ``tables.json`` (see :func:`tables_folder`).
    """
    index_path = folder / "tables.json"
    try:
        raw = json.loads(index_path.read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise UserInputError(
            "Unreadable table index", f"{index_path}: {err}", "re-run the stage that wrote it"
        ) from None
    if not isinstance(raw, Mapping):
        raise UserInputError("Unreadable table index", f"{index_path} is not a mapping", "")
    root = folder.resolve()
    tables: dict[str, TableInfo] = {}
    for table_id, entry in raw.items():
        if not isinstance(entry, Mapping) or not is_table_id(str(table_id)):
            log.warning("table index %s: skipping invalid entry %r", index_path, table_id)
            continue
        file_name = str(entry.get("file", f"{table_id}.parquet"))
        path = (folder / file_name).resolve()
        if Path(file_name).name != file_name or path.parent != root or not path.is_file():
            log.warning("table index %s: no file for %s (%r)", index_path, table_id, file_name)
            continue
        tables[str(table_id)] = TableInfo(
            table_id=str(table_id),
            title=str(entry.get("title", table_id)),
            dimensions=tuple(str(d) for d in entry.get("dimensions", [])),
            unit=str(entry.get("unit", "")),
            cells=int(entry.get("cells", 0)),
            path=path,
            metadata={k: v for k, v in entry.items() if k not in _INDEX_KEYS},
        )
    return tables


@dataclass(frozen=True)
class Download:
    """A file of a release offered for download; ``path`` is relative to the release."""

    kind: str
    path: str
    size: int

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _token(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()


def _belongs(file_name: str, table_id: str) -> bool:
    """Whether a release file is one of a table's files: its name without extension is
    the id, or starts or ends with it as a whole token (``1.1.csv``, ``DF_1_1.xml``,
    ``1.1_structure.xml``; not ``1.10.csv``)."""
    stem = _token(file_name.rsplit(".", 1)[0])
    wanted = _token(table_id)
    return stem == wanted or stem.startswith(wanted + "_") or stem.endswith("_" + wanted)


def describe(path: str) -> str:
    """What a release file is, for a reader (``sdmx/data-3.0/1.1.xml`` -> SDMX-ML 3.0 data).

    >>> describe("csv/1.1.csv"), describe("sdmx/data/1.1.xml"), describe("sdmx/csv/1.1.csv")
    ('CSV', 'SDMX-ML 2.1 data', 'SDMX-CSV')
    """
    parts = path.split("/")
    folder = parts[0]
    if folder == "sdmx" and len(parts) > 2:
        return {
            "data": "SDMX-ML 2.1 data",
            "data-3.0": "SDMX-ML 3.0 data",
            "csv": "SDMX-CSV",
            "sdg": "SDMX (SDG shape)",
        }.get(parts[1], "SDMX")
    if folder == "sdmx" and parts[-1].startswith("structure"):
        return "SDMX structure"
    return DOWNLOAD_FOLDERS.get(folder) or RELEASE_FILES.get(path, "File")


def release_downloads(release_dir: Path) -> list[Download]:
    """Every downloadable file of a release, sorted by folder and name."""
    files: list[Download] = []
    for name in RELEASE_FILES:
        path = release_dir / name
        if path.is_file():
            files.append(Download(describe(name), name, path.stat().st_size))
    for folder in DOWNLOAD_FOLDERS:
        base = release_dir / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                rel = path.relative_to(release_dir).as_posix()
                files.append(Download(describe(rel), rel, path.stat().st_size))
    return files


def table_downloads(
    downloads: list[Download], table_id: str, table_ids: Collection[str] = ()
) -> list[Download]:
    """The files among ``downloads`` for one table: its own files (see
    :func:`_belongs`), then the Excel workbooks that belong to no table in ``table_ids``
    (a release workbook holds every table)."""
    own = [
        d
        for d in downloads
        if d.path.split("/")[0] in DOWNLOAD_FOLDERS and _belongs(d.name, table_id)
    ]
    workbooks = [
        d
        for d in downloads
        if d.path.startswith("excel/")
        and d not in own
        and not any(_belongs(d.name, other) for other in table_ids)
    ]
    return own + [Download("Excel workbook, all tables", w.path, w.size) for w in workbooks]


def verify_manifest(release_dir: Path) -> int:
    """Check every file listed in ``manifest.json`` (path, SHA-256) against the folder;
    returns how many were checked. A release changed after publication is refused."""
    manifest = release_dir / "manifest.json"
    if not manifest.is_file():
        return 0
    try:
        entries = json.loads(manifest.read_text("utf-8")).get("files", [])
    except (ValueError, AttributeError):
        entries = []
    problems, checked = [], 0
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("sha256"), str):
            continue
        rel = str(entry.get("path", ""))
        path = (release_dir / rel).resolve()
        if not rel or release_dir.resolve() not in path.parents or not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"{rel}: contents differ from the manifest")
        checked += 1
    if problems:
        raise UserInputError(
            "The release does not match its manifest",
            "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
            "publish the release again; never edit a published release by hand",
        )
    return checked
