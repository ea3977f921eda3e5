"""The publication gate (an audit): refuse any table that has not passed its rule.

:func:`check` re-examines a protected table on its own, without trusting how it was made:

- it must carry a disclosure record made under the rule configured for it now, no
  ``CELL_KEY`` column and a valid ``CONF_STATUS`` on every cell;
- threshold: no published value, ``LOWER`` or ``UPPER`` under ``n``; suppressed cells
  carry no value; derived cells of suppressed inputs are suppressed; and the attack
  itself: from the published cells, the equations and the flags, no suppressed cell can
  be pinned down (its exact range, by mixed-integer programs, spans at least one person;
  half a person in tables of estimates);
- cell key: the ptable recorded is the one shipped (same sha256), and no published
  count is one the ptable can never produce (1-4 for ``migstats_v1``): an unperturbed
  table is caught by its small counts;
- rounding: every count and bound a multiple of the base;
- rates: rates resting on few persons suppressed, the others rounded;
- derived rates equal their recomputation from the published counts.

Given the unprotected ``original`` too, it also checks the published values against it
(the same perturbation, no value moved by more than the rounding base, no published
value altered under a threshold rule).

:func:`gate` checks many tables and raises :class:`PublicationRefused` naming each table
and rule that failed.

>>> import pyarrow as pa
>>> from migstats.disclosure.rules import ThresholdRule
>>> from migstats.stats.cube import table_from
>>> raw = table_from("5.1", "Overstayers", pa.table({"SEX": ["F", "M", "_T"],
...                  "OBS_VALUE": [3.0, 40.0, 43.0]}), ["SEX"])
>>> [str(v) for v in check(raw, ThresholdRule(method="threshold"))][0]
'table 5.1 fails threshold(n=10): no disclosure record (the table was never protected)'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from migstats.disclosure import cellkey
from migstats.disclosure.derived import inputs_of, recompute, suppressed_with_inputs
from migstats.disclosure.moves import Moves
from migstats.disclosure.ranges import feasible_ranges
from migstats.disclosure.rules import (
    CellKeyRule,
    DisclosureSection,
    RatesRule,
    Ratio,
    RoundingRule,
    TableRule,
    ThresholdRule,
    describe,
)
from migstats.disclosure.stage import CELL_KEY, RECORD_KEY, match_rows
from migstats.disclosure.structure import BoolArray, Cells, additive_equations
from migstats.disclosure.suppression import (
    FREE,
    PRIMARY,
    SECONDARY,
    attacker_knowledge,
    primary,
)
from migstats.errors import UserInputError
from migstats.stats.cube import ObservationTable

__all__ = ["PublicationRefused", "Violation", "check", "check_all", "gate"]

#: Violations named per table in an error message before "and N more".
_SHOWN = 3


@dataclass(frozen=True)
class Violation:
    """One reason a table may not be published."""

    table_id: str
    rule: str
    problem: str

    def __str__(self) -> str:
        return f"table {self.table_id} fails {self.rule}: {self.problem}"


class PublicationRefused(UserInputError):  # noqa: N818 (the name says what happened)
    """Publishing was refused: some tables have not passed their disclosure rules."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        tables = sorted({v.table_id for v in violations})
        shown = "; ".join(str(v) for v in violations[:_SHOWN])
        more = len(violations) - _SHOWN
        cause = shown + (f"; and {more} more" if more > 0 else "")
        super().__init__(
            f"Publication refused for {len(tables)} table(s) ({', '.join(tables)})",
            cause,
            "protect the statistics with the configured disclosure rules"
            " (migstats.disclosure.protect_all) and publish the protected tables only",
        )


def _record(table: ObservationTable) -> dict[str, Any] | None:
    record = table.metadata.get(RECORD_KEY)
    return record if isinstance(record, dict) else None


def _floats(data: pa.Table, name: str) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    if name not in data.column_names:
        return None
    return np.asarray(data.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False))


def _first(cells: Cells, mask: BoolArray, what: str, limit: int = _SHOWN) -> list[str]:
    rows = np.flatnonzero(mask)
    out = [what.format(cell=cells.label(int(i)), value=cells.value[i]) for i in rows[:limit]]
    if len(rows) > limit:
        out.append(f"... {len(rows) - limit} more such cells")
    return out


