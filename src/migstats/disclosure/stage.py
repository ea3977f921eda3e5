"""Protect observation tables under their rules: the disclosure-control stage.

:func:`protect` turns one unprotected table (secure space) into a publishable one:

- values protected by the rule's method (suppressed, perturbed or rounded), derived
  cells recomputed from the protected counts (or suppressed with them);
- ``CONF_STATUS`` added (SDMX CL_CONF_STATUS): ``F`` free, ``A`` suppressed as a small
  count, ``D`` suppressed to protect another cell. Perturbed and rounded cells are ``F``
  like every other cell of their table: flagging which cells changed would tell which
  are exact. ``OBS_STATUS`` keeps its meaning (``M`` where a rate lost its denominator);
- ``CELL_KEY`` dropped (it would let anyone undo the perturbation);
- ``metadata["disclosure"]``: the method, the rule as configured, the perturbation
  table's name and sha256 or the rounding draws, counts of protected cells and the
  checks passed. Re-running on the same input (and secret) gives the identical table.

Intervals (``LOWER``/``UPPER``, for estimates): suppressed cells lose them; under a
threshold rule, bounds of published cells under ``n`` are widened (lower to 0, upper to
``n``); under cell key or rounding they move with their cell's value and are widened to
whole persons or to the base (lower bound down, upper bound up), so each interval still
holds its value.

>>> import pyarrow as pa
>>> from migstats.disclosure.rules import ThresholdRule
>>> from migstats.stats.cube import table_from
>>> data = pa.table({"SEX": ["F", "M", "_T"], "OBS_VALUE": [3.0, 40.0, 43.0]})
>>> out = protect(table_from("t", "Test", data, ["SEX"]), ThresholdRule(method="threshold"))
>>> out.data.column("OBS_VALUE").to_pylist(), out.data.column("CONF_STATUS").to_pylist()
([None, None, 43.0], ['A', 'D', 'F'])
>>> out.metadata["disclosure"]["cells"]
{'published': 1, 'primary': 1, 'secondary': 1}
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from migstats.disclosure import cellkey, rounding
from migstats.disclosure.derived import inconsistent_derived, recompute, suppressed_with_inputs
from migstats.disclosure.rules import (
    CellKeyRule,
    DisclosureSection,
    RatesRule,
    RoundingRule,
    TableRule,
    ThresholdRule,
    describe,
)
from migstats.disclosure.structure import (
    BoolArray,
    Cells,
    FloatArray,
    additive_equations,
    inconsistent,
)
from migstats.disclosure.suppression import FREE, PRIMARY, SECONDARY, primary, suppress
from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable

__all__ = ["RECORD_KEY", "protect", "protect_all"]

log = logging.getLogger("migstats.disclosure")

#: Key of the disclosure record in a table's metadata.
RECORD_KEY = "disclosure"
RECORD_VERSION = 1
CELL_KEY = "CELL_KEY"


class _Result:
    """What a method produces: new values, intervals, statuses and record entries."""

    def __init__(self, cells: Cells) -> None:
        self.value = cells.value.copy()
        self.lower = None if cells.lower is None else cells.lower.copy()
        self.upper = None if cells.upper is None else cells.upper.copy()
        self.conf = np.full(len(cells), FREE, dtype="<U1")
        self.missing = np.zeros(len(cells), dtype=bool)
        self.record: dict[str, Any] = {}


def _fail(table: ObservationTable, rule: TableRule, cause: str, fix: str) -> UserInputError:
    return UserInputError(
        f"Table {table.table_id} cannot be protected by {describe(rule)}", cause, fix
    )


def _check_inputs(table: ObservationTable, rule: TableRule, cells: Cells) -> BoolArray:
    """Derived cells of the table, after checking their relations hold."""
    problems = inconsistent_derived(cells, rule.derived)
    if problems:
        raise _fail(
            table, rule, "; ".join(problems), "correct the rule's derived cells for this table"
        )
    return cells.derived_mask(rule.derived)


def _interval_shift(
    result: _Result, shift: FloatArray, rows: BoolArray, step: float, *, floor_zero: bool
) -> None:
    """Move the intervals of ``rows`` by ``shift`` and widen them to multiples of ``step``."""
    if result.lower is not None:
        low = np.floor((result.lower + shift) / step + 1e-9) * step
        if floor_zero:
            low = np.maximum(low, 0.0)
        result.lower = np.where(rows, low, result.lower) + 0.0
    if result.upper is not None:
        high = np.ceil((result.upper + shift) / step - 1e-9) * step
        result.upper = np.where(rows, high, result.upper) + 0.0


def _finish_derived(cells: Cells, rule: TableRule, result: _Result, step: float) -> None:
    """Recompute derived cells from the protected counts; move balance intervals."""
    if not rule.derived:
        return
    derived = cells.derived_mask(rule.derived)
    value, shift = recompute(cells, result.value, rule.derived)
    result.missing |= derived & np.isnan(value) & ~np.isnan(cells.value)
    result.value = np.where(derived, value, result.value)
    ratios = cells.derived_mask([d for d in rule.derived if d.kind == "ratio"])
    balances = derived & ~ratios
    _interval_shift(result, shift, balances, step, floor_zero=False)
    for bound in (result.lower, result.upper):
        if bound is not None:
            bound[ratios] = np.nan


def _threshold(
    table: ObservationTable,
    rule: ThresholdRule,
    cells: Cells,
    derived: BoolArray,
    linked: Mapping[str, ObservationTable],
) -> _Result:
    missing = np.isnan(cells.value) & ~derived
    eqs = additive_equations(cells, rule.hierarchies, exclude=derived, missing=missing)
    bad = inconsistent(cells, eqs)
    if len(bad):
        e = int(bad[0])
        raise _fail(
            table,
            rule,
            f"along {eqs.dimension[e]}, cell {cells.label(int(eqs.parent[e]))} is not the sum"
            f" of its children ({len(bad)} such equations)",
            f"give the rule the hierarchies of dimension {eqs.dimension[e]}"
            " (which codes add up to which)",
        )
    imported = _imported(table, rule, cells, linked)
    found = suppress(cells, rule, eqs, derived=derived, imported=imported)
    result = _Result(cells)
    result.conf = found.status.copy()
    hidden = suppressed_with_inputs(cells, result.conf != FREE, rule.derived)
    result.conf[hidden & (result.conf == FREE)] = SECONDARY
    gone = result.conf != FREE
    for array in (result.value, result.lower, result.upper):
        if array is not None:
            array[gone] = np.nan
    widened = 0 if rule.pattern_from else _widen_small_bounds(result, rule.n)
    widths = found.ranges.high - found.ranges.low
    suppressed = found.status != FREE
    narrowest = float(widths[suppressed].min()) if suppressed.any() else np.inf
    result.record = {
        "cells": {
            "published": int((~gone).sum()),
            "primary": int((result.conf == PRIMARY).sum()),
            "secondary": int((result.conf == SECONDARY).sum()),
        },
        "checks": {
            "equations": len(eqs),
            "equations_hold": True,
            "attack": _attack_text(rule, cells.is_integer(~derived & ~missing)),
            "narrowest_range": narrowest if np.isfinite(narrowest) else None,
            "primary_cells_below_full_width": int(found.limited.sum()),
            "required_range": {
                "primary": max(1.0, rule.protection * rule.n),
                "secondary": 1.0 if cells.is_integer(~derived) else 0.5,
            },
        },
    }
    if widened:
        result.record["intervals"] = (
            f"{widened} bounds under {rule.n} widened (lower to 0, upper to {rule.n})"
        )
    if rule.pattern_from:
        result.record["pattern_from"] = rule.pattern_from
    return result


def _attack_text(rule: ThresholdRule, integer: bool) -> str:
    """The attacker's knowledge the proof assumed, in words (for the record)."""
    counts = "non-negative whole counts" if integer else "non-negative values"
    if rule.pattern_from:
        flags = f"primary cells in 0..{rule.n} (estimates of small counts of {rule.pattern_from})"
    else:
        flags = f"primary cells under {rule.n}, secondary cells 0 or at least {rule.n}"
    return f"mixed-integer programs over the published equations: {counts}, {flags}"


