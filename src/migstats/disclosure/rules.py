"""Disclosure rules: how each published table is protected, as frozen settings.

A rule is one of four methods, chosen per table:

- :class:`ThresholdRule`: cells below ``n`` suppressed (primary), more cells suppressed
  (secondary) until no suppressed cell can be recovered from the published margins;
- :class:`CellKeyRule`: the cell key method with a versioned perturbation table;
- :class:`RoundingRule`: conventional or random rounding to base 3 or 5;
- :class:`RatesRule`: for tables holding only rates (no counts): rates rounded, rates
  resting on few persons suppressed.

Every rule also carries two *facts* about its table, used whatever the method:
``hierarchies`` (which codes add up to which, beyond the default "``_T`` is the sum of
all other codes") and ``derived`` (cells computed from other cells of the table: rates
and balances such as net migration, recomputed from the protected inputs).

:class:`DisclosureSection` is the ``disclosure:`` section of the project file: a default
rule, per-table overrides, and migstats' embedded defaults (``data/defaults.yaml``). An
override that leaves out ``hierarchies`` or ``derived`` keeps the embedded facts.

>>> section = DisclosureSection.model_validate(
...     {"tables": {"1.1": {"method": "rounding", "base": 3}}})
>>> describe(section.rule_for("1.1")), describe(section.rule_for("5.1"))
('rounding(base=3, random)', 'threshold(n=10)')
>>> describe(section.rule_for("new table"))
'threshold(n=10)'
>>> [d.code for d in section.rule_for("7.1").derived]
['UNEMPLOYMENT_RATE']
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

__all__ = [
    "Balance",
    "CellKeyRule",
    "Derived",
    "DisclosureSection",
    "RatesRule",
    "Ratio",
    "RoundingRule",
    "TableRule",
    "ThresholdRule",
    "describe",
    "embedded_defaults",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Ratio(_Frozen):
    """A rate or ratio cell: ``scale`` x numerator / denominator.

    The inputs are cells of the same table with ``dimension`` set to ``numerator`` and
    ``denominator`` (and the codes in ``numerator_at`` / ``denominator_at`` replaced, e.g.
    a gender parity index: the rate at ``SEX=F`` over the rate at ``SEX=M``).
    """

    kind: Literal["ratio"]
    #: The code of the derived cells in ``dimension``.
    code: str
    dimension: str = "MEASURE"
    numerator: str
    denominator: str
    scale: float = 100.0
    numerator_at: dict[str, str] = Field(default_factory=dict)
    denominator_at: dict[str, str] = Field(default_factory=dict)

    def inputs(self) -> tuple[tuple[str, dict[str, str]], ...]:
        """The (code, replaced codes) of each input cell."""
        return ((self.numerator, self.numerator_at), (self.denominator, self.denominator_at))


class Balance(_Frozen):
    """A balance cell: the signed sum of other codes of ``dimension`` (net migration,
    a demographic account's residual, a revision). Missing inputs count as zero, as in
    the statistics stage."""

    kind: Literal["balance"]
    code: str
    dimension: str = "MEASURE"
    #: Input code -> coefficient, e.g. ``{IMMIGRANTS: 1, EMIGRANTS: -1}``.
    components: dict[str, float]

    def inputs(self) -> tuple[tuple[str, dict[str, str]], ...]:
        return tuple((code, {}) for code in self.components)


Derived = Annotated[Ratio | Balance, Field(discriminator="kind")]

#: Dimension -> parent code -> the child codes that add up to it.
Hierarchies = dict[str, dict[str, tuple[str, ...]]]


class _TableRule(_Frozen):
    #: Additive relations beyond the default (``_T`` = sum of every other code).
    hierarchies: Hierarchies = Field(default_factory=dict)
    #: Cells computed from other cells, recomputed (or suppressed) after protection.
    derived: tuple[Derived, ...] = ()

    @model_validator(mode="after")
    def _distinct_derived(self) -> _TableRule:
        keys = [(d.dimension, d.code) for d in self.derived]
        repeated = sorted({f"{k[0]}={k[1]}" for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"derived cells defined twice: {', '.join(repeated)}")
        for dimension, relations in self.hierarchies.items():
            for parent, children in relations.items():
                if parent in children or not children:
                    raise ValueError(
                        f"hierarchies.{dimension}.{parent}: children must be non-empty"
                        " and must not include the parent"
                    )
        return self


class ThresholdRule(_TableRule):
    """Threshold ``n`` with primary and secondary suppression.

    Cells with ``0 < value < n`` (or whose ``LOWER``/``UPPER`` is) are suppressed
    (``CONF_STATUS`` A); complementary cells are suppressed (D) until every suppressed
    cell keeps, against the published margins and flags, a feasible range at least
    ``protection`` x ``n`` wide (and never a single value).
    """

    method: Literal["threshold"]
    n: int = Field(default=10, ge=2)
    #: Published zeros are safe (no one to identify); False suppresses them as primary.
    zeros_safe: bool = True
    #: Width of the range an attacker must be left with, as a share of ``n``.
    protection: float = Field(default=0.3, ge=0.0, le=0.8)
    #: A table whose suppression pattern this table takes over (same dimensions), e.g.
    #: the estimate 5.2 takes the pattern of the indicator 5.1 that it corrects.
    pattern_from: str | None = None


class CellKeyRule(_TableRule):
    """The cell key method: noise looked up by (count, cell key) in a perturbation table.

    Needs the table's ``CELL_KEY`` column (sum of the records' keys modulo ``key_range``).
    """

    method: Literal["cell_key"]
    #: Name of a perturbation table shipped in ``disclosure/data`` (``ptable_<name>.csv``).
    ptable: str = Field(default="migstats_v1", pattern=r"^[a-z0-9_]+$")
    key_range: int = Field(default=256, ge=2)


class RoundingRule(_TableRule):
    """Rounding to base 3 or 5: random (unbiased, up with probability remainder / base,
    the draw fixed by the cell key or a keyed hash) or conventional (to the nearest)."""

    method: Literal["rounding"]
    base: Literal[3, 5] = 5
    random: bool = True


class RatesRule(_TableRule):
    """For tables of rates whose counts are published elsewhere: rates rounded to
    ``decimals`` places, rates whose ``OBS_STATUS`` is in ``suppress_status`` (the
    statistics stage flags rates on fewer than 50 persons ``U``) suppressed."""

    method: Literal["rates"]
    decimals: int = Field(default=0, ge=0, le=6)
    suppress_status: tuple[str, ...] = ("U",)


TableRule = Annotated[
    ThresholdRule | CellKeyRule | RoundingRule | RatesRule, Field(discriminator="method")
]
_RULES: TypeAdapter[dict[str, TableRule]] = TypeAdapter(dict[str, TableRule])


@functools.cache
def embedded_defaults() -> dict[str, TableRule]:
    """migstats' default rule per table id (``disclosure/data/defaults.yaml``)."""
    text = resources.files("migstats.disclosure").joinpath("data/defaults.yaml").read_text("utf-8")
    return _RULES.validate_python(yaml.safe_load(text))


