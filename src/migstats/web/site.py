"""The migration profile: a static site built from a published release.

:func:`build_site` writes a folder that opens in a browser straight from disk (``file://``)
and needs no network: the chart library is vendored, every table's data sit in a ``.js``
file next to its page, and the release's CSV, Excel, SDMX and Open SDG files are copied
in, byte for byte, so the folder can be zipped, mailed or put on any web server::

    out/index.html                 headline: pyramid, flows, top citizenships, atolls
    out/tables.html                every table, by chapter
    out/tables/<id>.html           one page per table: filters, chart, values, metadata
    out/downloads.html             every file of the release
    out/downloads/...              the release's files (csv/, excel/, sdmx/, opensdg/, ...)
    out/data/*.js                  the data the pages draw
    out/static/...                 style sheet, script, vendored Chart.js and its licence

Only published tables are read: the site is public by construction. The same release
gives the same bytes (no dates, sorted output), and the folder is replaced atomically.

>>> from pathlib import Path
>>> build_site(Path("release"), Path("site"))  # doctest: +SKIP
PosixPath('site')
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable, read_table
from migstats.web.headline import TOP_CITIZENSHIPS, headline_data
from migstats.web.labels import dimension_label
from migstats.web.pages import (
    STATIC_DIR,
    Links,
    chapter_of,
    data_script,
    natural_key,
    render,
    render_table_page,
    table_data_script,
)
from migstats.web.release import (
    Download,
    read_index,
    release_downloads,
    table_downloads,
    tables_folder,
    verify_manifest,
)

__all__ = ["DEFAULT_TITLE", "MARKER", "build_site", "load_release", "release_label"]

log = logging.getLogger(__name__)

DEFAULT_TITLE: Final = "International migration statistics"
#: A file marking a folder as a built site, so a rebuild may replace it.
MARKER: Final = ".migstats-site"


def load_release(release_dir: Path) -> dict[str, ObservationTable]:
    """Every table of a release folder (or of a statistics folder), by id."""
    folder = tables_folder(release_dir)
    return {tid: read_table(info.path) for tid, info in read_index(folder).items()}


def release_label(release_dir: Path) -> str:
    """The release's name: ``release`` (or ``version``) in its manifest with the date
    it was prepared, else the folder's name."""
    manifest = release_dir / "manifest.json"
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text("utf-8"))
        except ValueError:
            data = {}
        if isinstance(data, Mapping):
            prepared = data.get("prepared")
            suffix = f", prepared {prepared}" if isinstance(prepared, str) and prepared else ""
            for key in ("release", "version", "name"):
                if isinstance(data.get(key), str) and data[key]:
                    return str(data[key]) + suffix
    return release_dir.resolve().name


def table_listing(
    tables: Mapping[str, ObservationTable], href: str
) -> list[tuple[str, list[dict[str, str]]]]:
    """Tables grouped by chapter, in id order; ``href`` is a pattern with ``{id}``."""
    chapters: dict[str, list[dict[str, str]]] = {}
    for table_id in sorted(tables, key=natural_key):
        table = tables[table_id]
        chapters.setdefault(chapter_of(table_id), []).append(
            {
                "id": table_id,
                "title": table.title,
                "href": href.format(id=table_id),
                "dimensions": ", ".join(dimension_label(d) for d in table.dimensions),
                "unit": table.unit,
            }
        )
    return list(chapters.items())


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8", newline="\n")


def _copy_static(out: Path) -> None:
    for source in sorted(STATIC_DIR.rglob("*")):
        if source.is_file():
            target = out / "static" / source.relative_to(STATIC_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _copy_downloads(release_dir: Path, out: Path, files: list[Download]) -> None:
    for f in files:
        target = out / "downloads" / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(release_dir / f.path, target)


def _write_pages(
    release_dir: Path,
    out: Path,
    tables: Mapping[str, ObservationTable],
    files: list[Download],
    title: str,
) -> None:
    release = release_label(release_dir)
    common: dict[str, Any] = {"site_title": title, "release": release}
    top = Links(root="")
    headline = headline_data(tables)
    _write(out / "data" / "headline.js", data_script("headline", "headline", headline))
    _write(
        out / "index.html",
        render(
            "index.html",
            top,
            page_kind="headline",
            headline=headline,
            top_n=TOP_CITIZENSHIPS,
            scripts=[
                "static/vendor/chart.umd.min.js",
                "data/headline.js",
                "static/site.js",
            ],
            **common,
        ),
    )
    _write(
        out / "tables.html",
        render(
            "tables.html",
            top,
            page_kind="tables",
            heading="All tables",
            intro="Every table of the release, with its chart, values, definitions and files.",
            chapters=table_listing(tables, "tables/{id}.html"),
            scripts=[],
            **common,
        ),
    )
    _write(
        out / "downloads.html",
        render(
            "downloads.html",
            top,
            page_kind="downloads",
            files=[(f, f"downloads/{f.path}") for f in files],
            scripts=[],
            **common,
        ),
    )
    nested = Links(root="../")
    for table_id, table in tables.items():
        own = [(f, f"../downloads/{f.path}") for f in table_downloads(files, table_id, tables)]
        _write(out / "data" / f"table-{table_id}.js", table_data_script(table))
        _write(
            out / "tables" / f"{table_id}.html",
            render_table_page(
                table,
                nested,
                data_src=f"../data/table-{table_id}.js",
                downloads=own,
                **common,
            ),
        )


def build_site(release_dir: Path, out: Path, *, title: str = DEFAULT_TITLE) -> Path:
    """Build the static migration profile of a published release into ``out``.

    ``out`` is replaced as a whole (it must be absent, empty or a site built before).
    Returns ``out``.
    """
    release_dir = Path(release_dir)
    if not release_dir.is_dir():
        raise UserInputError("No release folder", str(release_dir), "publish a release first")
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UserInputError(
            "Will not overwrite the folder",
            f"{out} is not empty and was not built by migstats",
            "choose an empty or new folder for the site",
        )
    verify_manifest(release_dir)
    tables = load_release(release_dir)
    files = release_downloads(release_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _copy_static(staging)
        _copy_downloads(release_dir, staging, files)
        _write_pages(release_dir, staging, tables, files, title)
        _write(staging / MARKER, "built by migstats.web.site.build_site\n")
        staging.chmod(0o755)
        old = out.with_name(f".{out.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    log.info("site of %s: %d tables, %d files in %s", release_dir, len(tables), len(files), out)
    return out