def _widen_small_bounds(result: _Result, n: int) -> int:
    """Interval bounds of published cells under ``n`` would show a small number: lower
    bounds go to 0 and upper bounds to ``n`` (still bounds, only less tight)."""
    count = 0
    for array, to in ((result.lower, 0.0), (result.upper, float(n))):
        if array is not None:
            small = (array > 0) & (array < n)
            count += int(small.sum())
            array[small] = to
    return count


def _imported(
    table: ObservationTable,
    rule: ThresholdRule,
    cells: Cells,
    linked: Mapping[str, ObservationTable],
) -> np.ndarray[Any, np.dtype[np.str_]] | None:
    """``CONF_STATUS`` of each cell in the table named by ``pattern_from``. A cell the
    source lacks (an estimate may add persons the counts do not show: 5.2's visitors
    whose stay began before the data) falls back on this table's own threshold."""
    if rule.pattern_from is None:
        return None
    source = linked.get(rule.pattern_from)
    if source is None or "CONF_STATUS" not in source.data.column_names:
        raise _fail(
            table,
            rule,
            f"it takes the suppression pattern of table {rule.pattern_from}, not protected yet",
            f"protect {rule.pattern_from} first (protect_all orders them)",
        )
    missing = [d for d in cells.dimensions if d not in source.data.column_names]
    if missing:
        raise _fail(
            table,
            rule,
            f"table {rule.pattern_from} has no dimension {missing[0]}",
            "pattern_from must name a table with the same dimensions",
        )
    conf = np.asarray(source.data.column("CONF_STATUS").to_pylist(), dtype="<U1")
    rows = match_rows(cells, source)
    status = np.full(len(cells), FREE, dtype="<U1")
    status[rows[rows >= 0]] = conf[rows >= 0]
    uncovered = np.ones(len(cells), dtype=bool)
    uncovered[rows[rows >= 0]] = False
    status[uncovered & primary(cells, rule)] = PRIMARY
    return status


