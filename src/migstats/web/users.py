"""Users of the secure space: a JSON file of names, roles and argon2 password hashes.

No password is ever stored: only its argon2id hash (salted, memory-hard). Verification
takes the same time whether the user exists or not (a dummy hash is checked for unknown
names), so a failed login says nothing about which part was wrong.

The file (``workspace/secure/users.json``, mode 0600)::

    {"version": 1, "users": {"aminath": {"role": "analyst", "password_hash": "$argon2id$..."}}}

>>> import tempfile, pathlib
>>> store = UserStore(pathlib.Path(tempfile.mkdtemp()) / "users.json")
>>> store.add("aminath", "a long passphrase", "analyst").role
'analyst'
>>> store.verify("aminath", "a long passphrase").name, store.verify("aminath", "wrong")
('aminath', None)
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from migstats.errors import UserInputError

__all__ = ["MIN_PASSWORD_LENGTH", "ROLES", "User", "UserStore"]

#: ``analyst``: unprotected tables and reports; ``admin``: the same (and user management
#: from the command line, which needs access to the workspace anyway).
ROLES: Final = ("analyst", "admin")
MIN_PASSWORD_LENGTH: Final = 12
_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_VERSION: Final = 1


@dataclass(frozen=True)
class User:
    """A user of the secure space (the hash never leaves this module's callers' hands)."""

    name: str
    role: str
    password_hash: str


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(32))


def normalise_name(name: str) -> str:
    """User names are case-insensitive and trimmed."""
    return name.strip().lower()


class UserStore:
    """The users file: add, remove, list and verify users; re-read when it changes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}

    # -- reading ---------------------------------------------------------------

    def _load(self) -> dict[str, User]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._users = self._parse(self.path.read_text("utf-8"))
                self._stamp = stamp
            return self._users

    def _parse(self, text: str) -> dict[str, User]:
        try:
            data = json.loads(text)
            entries = data["users"]
            return {
                str(name): User(str(name), str(e["role"]), str(e["password_hash"]))
                for name, e in entries.items()
            }
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise UserInputError(
                "Unreadable users file",
                f"{self.path}: {err!r}",
                "restore it from a backup or remove it and add the users again",
            ) from None

    def users(self) -> list[User]:
        """Every user, by name."""
        return sorted(self._load().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        """The user called ``name``, if any."""
        return self._load().get(normalise_name(name))

    # -- verifying -------------------------------------------------------------

    def verify(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs, else None; as slow for unknown names."""
        user = self.get(name) if len(name) <= 64 else None
        hashed = user.password_hash if user else _dummy_hash()
        try:
            _hasher().verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if _hasher().check_needs_rehash(user.password_hash):
            self._save_user(User(user.name, user.role, _hasher().hash(password)))
        return user

    # -- writing ---------------------------------------------------------------

    def add(
        self, name: str, password: str, role: str = "analyst", *, replace: bool = False
    ) -> User:
        """Add a user (or, with ``replace``, set a user's password and role)."""
        name = normalise_name(name)
        problems = []
        if not _NAME.match(name):
            problems.append(
                f"user name {name!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'"
            )
        if role not in ROLES:
            problems.append(f"role {role!r}: use one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_LENGTH:
            problems.append(f"password: at least {MIN_PASSWORD_LENGTH} characters")
        if problems:
            raise UserInputError("Cannot add the user", "; ".join(problems), "fix and retry")
        if not replace and self.get(name) is not None:
            raise UserInputError(
                "User exists", name, "pass --replace to set a new password or role"
            )
        user = User(name, role, _hasher().hash(password))
        self._save_user(user)
        return user

    def remove(self, name: str) -> bool:
        """Remove a user; False when there was none."""
        name = normalise_name(name)
        users = dict(self._load())
        if users.pop(name, None) is None:
            return False
        self._write(users)
        return True

    def _save_user(self, user: User) -> None:
        users = dict(self._load())
        users[user.name] = user
        self._write(users)

    def _write(self, users: dict[str, User]) -> None:
        data = {
            "version": _VERSION,
            "users": {
                u.name: {"role": u.role, "password_hash": u.password_hash}
                for u in sorted(users.values(), key=lambda u: u.name)
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        tmp.replace(self.path)
        with self._lock:
            self._stamp = None
