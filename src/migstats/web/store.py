"""Tables held in memory for the API, re-read only when their files change.

A :class:`TableStore` watches one folder (a release or the secure statistics folder).
Each table is read once and prepared for answering: its safe rows (see
:func:`~migstats.web.observations.safe_rows`) encoded once as JSON and CSV fragments,
and one code array per dimension, so a filtered request is a few array comparisons and a
join of ready bytes. A changed file (modification time or size) is read again on the
next request; a request never reads a file it was not given by the index.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable, read_table
from migstats.web.observations import public_metadata, safe_rows
from migstats.web.pages import natural_key, table_data_script
from migstats.web.release import TableInfo, read_index, tables_folder

__all__ = ["FilterError", "PreparedTable", "TableStore"]

log = logging.getLogger(__name__)


class FilterError(ValueError):
    """A request names a dimension the table does not have."""


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _csv_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


class PreparedTable:
    """One table ready to answer API requests from memory."""

    def __init__(self, info: TableInfo, table: ObservationTable, *, public: bool) -> None:
        self.info = info
        self.table = table
        self.columns, rows = safe_rows(table)
        self.dimensions = tuple(c for c in self.columns if c in table.dimensions)
        self._json_rows = [_json(r) for r in rows]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        self._csv_rows = []
        for r in rows:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([_csv_value(r[c]) for c in self.columns])
            self._csv_rows.append(buffer.getvalue().encode())
        header = io.StringIO()
        csv.writer(header, lineterminator="\n").writerow(self.columns)
        self._csv_header = header.getvalue().encode()
        self._codes: dict[str, tuple[dict[str, int], np.ndarray]] = {}
        for dim in self.dimensions:
            values = [str(r[dim]) for r in rows]
            lookup = {code: i for i, code in enumerate(sorted(set(values)))}
            self._codes[dim] = (lookup, np.array([lookup[v] for v in values], dtype=np.int32))
        metadata = public_metadata(table.metadata) if public else table.metadata
        head = {
            "id": table.table_id,
            "title": table.title,
            "unit": table.unit,
            "dimensions": list(self.dimensions),
            "columns": self.columns,
            "metadata": metadata,
        }
        self._head = _json(head)[:-1]  # without the closing brace
        self.full_json = self.json_bytes(None)
        self.full_csv = self.csv_bytes(None)

    def select(self, filters: Mapping[str, Sequence[str]]) -> list[int] | None:
        """Row positions matching every filter (codes within a dimension are OR-ed);
        None when there is no filter. Raises :class:`FilterError` for an unknown dimension."""
        if not filters:
            return None
        unknown = sorted(set(filters) - set(self.dimensions))
        if unknown:
            raise FilterError(
                f"table {self.table.table_id} has no dimension {', '.join(unknown)}; "
                f"its dimensions are {', '.join(self.dimensions)}"
            )
        mask = np.ones(len(self._json_rows), dtype=bool)
        for dim, codes in filters.items():
            lookup, column = self._codes[dim]
            wanted = [lookup[c] for c in codes if c in lookup]
            mask &= np.isin(column, np.array(wanted, dtype=np.int32))
        return [int(i) for i in np.flatnonzero(mask)]

    def json_bytes(self, rows: list[int] | None) -> bytes:
        """The JSON document of the table (or of the selected rows)."""
        chosen = self._json_rows if rows is None else [self._json_rows[i] for i in rows]
        return b"".join(
            (
                self._head,
                b',"count":',
                str(len(chosen)).encode(),
                b',"observations":[',
                b",".join(chosen),
                b"]}",
            )
        )

    def csv_bytes(self, rows: list[int] | None) -> bytes:
        """The CSV text of the table (or of the selected rows), with a header line."""
        chosen = self._csv_rows if rows is None else [self._csv_rows[i] for i in rows]
        return self._csv_header + b"".join(chosen)

    @cached_property
    def page_script(self) -> bytes:
        """The data file of the table's page (for pages rendered by the server)."""
        return table_data_script(self.table).encode()


class TableStore:
    """The tables of one folder, loaded once and re-read when their files change.

    ``public`` marks a published release: metadata are cleaned for the public (absolute
    paths cut to file names). A missing folder is an empty store unless ``required``.
    """

    def __init__(self, folder: Path | None, *, public: bool, required: bool = False) -> None:
        self.root = None if folder is None else Path(folder)
        self.public = public
        self._lock = threading.RLock()
        self._index_stamp: tuple[int, int] | None = None
        self._index: dict[str, TableInfo] = {}
        self._index_json = b'{"tables":[]}'
        self._tables: dict[str, tuple[tuple[int, int], PreparedTable]] = {}
        if required:
            tables_folder(Path(folder or "."))

    def _folder(self) -> Path | None:
        if self.root is None:
            return None
        try:
            return tables_folder(self.root)
        except UserInputError:
            return None

    def index(self) -> dict[str, TableInfo]:
        """The tables listed in the folder's ``tables.json`` (re-read when it changes)."""
        folder = self._folder()
        if folder is None:
            return {}
        stat = (folder / "tables.json").stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._index_stamp:
            with self._lock:
                if stamp != self._index_stamp:
                    self._index = read_index(folder)
                    self._index_json = self._encode_index()
                    self._index_stamp = stamp
        return self._index

    def _encode_index(self) -> bytes:
        return _json(
            {
                "tables": [
                    {
                        "id": info.table_id,
                        "title": info.title,
                        "unit": info.unit,
                        "dimensions": list(info.dimensions),
                        "cells": info.cells,
                    }
                    for info in sorted(self._index.values(), key=lambda i: natural_key(i.table_id))
                ]
            }
        )

    def index_json(self) -> bytes:
        """The index as a JSON document."""
        self.index()
        return self._index_json

    def get(self, table_id: str) -> PreparedTable | None:
        """The table with this id, or None when the index has no such table."""
        info = self.index().get(table_id)
        if info is None:
            return None
        try:
            stat = info.path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._tables.get(table_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        with self._lock:
            cached = self._tables.get(table_id)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            prepared = PreparedTable(info, read_table(info.path), public=self.public)
            self._tables[table_id] = (stamp, prepared)
            log.debug("loaded table %s from %s", table_id, info.path)
            return prepared

    def warm(self) -> int:
        """Load every table now (so the first requests are as fast as the rest)."""
        return sum(self.get(table_id) is not None for table_id in self.index())

    def tables(self) -> dict[str, ObservationTable]:
        """Every table of the store, by id."""
        result = {}
        for table_id in self.index():
            prepared = self.get(table_id)
            if prepared is not None:
                result[table_id] = prepared.table
        return result
