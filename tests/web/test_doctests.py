"""The examples in the web package's docstrings run."""

from __future__ import annotations

import pytest

from tests.doctest_support import assert_examples_pass

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
    assert_examples_pass(name)
