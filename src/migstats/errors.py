"""Errors for people: each says what went wrong, why, and how to fix it.

Programming errors stay ordinary exceptions. Anything a user can cause (a bad option,
a missing file, a malformed profile) raises :class:`MigstatsError`, which the CLI prints
as one line without a traceback.

>>> err = UserInputError("Unknown profile", "no file 'x.yaml'", "pass --profile with a YAML path")
>>> str(err)
"Unknown profile: no file 'x.yaml'. Fix: pass --profile with a YAML path"
"""

from __future__ import annotations


class MigstatsError(Exception):
    """Base class of errors a user can act on: a title, the cause and the fix."""

    def __init__(self, title: str, cause: str, fix: str = "") -> None:
        self.title = title
        self.cause = cause
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.title}: {self.cause}"
        return f"{text}. Fix: {self.fix}" if self.fix else text


class UserInputError(MigstatsError):
    """The input (a file, option or setting) is wrong: fix it and run again."""


class MissingExtraError(MigstatsError):
    """An optional dependency is not installed; the message gives the pip line."""

    def __init__(self, feature: str, extra: str, package: str) -> None:
        super().__init__(
            f"{feature} needs the optional package {package!r}",
            "it is not installed",
            f"pip install 'migstats[{extra}]'",
        )
