"""Rules: the project-file section, the embedded defaults, overrides that keep facts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from migstats.disclosure import (
    CellKeyRule,
    DisclosureSection,
    RatesRule,
    RoundingRule,
    ThresholdRule,
    describe,
)
from migstats.disclosure.rules import embedded_defaults

TABLES = [
    "1.1",
    "1.2",
    "1.3",
    "1.4",
    "1.4N",
    "1.P",
    "1.R",
    "2.1",
    "2.2",
    "3.1",
    "3.2",
    "5.1",
    "5.2",
    "6.1",
    "7.1",
    "7.2",
    "7.3",
    "8.1",
    "8.2",
    "R.1",
    "R.2",
]


def test_every_table_of_the_statistics_stage_has_a_default() -> None:
    defaults = embedded_defaults()
    assert set(TABLES) <= set(defaults)
    assert isinstance(defaults["5.1"], ThresholdRule) and defaults["5.1"].n == 10
    assert defaults["5.2"].method == "threshold" and defaults["5.2"].pattern_from == "5.1"
    assert all(isinstance(defaults[t], CellKeyRule) for t in ("1.1", "1.2", "1.3", "6.1", "R.1"))
    assert isinstance(defaults["R.2"], RatesRule)
    assert isinstance(defaults["8.1"], RoundingRule)


def test_overrides_keep_the_embedded_facts() -> None:
    section = DisclosureSection.model_validate(
        {
            "tables": {
                "7.1": {"method": "threshold", "n": 5},
                "7.2": {"method": "threshold", "derived": []},
            }
        }
    )
    rule = section.rule_for("7.1")
    assert isinstance(rule, ThresholdRule) and rule.n == 5
    assert [d.code for d in rule.derived] == ["UNEMPLOYMENT_RATE"]
    assert rule.hierarchies["MIGRATORY_STATUS"]["FB"] == ("FB_CIT", "FB_FOR")
    assert section.rule_for("7.2").derived == ()


def test_default_for_tables_without_an_entry() -> None:
    section = DisclosureSection.model_validate(
        {"default": {"method": "rounding", "base": 3}, "embedded_defaults": False}
    )
    assert describe(section.rule_for("1.1")) == "rounding(base=3, random)"
    assert describe(DisclosureSection().rule_for("9.9")) == "threshold(n=10)"


@pytest.mark.parametrize(
    "bad",
    [
        {"tables": {"5.1": {"method": "threshold", "treshold": 10}}},
        {"tables": {"5.1": {"method": "suppress"}}},
        {"tables": {"2.1": {"method": "rounding", "base": 4}}},
        {"tables": {"5.1": {"method": "threshold", "n": 1}}},
        {"tables": {"3.2": {"method": "cell_key", "hierarchies": {"MEASURE": {"A": ["A"]}}}}},
    ],
)
def test_bad_settings_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DisclosureSection.model_validate(bad)


def test_rules_are_frozen() -> None:
    rule = ThresholdRule(method="threshold")
    with pytest.raises(ValidationError):
        rule.n = 3


def test_the_project_file_takes_the_section() -> None:
    from migstats.config import ProjectConfig

    cfg = ProjectConfig.model_validate(
        {
            "project": {"name": "T", "country": "MDV"},
            "storage": {"kind": "local", "root": "x"},
            "period": {"start": "2019-01-01", "end": "2024-12-31"},
            "disclosure": {"tables": {"2.1": {"method": "rounding", "base": 3, "random": False}}},
        }
    )
    assert describe(cfg.disclosure.rule_for("2.1")) == "rounding(base=3, conventional)"
