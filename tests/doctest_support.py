"""Running the examples in a package's docstrings, shared by the packages' doc tests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType


def package_modules(package: ModuleType) -> list[str]:
    """The package and every module directly in it, by name (sorted)."""
    prefix = f"{package.__name__}."
    return [
        package.__name__,
        *sorted(m.name for m in pkgutil.iter_modules(package.__path__, prefix)),
    ]


def assert_examples_pass(name: str) -> None:
    """Run the docstring examples of module ``name`` (``...`` matches anything)."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