def check(
    table: ObservationTable,
    rule: TableRule,
    *,
    original: ObservationTable | None = None,
    linked: Mapping[str, ObservationTable] | None = None,
) -> list[Violation]:
    """Every reason ``table`` may not be published under ``rule`` (empty: it may).

    ``original``: the unprotected table, for the checks that need it. ``linked``:
    protected tables by id (for a threshold rule's ``pattern_from``).
    """
    text = describe(rule)

    def fail(problem: str) -> Violation:
        return Violation(table.table_id, text, problem)

    record = _record(table)
    if record is None:
        return [fail("no disclosure record (the table was never protected)")]
    found: list[Violation] = []
    configured = rule.model_dump(mode="json")
    if json.dumps(record.get("rule"), sort_keys=True) != json.dumps(configured, sort_keys=True):
        found.append(
            fail(
                f"it was protected with {record.get('rule_text', record.get('rule'))}"
                " but the rule configured for it differs"
            )
        )
    data = table.data
    if CELL_KEY in data.column_names:
        found.append(fail("it still has its CELL_KEY column (cell keys undo the perturbation)"))
    if "CONF_STATUS" not in data.column_names:
        return [*found, fail("it has no CONF_STATUS column")]
    conf = np.asarray(data.column("CONF_STATUS").to_pylist(), dtype=object)
    unknown = sorted({str(c) for c in conf} - {FREE, PRIMARY, SECONDARY})
    if unknown:
        found.append(fail(f"CONF_STATUS holds codes other than F, A, D: {', '.join(unknown)}"))
    cells = Cells.of(table.table_id, table.dimensions, data)
    derived = cells.derived_mask(rule.derived)
    problems: list[str]
    if isinstance(rule, ThresholdRule):
        problems = _check_threshold(cells, rule, conf, derived, original, linked or {})
    elif isinstance(rule, CellKeyRule):
        problems = _check_cell_key(table, cells, rule, record, derived, original)
    elif isinstance(rule, RoundingRule):
        problems = _check_rounding(cells, rule, derived, original)
    else:
        problems = _check_rates(cells, rule, data, conf)
    if not isinstance(rule, (ThresholdRule, RatesRule)):
        problems += _check_ratios(cells, rule, derived)
    return found + [fail(p) for p in problems]


def _hidden_with_values(cells: Cells, suppressed: BoolArray) -> BoolArray:
    mask = suppressed & ~np.isnan(cells.value)
    for bound in (cells.lower, cells.upper):
        if bound is not None:
            mask |= suppressed & ~np.isnan(bound)
    return mask


def _check_threshold(
    cells: Cells,
    rule: ThresholdRule,
    conf: np.ndarray[Any, Any],
    derived: BoolArray,
    original: ObservationTable | None,
    linked: Mapping[str, ObservationTable],
) -> list[str]:
    problems: list[str] = []
    suppressed = (conf == PRIMARY) | (conf == SECONDARY)
    problems += _first(
        cells, _hidden_with_values(cells, suppressed), "cell {cell} is suppressed but has a value"
    )
    if rule.pattern_from is None:  # else the pattern of the source decides (checked below)
        visible = primary(cells, rule, derived=derived) & ~suppressed
        problems += _first(cells, visible, "cell {cell} value {value:g} published")
        for name, bound in (("LOWER", cells.lower), ("UPPER", cells.upper)):
            if bound is not None:
                small = ~suppressed & ~derived & (bound > 0) & (bound < rule.n)
                problems += _first(
                    cells, small, f"cell {{cell}} has {name} under {rule.n} published"
                )
    inputs_hidden = suppressed_with_inputs(cells, suppressed, rule.derived) & ~suppressed
    problems += _first(
        cells,
        inputs_hidden & derived,
        "derived cell {cell} published although an input is suppressed",
    )
    missing = np.isnan(cells.value) & ~suppressed & ~derived
    eqs = additive_equations(cells, rule.hierarchies, exclude=derived, missing=missing)
    counted = ~derived & ~missing
    integer = cells.is_integer(counted & ~suppressed)
    status = np.where(suppressed, conf, FREE).astype("<U1")
    knowledge = attacker_knowledge(cells, rule, status, integer=integer)
    # Protection aims at a wider range where it can (the record says where it could
    # not); the gate refuses any suppressed cell an attacker can pin down.
    need = np.where(suppressed, 1.0 if integer else 0.5, 0.0)
    moves = Moves(cells, eqs, integer=integer)
    unknown = suppressed & counted
    ranges = feasible_ranges(
        eqs, cells.value, unknown, knowledge, need=need, exact=True, moves=moves
    )
    if ranges.infeasible:
        problems.append("the published cells and flags contradict the table's equations")
    else:
        narrow = suppressed & counted & ~ranges.wide_enough
        for i in np.flatnonzero(narrow)[:_SHOWN]:
            low, high = ranges.low[i], ranges.high[i]
            problems.append(
                f"suppressed cell {cells.label(int(i))} can be narrowed to [{low:g}, {high:g}]"
                f" from the published margins (needs a range of {need[i]:g})"
            )
    if original is not None:
        problems += _against_original_threshold(cells, rule, suppressed, original)
    if rule.pattern_from is not None:
        source = linked.get(rule.pattern_from)
        if source is None:
            problems.append(f"its pattern source {rule.pattern_from} was not given to the gate")
        else:
            problems += _pattern_kept(cells, suppressed, source, rule.pattern_from)
    return problems


