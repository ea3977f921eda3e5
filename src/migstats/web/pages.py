"""HTML pages from the Jinja templates, shared by the static site and the secure space.

Pages never hold inline scripts: data travel in ``.js`` files (``data/*.js``) that set
``window.MIGSTATS_DATA``, so the site works from ``file://`` (where ``fetch`` of local
files is blocked) and under a strict Content-Security-Policy when served.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import jinja2

from migstats.stats.cube import ObservationTable
from migstats.web.labels import humanise
from migstats.web.observations import (
    chart_axis,
    dimension_codes,
    legend,
    public_metadata,
    table_payload,
)
from migstats.web.release import Download

__all__ = [
    "CHART_JS_VERSION",
    "STATIC_DIR",
    "Links",
    "chapter_of",
    "data_script",
    "metadata_sections",
    "natural_key",
    "render",
    "render_table_page",
    "table_data_script",
]

#: The vendored chart library (static/vendor/chart.umd.min.js; see its README.md).
CHART_JS_VERSION: Final = "4.6.1"
STATIC_DIR: Final = Path(__file__).with_name("static")
TEMPLATE_DIR: Final = Path(__file__).with_name("templates")

#: Chapters of the tables, by the part of the id before the first dot.
CHAPTERS: Final = {
    "1": "Migrant stocks and flows",
    "2": "Temporary mobility",
    "3": "Migrant workers and work permits",
    "4": "Other migration statistics",
    "5": "Irregular stay",
    "6": "Emigration from registers (signs of life)",
    "7": "SDG indicators by migratory status",
    "8": "Demographic accounts",
    "R": "Reconciliation of sources",
}

_HIDDEN_KEYS: Final = frozenset({"file", "cells", "table_id", "title", "dimensions", "unit"})
_REFERENCE_KEYS: Final = ("reference_dates", "reference_date", "period", "observation_end")
_SOURCE_KEYS: Final = ("sources", "source")


@dataclass(frozen=True)
class Links:
    """How a page reaches the rest: ``root`` is the prefix of site-relative links
    (``""``, ``"../"`` in the static site, ``"/"`` when served)."""

    root: str
    nav: tuple[tuple[str, str], ...] = ()
    banner: str = ""

    @property
    def static(self) -> str:
        return f"{self.root}static/"

    def nav_items(self) -> tuple[tuple[str, str], ...]:
        return self.nav or (
            (f"{self.root}index.html", "Headline figures"),
            (f"{self.root}tables.html", "All tables"),
            (f"{self.root}downloads.html", "Downloads"),
        )


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts ``1.2`` before ``1.10`` and ``R.1`` after ``8.2``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


def chapter_of(table_id: str) -> str:
    """The chapter a table belongs to (by the first part of its id)."""
    return CHAPTERS.get(table_id.split(".", 1)[0], "Other tables")


def _key_label(key: object) -> str:
    text = str(key)
    return humanise(text) if text.islower() or (text[:1].islower() and "_" in text) else text


def _meta_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:,.0f}" if value.is_integer() else f"{value:.4g}"
    return "" if value is None else str(value)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


@cache
def environment() -> jinja2.Environment:
    """The template environment (autoescaped, strict about undefined names)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["key_label"] = _key_label
    env.filters["meta_value"] = _meta_value
    env.filters["size"] = _size
    env.filters["sentence"] = _sentence
    env.globals["chart_js_version"] = CHART_JS_VERSION
    return env


def render(template: str, links: Links, **context: Any) -> str:
    """Render a template with the links and the common context."""
    return environment().get_template(template).render(links=links, **context)


def metadata_sections(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A table's metadata split for the page: definition, reference dates, sources,
    disclosure control, and everything else (absolute paths cut to file names)."""
    meta = public_metadata({k: v for k, v in metadata.items() if k not in _HIDDEN_KEYS})
    taken: set[str] = set()

    def take(keys: Sequence[str]) -> dict[str, Any]:
        found = {k: meta[k] for k in keys if k in meta}
        taken.update(found)
        return found

    definition = meta.get("definition")
    taken.add("definition")
    reference = take(_REFERENCE_KEYS)
    sources = take(_SOURCE_KEYS)
    disclosure = take(
        [k for k in meta if "disclosure" in k or "confidential" in k or k.startswith("protect")]
    )
    other = {k: v for k, v in meta.items() if k not in taken}
    return {
        "definition": definition if isinstance(definition, str) else None,
        "reference": reference,
        "sources": sources,
        "disclosure": disclosure,
        "other": other,
    }


def data_script(name: str, key: str, payload: Any) -> str:
    """A ``.js`` file that stores ``payload`` under ``window.MIGSTATS_DATA[key]``."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # A JSON text is a JavaScript expression; "</" is escaped anyway so the same text
    # could be inlined safely.
    text = text.replace("</", "<\\/")
    return (
        f"/* {name}: generated by migstats, do not edit */\n"
        f"(window.MIGSTATS_DATA = window.MIGSTATS_DATA || {{}})[{json.dumps(key)}] = {text};\n"
    )


def render_table_page(
    table: ObservationTable,
    links: Links,
    *,
    site_title: str,
    release: str,
    data_src: str,
    downloads: Sequence[tuple[Download, str]],
    api: Sequence[tuple[str, str]] = (),
) -> str:
    """The page of one table: filters, chart, values, metadata and downloads.

    ``downloads`` pairs each file with its link; ``api`` lists (label, link) of API views.
    """
    dims = dimension_codes(table)
    return render(
        "table.html",
        links,
        site_title=site_title,
        release=release,
        page_kind="table",
        table=table,
        dims=dims,
        axis=chart_axis(dims),
        symbols=legend(table),
        meta=metadata_sections(table.metadata),
        chapter=chapter_of(table.table_id),
        downloads=downloads,
        api=api,
        scripts=[f"{links.static}vendor/chart.umd.min.js", data_src, f"{links.static}site.js"],
    )


def table_data_script(table: ObservationTable) -> str:
    """The data file of a table's page."""
    return data_script(f"table {table.table_id}", f"table:{table.table_id}", table_payload(table))
