"""The figures a migration profile leads with, taken from the published tables.

* the migrant population pyramid: table 1.1 by AGE x SEX (every other dimension at its
  total) for each reference date and stock definition (foreign-born, foreign citizens);
* flows over time: immigrants (1.2), emigrants (1.3) and net migration (1.4N) by
  TIME_PERIOD, every other dimension at its total;
* the top citizenships and the atolls of the migrant stock (1.1 by CITIZENSHIP, by ATOLL).

Any table may be missing from a release; its part of the page is then left out. A
suppressed cell stays empty (None) and is never ranked: ordering citizenships by a hidden
value would disclose it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from migstats.stats.cube import ObservationTable
from migstats.web.labels import code_label, metadata_code_labels
from migstats.web.observations import (
    NOT_AVAILABLE,
    cell_text,
    dimension_codes,
    format_number,
    safe_rows,
)

__all__ = ["FLOW_TABLES", "STOCK_TABLE", "TOP_CITIZENSHIPS", "headline_data"]

STOCK_TABLE: Final = "1.1"
#: The flow tables drawn over time, with their series names.
FLOW_TABLES: Final = (("1.2", "Immigrants"), ("1.3", "Emigrants"), ("1.4N", "Net migration"))
TOP_CITIZENSHIPS: Final = 10
_NOT_A_COUNTRY: Final = frozenset({"_T", "_U", "OTH"})


def _cells(
    table: ObservationTable, along: Sequence[str], fixed: Mapping[str, str]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Rows with every dimension not in ``along`` at ``fixed`` (default ``_T``), keyed by
    their codes along ``along``."""
    _, rows = safe_rows(table)
    others = [d for d in table.dimensions if d not in along]
    result = {}
    for row in rows:
        if all(row.get(d) == fixed.get(d, "_T") for d in others):
            result[tuple(str(row[d]) for d in along)] = row
    return result


def _codes(table: ObservationTable, dimension: str) -> tuple[list[str], list[str]]:
    for d in dimension_codes(table):
        if d.dimension == dimension:
            return list(d.codes), list(d.labels)
    return [], []


def _stock(table: ObservationTable) -> dict[str, Any] | None:
    needed = {"REF_DATE", "MEASURE", "SEX", "AGE"}
    if not needed <= set(table.dimensions):
        return None
    refs, ref_labels = _codes(table, "REF_DATE")
    measures, measure_labels = _codes(table, "MEASURE")
    refs = [r for r in refs if r != "_T"]
    measures = [m for m in measures if m != "_T"]
    ages = [a for a in _codes(table, "AGE")[0] if a not in ("_T", "_U")]
    pyramid, citizenships, atolls = {}, {}, {}
    for ref in refs:
        for measure in measures:
            key = f"{ref}|{measure}"
            fixed = {"REF_DATE": ref, "MEASURE": measure}
            by_age_sex = _cells(table, ("AGE", "SEX"), fixed)
            male = [by_age_sex.get((a, "M")) for a in ages]
            female = [by_age_sex.get((a, "F")) for a in ages]
            pyramid[key] = {
                "male": [_value(r) for r in male],
                "female": [_value(r) for r in female],
                "male_text": [_text(r) for r in male],
                "female_text": [_text(r) for r in female],
            }
            if "CITIZENSHIP" in table.dimensions:
                citizenships[key] = _ranked(table, "CITIZENSHIP", fixed)
            if "ATOLL" in table.dimensions:
                atolls[key] = _in_order(table, "ATOLL", fixed)
    return {
        "table": table.table_id,
        "title": table.title,
        "refs": [
            [r, ref_labels[i]] for i, r in enumerate(_codes(table, "REF_DATE")[0]) if r in refs
        ],
        "measures": [
            [m, measure_labels[i]]
            for i, m in enumerate(_codes(table, "MEASURE")[0])
            if m in measures
        ],
        "default_ref": "census_night" if "census_night" in refs else (refs[0] if refs else ""),
        "ages": [code_label("AGE", a) for a in ages],
        "age_codes": ages,
        "pyramid": pyramid,
        "citizenships": citizenships,
        "atolls": atolls,
    }


def _value(row: Mapping[str, Any] | None) -> float | None:
    if row is None or row.get("OBS_VALUE") is None:
        return None
    return float(row["OBS_VALUE"])


