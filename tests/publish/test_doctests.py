"""The examples in the publish package's docstrings run."""

from __future__ import annotations

import pytest

from tests.doctest_support import assert_examples_pass

MODULES = [
    "migstats.publish.files",
    "migstats.publish.tables",
    "migstats.publish.codes",
    "migstats.publish.csvfiles",
    "migstats.publish.datapackage",
    "migstats.publish.excel",
    "migstats.publish.sdg",
    "migstats.publish.sdmx",
    "migstats.publish.schemas",
    "migstats.publish.ddi",
    "migstats.publish.release",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    assert_examples_pass(name)