def match_rows(cells: Cells, other: ObservationTable) -> np.ndarray[Any, np.dtype[np.int64]]:
    """For each row of ``other``, the row of ``cells`` with the same codes (-1 if none)."""
    query = {}
    for d in cells.dimensions:
        if d not in other.data.column_names:
            return np.full(other.data.num_rows, -1, dtype=np.int64)
        column = other.data.column(d).cast(pa.string()).fill_null("")
        codes = np.asarray(column.to_numpy(zero_copy_only=False), dtype=str)
        vocab = cells.vocab[d]
        pos = np.minimum(np.searchsorted(vocab, codes), len(vocab) - 1)
        query[d] = np.where(vocab[pos] == codes, pos, -1).astype(np.int64)
    if other.data.num_rows == 0:
        return np.zeros(0, dtype=np.int64)
    return cells.locate(query)


def _counts(
    table: ObservationTable, rule: TableRule, cells: Cells, counted: BoolArray
) -> FloatArray:
    value = cells.value
    negative = np.flatnonzero(counted & (value < 0))
    if len(negative):
        i = int(negative[0])
        raise _fail(
            table,
            rule,
            f"cell {cells.label(i)} is negative ({value[i]:g})",
            "declare signed cells (net migration, residuals) as derived balances in the rule",
        )
    return np.floor(np.nan_to_num(value) + 0.5)


