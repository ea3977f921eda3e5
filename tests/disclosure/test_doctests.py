"""The examples in the disclosure package's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

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
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
