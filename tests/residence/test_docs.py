"""The examples in the residence and engine docstrings run and say what they show."""

from __future__ import annotations

import pytest

from tests.doctest_support import assert_examples_pass

MODULES = [
    "migstats.engine",
    "migstats.engine.dialect",
    "migstats.engine.grouping",
    "migstats.residence.classify",
    "migstats.residence.events",
    "migstats.residence.histories",
    "migstats.residence.initial_status",
    "migstats.residence.inputs",
    "migstats.residence.kernel",
    "migstats.residence.packing",
    "migstats.residence.persons",
    "migstats.residence.repair",
    "migstats.residence.rule",
    "migstats.residence.status",
    "migstats.residence.windows",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    assert_examples_pass(name)