def _default_rule() -> ThresholdRule:
    return ThresholdRule(method="threshold")


class DisclosureSection(_Frozen):
    """The ``disclosure:`` section of the project file.

    A table's rule is its entry in ``tables``, else the embedded default for its id
    (unless ``embedded_defaults`` is false), else ``default``.
    """

    default: TableRule = Field(default_factory=_default_rule)
    tables: dict[str, TableRule] = Field(default_factory=dict)
    embedded_defaults: bool = True

    def rule_for(self, table_id: str) -> TableRule:
        """The rule that protects (and gates) table ``table_id``."""
        embedded = embedded_defaults().get(table_id) if self.embedded_defaults else None
        rule = self.tables.get(table_id)
        if rule is None:
            return embedded if embedded is not None else self.default
        if embedded is not None:
            facts = {
                name: getattr(embedded, name)
                for name in ("hierarchies", "derived")
                if name not in rule.model_fields_set
            }
            if facts:
                rule = rule.model_copy(update=facts)
        return rule


def describe(rule: TableRule) -> str:
    """A rule in a few words, as error messages and reports name it.

    >>> describe(CellKeyRule(method="cell_key"))
    'cell_key(ptable=migstats_v1)'
    """
    if isinstance(rule, ThresholdRule):
        return f"threshold(n={rule.n})"
    if isinstance(rule, CellKeyRule):
        return f"cell_key(ptable={rule.ptable})"
    if isinstance(rule, RoundingRule):
        return f"rounding(base={rule.base}, {'random' if rule.random else 'conventional'})"
    return f"rates(decimals={rule.decimals}, suppress {'/'.join(rule.suppress_status)})"
