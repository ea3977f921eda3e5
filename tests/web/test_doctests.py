"""The examples in the web package's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "migstats.web.labels",
    "migstats.web.observations",
    "migstats.web.release",
    "migstats.web.users",
    "migstats.web.site",
    "migstats.web.load",
    "migstats.web.server",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
