"""Derived cells (rates, ratios, balances): checked, then recomputed after protection.

A rate published next to its counts would undo their protection (an unemployment rate of
exactly 37.5% on a perturbed labour force of 8 tells the true counts), and a net migration
next to perturbed immigrants and emigrants would not add up. So derived cells are never
protected on their own: after the counts are protected they are recomputed from the
protected counts (a rate from perturbed or rounded counts; a balance shifted by the
changes of its inputs, so identities such as a demographic account still hold), or,
under a threshold rule, suppressed whenever one of their inputs is.

Before anything, the configured relations are checked on the unprotected table, so a
misconfigured rule fails loudly instead of publishing a rate computed the wrong way.

>>> import pyarrow as pa
>>> from migstats.disclosure.rules import Ratio
>>> from migstats.disclosure.structure import Cells
>>> data = pa.table({"MEASURE": ["LF", "U", "RATE"], "OBS_VALUE": [8.0, 3.0, 37.5]})
>>> cells = Cells.of("7.1", ("MEASURE",), data)
>>> rate = Ratio(kind="ratio", code="RATE", numerator="U", denominator="LF")
>>> inconsistent_derived(cells, (rate,))
[]
>>> recompute(cells, np.array([10.0, 5.0, 37.5]), (rate,))[0].tolist()
[10.0, 5.0, 50.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from migstats.disclosure.rules import Balance, Derived, Ratio
from migstats.disclosure.structure import BoolArray, Cells, FloatArray, IntArray

__all__ = ["inconsistent_derived", "inputs_of", "recompute", "suppressed_with_inputs"]

DECIMALS = 6


def inputs_of(cells: Cells, derived: Derived) -> tuple[IntArray, list[tuple[float, IntArray]]]:
    """Rows of the derived cells and, per input, (coefficient, input rows; -1 if absent).
    For a ratio the coefficients are 1 (numerator) and -1 (denominator)."""
    if derived.dimension not in cells.ints:
        return np.zeros(0, dtype=np.int64), []
    rows = np.flatnonzero(cells.is_code(derived.dimension, derived.code))
    inputs: list[tuple[float, IntArray]] = []
    if isinstance(derived, Ratio):
        for coef, (code, at) in zip((1.0, -1.0), derived.inputs(), strict=True):
            inputs.append((coef, cells.find(rows, {derived.dimension: code, **at})))
    else:
        for code, coef in derived.components.items():
            inputs.append((coef, cells.find(rows, {derived.dimension: code})))
    return rows, inputs


def _gather(values: FloatArray, rows: IntArray) -> FloatArray:
    out = np.full(len(rows), np.nan)
    out[rows >= 0] = values[rows[rows >= 0]]
    return out


def _ratio(derived: Ratio, num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = derived.scale * num / den
    return np.where(np.isfinite(out) & (den != 0), np.round(out, DECIMALS), np.nan)


def inconsistent_derived(
    cells: Cells, derived: Sequence[Derived], *, tolerance: float = 1e-4
) -> list[str]:
    """Derived cells whose value does not follow from their inputs, described."""
    problems = []
    for d in derived:
        rows, inputs = inputs_of(cells, d)
        value = cells.value[rows]
        if isinstance(d, Ratio):
            expected = _ratio(
                d, _gather(cells.value, inputs[0][1]), _gather(cells.value, inputs[1][1])
            )
            what = f"{d.scale:g} x {d.numerator} / {d.denominator}"
        else:
            expected = np.zeros(len(rows))
            for coef, at in inputs:
                expected += coef * np.nan_to_num(_gather(cells.value, at))
            what = " ".join(f"{c:+g} {code}" for code, c in d.components.items())
        off = ~np.isnan(value) & (
            np.isnan(expected) | (np.abs(value - expected) > tolerance * (1 + np.abs(expected)))
        )
        for i in np.flatnonzero(off)[:3]:
            problems.append(
                f"{d.dimension}={d.code} should be {what} but cell {cells.label(int(rows[i]))}"
                f" holds {value[i]:g} (inputs give {expected[i]:g})"
            )
    return problems


def recompute(
    cells: Cells, protected: FloatArray, derived: Sequence[Derived]
) -> tuple[FloatArray, FloatArray]:
    """Derived cells recomputed from ``protected`` values of their inputs, in the order
    given (a derived cell may use an earlier one). Returns the new values and, per cell,
    the shift applied (new - old; 0 for cells not derived).

    A ratio is ``scale`` x numerator / denominator (null without a denominator); a
    balance keeps its value plus the changes of its inputs, so it still adds up."""
    out = protected.copy()
    for d in derived:
        rows, inputs = inputs_of(cells, d)
        if isinstance(d, Ratio):
            out[rows] = _ratio(d, _gather(out, inputs[0][1]), _gather(out, inputs[1][1]))
        elif isinstance(d, Balance):
            shift = np.zeros(len(rows))
            for coef, at in inputs:
                shift += coef * np.nan_to_num(_gather(out, at) - _gather(cells.value, at))
            out[rows] = np.round(cells.value[rows] + shift, DECIMALS)
    return out, np.nan_to_num(out - cells.value)


def suppressed_with_inputs(
    cells: Cells, suppressed: BoolArray, derived: Sequence[Derived]
) -> BoolArray:
    """Derived cells to suppress because an input is suppressed (in order, so a ratio
    of suppressed rates is suppressed too)."""
    out = suppressed.copy()
    for d in derived:
        rows, inputs = inputs_of(cells, d)
        hit = np.zeros(len(rows), dtype=bool)
        for _, at in inputs:
            hit |= (at >= 0) & out[np.maximum(at, 0)]
        out[rows[hit]] = True
    return out
