"""The examples in the linkage docstrings stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import migstats.link

PACKAGE = migstats.link
MODULES = [
    "migstats.link",
    *sorted(m.name for m in pkgutil.iter_modules(PACKAGE.__path__, "migstats.link.")),
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