def _pattern_kept(
    cells: Cells, suppressed: BoolArray, source: ObservationTable, source_id: str
) -> list[str]:
    if "CONF_STATUS" not in source.data.column_names:
        return [f"its pattern source {source_id} is not protected"]
    conf = np.asarray(source.data.column("CONF_STATUS").to_pylist(), dtype=object)
    rows = match_rows(cells, source)
    wanted = ((conf == PRIMARY) | (conf == SECONDARY)) & (rows >= 0)
    shown = np.zeros(len(cells), dtype=bool)
    shown[rows[wanted]] = True
    return _first(
        cells, shown & ~suppressed, f"cell {{cell}} is suppressed in {source_id} but published here"
    )


def _against_original_threshold(
    cells: Cells, rule: ThresholdRule, suppressed: BoolArray, original: ObservationTable
) -> list[str]:
    raw = Cells.of(original.table_id, original.dimensions, original.data)
    rows = match_rows(cells, original)
    problems = []
    if (rows < 0).any() or len(rows) != len(cells):
        problems.append("its cells differ from the unprotected table's")
        return problems
    published = ~suppressed[rows] & ~np.isnan(cells.value[rows])
    changed = published & (np.abs(cells.value[rows] - raw.value) > 1e-6)
    problems += _first(raw, changed, "cell {cell} was altered: the original holds {value:g}")
    if rule.pattern_from is None:
        small = primary(raw, rule, derived=raw.derived_mask(rule.derived)) & ~suppressed[rows]
        problems += _first(raw, small, "cell {cell} holds {value:g} but is not suppressed")
    return problems


def _impossible(ptable: cellkey.PerturbationTable) -> set[int]:
    """Counts from 1 to the largest pcv that no (count, cell key) of the ptable yields."""
    produced = set((np.arange(ptable.max_pcv + 1)[:, None] + ptable.pvalue).ravel().tolist())
    return {v for v in range(1, ptable.max_pcv - 2) if v not in produced}


def _check_cell_key(
    table: ObservationTable,
    cells: Cells,
    rule: CellKeyRule,
    record: dict[str, Any],
    derived: BoolArray,
    original: ObservationTable | None,
) -> list[str]:
    ptable = cellkey.load_ptable(rule.ptable)
    problems = []
    recorded = record.get("ptable") or {}
    if recorded.get("sha256") != ptable.sha256 or recorded.get("name") != ptable.name:
        problems.append(
            f"its ptable record ({recorded.get('name')}, sha256 {recorded.get('sha256')}) is not"
            f" the shipped {ptable.name} (sha256 {ptable.sha256})"
        )
    counted = ~derived & ~np.isnan(cells.value)
    value = cells.value
    fractional = counted & (np.abs(value - np.round(value)) > 1e-9)
    problems += _first(cells, fractional, "cell {cell} value {value:g} is not a perturbed count")
    bad = np.isin(np.round(value), sorted(_impossible(ptable))) & counted
    problems += _first(
        cells, bad, "cell {cell} value {value:g} published, which the ptable never yields"
    )
    if original is not None:
        if CELL_KEY not in original.data.column_names:
            problems.append("the unprotected table given has no CELL_KEY to check against")
        else:
            raw = Cells.of(original.table_id, original.dimensions, original.data)
            rows = match_rows(cells, original)
            raw_keys = _floats(original.data, CELL_KEY)
            assert raw_keys is not None
            keys = np.nan_to_num(raw_keys).astype(np.int64)
            expected = cellkey.perturb(np.floor(np.nan_to_num(raw.value) + 0.5), keys, ptable)
            ok = rows >= 0
            differs = np.zeros(len(raw), dtype=bool)
            differs[ok] = counted[rows[ok]] & (value[rows[ok]] != expected[ok])
            problems += _first(
                raw, differs | ~ok, "cell {cell} is not the perturbation of {value:g}"
            )
    return problems


