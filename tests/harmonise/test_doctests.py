"""The examples in the harmonisation docstrings stay true."""

from __future__ import annotations

import pytest

import migstats.harmonise
from tests.doctest_support import assert_examples_pass, package_modules

MODULES = package_modules(migstats.harmonise)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    assert_examples_pass(name)
