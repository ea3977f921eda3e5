"""The examples in the disclosure package's docstrings run."""

from __future__ import annotations

import pytest

from tests.doctest_support import assert_examples_pass

MODULES = [
    "migstats.disclosure.rules",
    "migstats.disclosure.structure",
    "migstats.disclosure.ranges",
    "migstats.disclosure.moves",
    "migstats.disclosure.suppression",
    "migstats.disclosure.cellkey",
    "migstats.disclosure.rounding",
    "migstats.disclosure.derived",
    "migstats.disclosure.stage",
    "migstats.disclosure.audit",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    assert_examples_pass(name)