def _check_rounding(
    cells: Cells, rule: RoundingRule, derived: BoolArray, original: ObservationTable | None
) -> list[str]:
    problems = []
    counted = ~derived
    for name, array in (("value", cells.value), ("LOWER", cells.lower), ("UPPER", cells.upper)):
        if array is None:
            continue
        off = (
            counted
            & ~np.isnan(array)
            & (np.abs(array / rule.base - np.round(array / rule.base)) > 1e-9)
        )
        for i in np.flatnonzero(off)[:_SHOWN]:
            problems.append(
                f"cell {cells.label(int(i))} {name} {array[i]:g} is not a multiple of {rule.base}"
            )
    if original is not None:
        raw = Cells.of(original.table_id, original.dimensions, original.data)
        rows = match_rows(cells, original)
        ok = rows >= 0
        far = np.zeros(len(raw), dtype=bool)
        far[ok] = counted[rows[ok]] & (np.abs(cells.value[rows[ok]] - raw.value[ok]) >= rule.base)
        problems += _first(raw, far, "cell {cell} moved by the base or more from {value:g}")
    return problems


def _check_rates(
    cells: Cells, rule: RatesRule, data: pa.Table, conf: np.ndarray[Any, Any]
) -> list[str]:
    if "OBS_STATUS" not in data.column_names:
        return ["it has no OBS_STATUS column (the rates rule reads the reliability flag)"]
    status = np.asarray(data.column("OBS_STATUS").to_pylist(), dtype=object)
    weak = np.isin(status, list(rule.suppress_status))
    problems = _first(
        cells, weak & ~np.isnan(cells.value), "rate {cell} {value:g} rests on too few persons"
    )
    problems += _first(cells, weak & (conf != PRIMARY), "rate {cell} is not flagged suppressed")
    scale = 10.0**rule.decimals
    fine = ~np.isnan(cells.value) & (
        np.abs(cells.value * scale - np.round(cells.value * scale)) > 1e-6
    )
    problems += _first(
        cells, fine, f"rate {{cell}} {{value:g}} has more than {rule.decimals} decimals"
    )
    return problems


def _check_ratios(cells: Cells, rule: TableRule, derived: BoolArray) -> list[str]:
    """Published rates must be the recomputation from the published counts."""
    ratios = [d for d in rule.derived if isinstance(d, Ratio)]
    if not ratios:
        return []
    expected, _ = recompute(cells, cells.value, rule.derived)
    problems = []
    for d in ratios:
        rows, _ = inputs_of(cells, d)
        got, want = cells.value[rows], expected[rows]
        off = ~np.isnan(got) & (np.isnan(want) | (np.abs(got - want) > 1e-4 * (1 + np.abs(want))))
        for i in np.flatnonzero(off)[:_SHOWN]:
            problems.append(
                f"rate {cells.label(int(rows[i]))} {got[i]:g} is not recomputed from the"
                f" protected counts ({want[i]:g})"
            )
    return problems


def check_all(
    tables: Iterable[ObservationTable],
    section: DisclosureSection,
    *,
    originals: Mapping[str, ObservationTable] | None = None,
) -> list[Violation]:
    """:func:`check` for every table under its configured rule."""
    tables = list(tables)
    by_id = {t.table_id: t for t in tables}
    found: list[Violation] = []
    for table in tables:
        original = None if originals is None else originals.get(table.table_id)
        found += check(table, section.rule_for(table.table_id), original=original, linked=by_id)
    return found


def gate(
    tables: Iterable[ObservationTable],
    section: DisclosureSection,
    *,
    originals: Mapping[str, ObservationTable] | None = None,
) -> None:
    """Raise :class:`PublicationRefused` unless every table passes its rule."""
    found = check_all(tables, section, originals=originals)
    if found:
        raise PublicationRefused(found)
