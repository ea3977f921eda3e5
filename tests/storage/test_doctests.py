"""The examples in the docstrings run as written."""

from __future__ import annotations

import pytest

from tests.doctest_support import assert_examples_pass

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
    assert_examples_pass(name)