def _text(row: Mapping[str, Any] | None) -> str:
    """What a data table shows for a cell: the value and its flag, ``x`` if suppressed."""
    if row is None:
        return NOT_AVAILABLE
    text, flag, _ = cell_text(row, 0)
    return f"{text} {flag}" if flag and flag != text else text


def _ranked(table: ObservationTable, dimension: str, fixed: Mapping[str, str]) -> dict[str, Any]:
    cells = _cells(table, (dimension,), fixed)
    extra = metadata_code_labels(table.metadata, dimension, [k[0] for k in cells])
    shown = [
        (code[0], value)
        for code, row in cells.items()
        if code[0] not in _NOT_A_COUNTRY and (value := _value(row)) is not None
    ]
    shown.sort(key=lambda cv: (-cv[1], cv[0]))
    top = shown[:TOP_CITIZENSHIPS]
    return {
        "codes": [c for c, _ in top],
        "labels": [code_label(dimension, c, extra) for c, _ in top],
        "values": [v for _, v in top],
        "texts": [_text(cells[(c,)]) for c, _ in top],
    }


def _in_order(table: ObservationTable, dimension: str, fixed: Mapping[str, str]) -> dict[str, Any]:
    cells = _cells(table, (dimension,), fixed)
    codes, labels = _codes(table, dimension)
    keep = [i for i, c in enumerate(codes) if c != "_T" and (c,) in cells]
    return {
        "codes": [codes[i] for i in keep],
        "labels": [labels[i] for i in keep],
        "values": [_value(cells[(codes[i],)]) for i in keep],
        "texts": [_text(cells[(codes[i],)]) for i in keep],
    }


def _flows(tables: Mapping[str, ObservationTable]) -> dict[str, Any] | None:
    series = []
    periods: set[str] = set()
    for table_id, name in FLOW_TABLES:
        table = tables.get(table_id)
        if table is None or "TIME_PERIOD" not in table.dimensions:
            continue
        cells = _cells(table, ("TIME_PERIOD",), {})
        cells = {k: v for k, v in cells.items() if k[0] != "_T"}
        periods |= {k[0] for k in cells}
        series.append((table_id, name, cells))
    if not series:
        return None
    ordered = sorted(periods)
    return {
        "periods": ordered,
        "series": [
            {
                "table": table_id,
                "label": name,
                "values": [_value(cells.get((p,))) for p in ordered],
                "status": [str((cells.get((p,)) or {}).get("OBS_STATUS") or "") for p in ordered],
                "texts": [_text(cells.get((p,))) for p in ordered],
            }
            for table_id, name, cells in series
        ],
    }


def _figures(stock: dict[str, Any] | None, flows: dict[str, Any] | None) -> list[dict[str, str]]:
    """Key figures: the stock totals at the default date, the latest year's flows."""
    figures = []
    if stock:
        ref = stock["default_ref"]
        ref_label = dict(map(tuple, stock["refs"])).get(ref, ref)
        for measure, label in stock["measures"]:
            total = stock["totals"].get(f"{ref}|{measure}")
            if total is not None:
                figures.append(
                    {"label": f"Migrant stock: {label.lower()}", "value": total, "note": ref_label}
                )
    if flows:
        for s in flows["series"]:
            known = [i for i, v in enumerate(s["values"]) if v is not None]
            if not known:
                continue
            # The latest final year leads: a provisional year's flows are mostly still
            # undecided (windows open at the data end) and would mislead as a headline.
            final = [i for i in known if s["status"][i] != "P"]
            last = (final or known)[-1]
            status = {"P": " (provisional)", "E": " (estimate)"}.get(s["status"][last], "")
            figures.append(
                {
                    "label": s["label"],
                    "value": format_number(s["values"][last], 0),
                    "note": flows["periods"][last] + status,
                }
            )
    return figures


def headline_data(tables: Mapping[str, ObservationTable]) -> dict[str, Any]:
    """The headline page's data from a release's tables (missing tables are skipped)."""
    stock_table = tables.get(STOCK_TABLE)
    stock = _stock(stock_table) if stock_table is not None else None
    if stock is not None and stock_table is not None:
        totals = {}
        for ref, _ in stock["refs"]:
            for measure, _ in stock["measures"]:
                row = _cells(stock_table, (), {"REF_DATE": ref, "MEASURE": measure}).get(())
                value = _value(row)
                if value is not None:
                    totals[f"{ref}|{measure}"] = format_number(value, 0)
        stock["totals"] = totals
    flows = _flows(tables)
    return {"stock": stock, "flows": flows, "figures": _figures(stock, flows)}