def _cell_keys(table: ObservationTable) -> FloatArray | None:
    if CELL_KEY not in table.data.column_names:
        return None
    keys = table.data.column(CELL_KEY).cast(pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(keys, dtype=np.float64)


def _cell_key(
    table: ObservationTable, rule: CellKeyRule, cells: Cells, derived: BoolArray
) -> _Result:
    ptable = cellkey.load_ptable(rule.ptable)
    if ptable.key_range != rule.key_range:
        raise _fail(
            table,
            rule,
            f"ptable {rule.ptable} has key range {ptable.key_range}",
            f"set key_range: {ptable.key_range}",
        )
    counted = ~derived & ~np.isnan(cells.value)
    counts = _counts(table, rule, cells, counted)
    keys = _cell_keys(table)
    needs_key = counted & (counts > 0)
    if keys is None and needs_key.any():
        raise _fail(
            table,
            rule,
            "it has no CELL_KEY column",
            "build the table with cube(..., cell_key=...) or give it another method",
        )
    keys = np.zeros(len(cells)) if keys is None else keys
    lacking = np.flatnonzero(needs_key & np.isnan(keys))
    if len(lacking):
        raise _fail(
            table,
            rule,
            f"cell {cells.label(int(lacking[0]))} has no cell key",
            "every counted cell needs the sum of its records' keys",
        )
    result = _Result(cells)
    perturbed = cellkey.perturb(counts, np.nan_to_num(keys).astype(np.int64), ptable)
    result.value = np.where(counted, perturbed, cells.value)
    shift = np.where(counted, perturbed - np.nan_to_num(cells.value), 0.0)
    _interval_shift(result, shift, counted, 1.0, floor_zero=True)
    _finish_derived(cells, rule, result, 1.0)
    result.record = {
        "ptable": ptable.record(),
        "cells": {"perturbed": int(counted.sum()), "derived": int(derived.sum())},
        "checks": {"ptable_sha256": ptable.sha256},
        "note": "margins are perturbed on their own: published cells need not add up",
    }
    return result


def _rounding(
    table: ObservationTable,
    rule: RoundingRule,
    cells: Cells,
    derived: BoolArray,
    secret: bytes | None,
) -> _Result:
    counted = ~derived & ~np.isnan(cells.value)
    result = _Result(cells)
    values = np.nan_to_num(cells.value)
    draws_from = "none"
    if rule.random:
        keys = _cell_keys(table)
        if keys is not None and not np.isnan(keys[counted & (values != 0)]).any():
            draws = rounding.draws_from_cell_keys(np.nan_to_num(keys).astype(np.int64))
            draws_from = "cell_key"
        elif secret is not None:
            labels = [cells.label(i) for i in range(len(cells))]
            draws = rounding.draws_from_secret(secret, table.table_id, labels)
            draws_from = f"keyed_hash:{rounding.key_fingerprint(secret)}"
        else:
            raise _fail(
                table,
                rule,
                "random rounding needs the table's CELL_KEY or a secret",
                "pass secret= (the project's key) or set random: false",
            )
        rounded = rounding.random_round(values, rule.base, draws)
    else:
        rounded = rounding.conventional(values, rule.base)
    result.value = np.where(counted, rounded, cells.value)
    _interval_shift(result, np.zeros(len(cells)), counted, float(rule.base), floor_zero=False)
    _finish_derived(cells, rule, result, float(rule.base))
    result.record = {
        "draws": draws_from,
        "cells": {"rounded": int(counted.sum()), "derived": int(derived.sum())},
        "note": "margins are rounded on their own: published cells need not add up",
    }
    return result


def _rates(rule: RatesRule, cells: Cells, status: np.ndarray[Any, Any]) -> _Result:
    result = _Result(cells)
    hide = np.isin(status, list(rule.suppress_status)) & ~np.isnan(cells.value)
    result.conf[hide] = PRIMARY
    for array in (result.value, result.lower, result.upper):
        if array is not None:
            array[:] = np.round(array, rule.decimals)
            array[hide] = np.nan
    result.record = {"cells": {"published": int((~hide).sum()), "suppressed": int(hide.sum())}}
    return result


def protect(
    table: ObservationTable,
    rule: TableRule,
    *,
    secret: bytes | None = None,
    linked: Mapping[str, ObservationTable] | None = None,
) -> ObservationTable:
    """``table`` protected under ``rule`` (see the module docstring).

    ``secret``: the project's key, for random rounding of tables without cell keys.
    ``linked``: tables already protected, by id (for ``pattern_from``).
    """
    cells = Cells.of(table.table_id, table.dimensions, table.data)
    derived = _check_inputs(table, rule, cells)
    status = np.asarray(
        table.data.column("OBS_STATUS").to_pylist()
        if "OBS_STATUS" in table.data.column_names
        else ["A"] * len(cells),
        dtype=object,
    )
    if isinstance(rule, ThresholdRule):
        result = _threshold(table, rule, cells, derived, linked or {})
    elif isinstance(rule, CellKeyRule):
        result = _cell_key(table, rule, cells, derived)
    elif isinstance(rule, RoundingRule):
        result = _rounding(table, rule, cells, derived, secret)
    else:
        result = _rates(rule, cells, status)
    status = np.where(result.missing, "M", status)
    data = _assemble(table.data, result, status)
    record = {
        "version": RECORD_VERSION,
        "method": rule.method,
        "rule": rule.model_dump(mode="json"),
        "rule_text": describe(rule),
        **result.record,
    }
    metadata = {**table.metadata, RECORD_KEY: record}
    log.info("table %s protected: %s", table.table_id, describe(rule))
    return ObservationTable(
        table.table_id, table.title, table.dimensions, data, table.unit, metadata
    )


def _assemble(data: pa.Table, result: _Result, status: np.ndarray[Any, Any]) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    replaced = {"OBS_VALUE": result.value, "LOWER": result.lower, "UPPER": result.upper}
    for name in data.column_names:
        if name == CELL_KEY or name == "CONF_STATUS":
            continue
        array = replaced.get(name)
        if array is not None:
            columns[name] = pa.array(array, pa.float64(), mask=np.isnan(array))
        elif name == "OBS_STATUS":
            columns[name] = pa.array(status.tolist(), pa.string())
        else:
            columns[name] = data.column(name).combine_chunks()
        if name == "OBS_STATUS":
            columns["CONF_STATUS"] = pa.array(result.conf.tolist(), pa.string())
    if "OBS_STATUS" not in columns:
        columns["OBS_STATUS"] = pa.array(status.tolist(), pa.string())
        columns["CONF_STATUS"] = pa.array(result.conf.tolist(), pa.string())
    return pa.table(columns)


def _order(tables: list[ObservationTable], section: DisclosureSection) -> list[ObservationTable]:
    """Tables with every ``pattern_from`` source before the tables that use it."""
    by_id = {t.table_id: t for t in tables}
    ordered: list[ObservationTable] = []
    state: dict[str, str] = {}

    def visit(table_id: str, path: tuple[str, ...]) -> None:
        if state.get(table_id) == "done":
            return
        if table_id in path:
            raise UserInputError(
                "Disclosure rules refer to each other in a loop",
                " -> ".join((*path, table_id)) + " (pattern_from)",
                "remove one of the pattern_from settings",
            )
        rule = section.rule_for(table_id)
        source = rule.pattern_from if isinstance(rule, ThresholdRule) else None
        if source is not None and source in by_id:
            visit(source, (*path, table_id))
        state[table_id] = "done"
        ordered.append(by_id[table_id])

    for table in tables:
        visit(table.table_id, ())
    return ordered


def protect_all(
    tables: Iterable[ObservationTable],
    section: DisclosureSection,
    *,
    secret: bytes | None = None,
) -> list[ObservationTable]:
    """Every table protected under its rule from ``section``, in the input order."""
    tables = list(tables)
    done: dict[str, ObservationTable] = {}
    for table in _order(tables, section):
        done[table.table_id] = protect(
            table, section.rule_for(table.table_id), secret=secret, linked=done
        )
    return [done[t.table_id] for t in tables]
