"""The examples in the docstrings run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "migstats.privacy",
    "migstats.storage",
    "migstats.storage.atomic",
    "migstats.storage.counting",
    "migstats.storage.factory",
    "migstats.storage.local",
    "migstats.storage.manifest",
    "migstats.storage.policy",
    "migstats.storage.s3",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
