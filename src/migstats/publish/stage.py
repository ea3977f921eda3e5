"""The publication stage: disclosure control, the gate, a release, its site and the DDI.

:func:`run_publication` takes the unprotected tables of ``workspace/statistics/`` (the
secure space) through, in order:

1. **disclosure control** (:mod:`migstats.disclosure`): every table by the rule the
   project file gives it (``disclosure:``), written to ``workspace/protected/``;
2. **the gate**: every protected table is checked again against its rule, independently
   of how it was protected; any failure refuses the whole release, naming the table and
   the rule (:class:`migstats.disclosure.PublicationRefused`);
3. **the release** (:func:`migstats.publish.write_release`): SDMX, Excel, CSV, Open SDG,
   data package and manifest in ``workspace/published/<release>/``, with each table's
   metadata stripped of diagnostic counts (:mod:`migstats.publish.metadata`);
4. **the migration profile site** (:func:`migstats.web.site.build_site`) in
   ``workspace/web/site/``, a folder that works offline;
5. **the DDI-Codebook** of the integrated microdata for the secure space:
   ``workspace/secure/ddi-codebook.xml``.

Nothing is published unless every table passed: the release folder is only written
after the gate. Re-running gives byte-identical files (dates come from the project
file, never the clock).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.publish.ddi import write_ddi
from migstats.publish.metadata import public_metadata
from migstats.publish.release import ReleaseManifest, write_release
from migstats.stats.cube import ObservationTable, read_table, write_tables

__all__ = [
    "PublicationRun",
    "disclosure_secret",
    "protect_statistics",
    "read_statistics",
    "run_publication",
]

log = logging.getLogger("migstats.publish")

_T = TypeVar("_T")

#: Domain separation: the disclosure key is HMAC(project key, this label).
DISCLOSURE_KEY_LABEL = b"migstats/disclosure/v1"

#: ``progress(step, done)``: called with 0 when a step starts and 1 when it ends.
Progress = Callable[[str, int], object]


@dataclass(frozen=True)
class PublicationRun:
    """What one run published, and where."""

    protected: dict[str, ObservationTable]
    protected_dir: Path
    release_dir: Path
    manifest: ReleaseManifest
    site_dir: Path
    ddi_file: Path | None
    timings: dict[str, float] = field(default_factory=dict)


def read_statistics(folder: Path) -> list[ObservationTable]:
    """The tables of a statistics folder, in the order of its ``tables.json``."""
    index_file = folder / "tables.json"
    if not index_file.is_file():
        raise UserInputError(
            "No statistical tables",
            f"{index_file} does not exist",
            "run `migstats stats --config PROJECT` first",
        )
    index = json.loads(index_file.read_text("utf-8"))
    return [read_table(folder / entry["file"]) for entry in index.values()]


def disclosure_secret(cfg: ProjectConfig) -> bytes:
    """The key of the deterministic random choices of disclosure control (random
    rounding), derived from the project's key so nobody outside can replay them."""
    return hmac.new(cfg.hmac_key(), DISCLOSURE_KEY_LABEL, hashlib.sha256).digest()


def protect_statistics(cfg: ProjectConfig) -> dict[str, ObservationTable]:
    """Disclosure control and the gate on every table of ``workspace/statistics/``;
    writes ``workspace/protected/`` and returns the protected tables by id."""
    from migstats.disclosure import gate, protect_all

    tables = read_statistics(cfg.workspace / "statistics")
    protected = protect_all(tables, cfg.disclosure, secret=disclosure_secret(cfg))
    # Refuses, naming the table and the rule; the originals let it check the threshold
    # rule against the true values, not only the published ones.
    gate(protected, cfg.disclosure, originals={t.table_id: t for t in tables})
    folder = cfg.workspace / "protected"
    write_tables(protected, folder)
    return {t.table_id: t for t in protected}


def run_publication(cfg: ProjectConfig, progress: Progress | None = None) -> PublicationRun:
    """Protect, gate and publish every table; build the site and the DDI (module doc)."""
    from migstats.web.site import build_site

    report: Progress = progress or (lambda _name, _done: None)
    timings: dict[str, float] = {}

    def timed(name: str, work: Callable[[], _T]) -> _T:
        report(name, 0)
        mark = time.perf_counter()
        result = work()
        timings[name] = time.perf_counter() - mark
        report(name, 1)
        return result

    protected = timed("disclosure control and the gate", lambda: protect_statistics(cfg))
    release_dir = cfg.workspace / "published" / cfg.release
    # The release's metadata keeps no count disclosure control has not seen.
    public = [
        ObservationTable(
            t.table_id, t.title, t.dimensions, t.data, t.unit, public_metadata(t.metadata)
        )
        for t in protected.values()
    ]
    manifest = timed(
        f"release {cfg.release}: SDMX, Excel, CSV, Open SDG, data package",
        lambda: write_release(
            public,
            release_dir,
            release=cfg.release,
            prepared=cfg.prepared,
            country=cfg.project.country,
            agency=cfg.publication.agency,
        ),
    )
    site_dir = timed(
        "migration profile site",
        lambda: build_site(release_dir, cfg.workspace / "web" / "site", title=cfg.project.name),
    )
    ddi_file: Path | None = None
    if (cfg.workspace / "integrated").is_dir():
        ddi_file = timed(
            "DDI-Codebook of the integrated microdata (secure space)",
            lambda: write_ddi(
                cfg.workspace,
                cfg.workspace / "secure" / "ddi-codebook.xml",
                prepared=cfg.prepared,
                country=cfg.project.country,
                title=f"{cfg.project.name}: integrated microdata",
            ),
        )
    log.info("published %d tables as release %s", len(protected), cfg.release)
    return PublicationRun(
        protected=protected,
        protected_dir=cfg.workspace / "protected",
        release_dir=release_dir,
        manifest=manifest,
        site_dir=site_dir,
        ddi_file=ddi_file,
        timings=timings,
    )
