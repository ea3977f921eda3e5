"""The quality report: JSON for machines, a readable HTML page and console tables for
people. One entry per source: delivered, accepted and quarantined rows, and each rule
broken with its stable code, count, share and example rows."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from migstats.quality.validate import SourceValidation


@dataclass
class QualityReport:
    """Validation of every source of a project, under one strictness."""

    strictness: str
    max_quarantine_share: float
    sources: list[SourceValidation] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(s.valid for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "strictness": self.strictness,
            "max_quarantine_share": self.max_quarantine_share,
            "valid": self.valid,
            "sources": [s.to_dict() for s in self.sources],
        }

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write ``quality.json`` and ``quality.html`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        js = folder / "quality.json"
        page = folder / "quality.html"
        _atomic_text(js, json.dumps(self.to_dict(), indent=2, default=str) + "\n")
        _atomic_text(page, render_html(self))
        return js, page

    def print(self, console: Console) -> None:
        """Console summary: one line per source, then the rules broken."""
        summary = Table(title="Data quality", title_justify="left")
        for col in ("source", "delivered", "accepted", "quarantined", "share", "valid"):
            summary.add_column(col, justify="left" if col == "source" else "right")
        for s in self.sources:
            share = s.quarantined / s.delivered if s.delivered else 0.0
            mark = "[green]yes[/]" if s.valid else "[red]NO[/]"
            summary.add_row(
                s.source,
                f"{s.delivered:,}",
                f"{s.accepted:,}",
                f"{s.quarantined:,}",
                f"{share:.2%}",
                mark,
            )
        console.print(summary)
        rules = Table(title="Rules broken", title_justify="left")
        for col in ("source", "code", "field", "severity", "rows", "example"):
            rules.add_column(col, justify="right" if col == "rows" else "left")
        for s in self.sources:
            for r in s.rules:
                example = r.examples[0] if r.examples else {}
                shown = f"row {example.get('record')}: {example.get('value')!r}" if example else ""
                rules.add_row(s.source, r.code, r.field, r.severity, f"{r.count:,}", shown[:60])
        if rules.row_count:
            console.print(rules)


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)


def render_html(report: QualityReport) -> str:
    """A self-contained HTML page (no external files) summarising the report."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>migstats data quality</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}",
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;",
        "padding:.3rem .6rem;text-align:left}th{background:#f0f0f0}.num{text-align:right}",
        ".error{color:#b00020}.warning{color:#8a6d00}.ok{color:#1b5e20}</style></head><body>",
        "<h1>Data quality report</h1>",
        f"<p>Strictness: <b>{e(report.strictness)}</b>; a source is invalid when more than "
        f"{report.max_quarantine_share:.2%} of its rows are quarantined or a mapped column is "
        f"missing. Overall: <b class='{'ok' if report.valid else 'error'}'>"
        f"{'valid' if report.valid else 'INVALID'}</b>.</p>",
        "<table><tr><th>source</th><th>file</th><th>delivered</th><th>accepted</th>"
        "<th>quarantined</th><th>reconciles</th><th>valid</th></tr>",
    ]
    for s in report.sources:
        parts.append(
            f"<tr><td>{e(s.source)}</td><td>{e(s.file)}</td><td class='num'>{s.delivered:,}</td>"
            f"<td class='num'>{s.accepted:,}</td><td class='num'>{s.quarantined:,}</td>"
            f"<td>{'yes' if s.reconciles else 'NO'}</td>"
            f"<td class='{'ok' if s.valid else 'error'}'>{'yes' if s.valid else 'no'}</td></tr>"
        )
    parts.append("</table>")
    for s in report.sources:
        parts.append(f"<h2>{e(s.source)}</h2>")
        if not s.rules:
            parts.append("<p class='ok'>No rule broken.</p>")
            continue
        parts.append(
            "<table><tr><th>code</th><th>field</th><th>severity</th><th>rows</th>"
            "<th>share</th><th>message</th><th>examples (row: value)</th></tr>"
        )
        for r in s.rules:
            examples = "; ".join(f"{x.get('record')}: {x.get('value')}" for x in r.examples[:5])
            parts.append(
                f"<tr><td>{e(r.code)}</td><td>{e(r.field)}</td>"
                f"<td class='{e(r.severity)}'>{e(r.severity)}</td>"
                f"<td class='num'>{r.count:,}</td><td class='num'>{r.share:.3%}</td>"
                f"<td>{e(r.message)}</td><td>{e(examples)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
