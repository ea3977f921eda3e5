"""The users file: argon2 hashes only, roles, validation, the same answer (and about the
same work) for unknown users and wrong passwords."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from migstats.errors import UserInputError
from migstats.web.users import UserStore


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path / "secure" / "users.json")


def test_the_file_holds_hashes_not_passwords(store: UserStore) -> None:
    store.add("Aminath", "a very long passphrase", "analyst")
    store.add("hassan", "another passphrase!", "admin")
    text = store.path.read_text("utf-8")
    assert "a very long passphrase" not in text and "another passphrase!" not in text
    assert text.count("$argon2id$") == 2
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert [(u.name, u.role) for u in store.users()] == [
        ("aminath", "analyst"),
        ("hassan", "admin"),
    ]


def test_verify(store: UserStore) -> None:
    store.add("aminath", "a very long passphrase")
    user = store.verify("AMINATH ", "a very long passphrase")
    assert user is not None and user.name == "aminath" and user.role == "analyst"
    assert store.verify("aminath", "a very long passphrasE") is None
    assert store.verify("nobody", "a very long passphrase") is None
    assert store.verify("aminath", "") is None


def test_unknown_users_cost_a_hash_check_too(store: UserStore) -> None:
    store.add("aminath", "a very long passphrase")
    store.verify("nobody", "warm up the dummy hash")

    def seconds(name: str) -> float:
        start = time.perf_counter()
        for _ in range(3):
            store.verify(name, "wrong password here")
        return time.perf_counter() - start

    known, unknown = seconds("aminath"), seconds("nobody")
    # not a timing assertion on speed: both paths run argon2 (an unknown user returning
    # at once would take microseconds, not a sizeable share of the known-user time)
    assert unknown > known / 5


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("aminath", "short", "analyst", "at least 12"),
        ("a b", "long enough password", "analyst", "user name"),
        ("../etc", "long enough password", "analyst", "user name"),
        ("aminath", "long enough password", "root", "role"),
    ],
)
def test_invalid_users_are_refused(
    store: UserStore, name: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(UserInputError, match=message):
        store.add(name, password, role)
    assert not store.path.exists()


def test_existing_users_are_replaced_only_on_request(store: UserStore) -> None:
    store.add("aminath", "a very long passphrase")
    with pytest.raises(UserInputError, match="User exists"):
        store.add("aminath", "a different passphrase")
    store.add("aminath", "a different passphrase", "admin", replace=True)
    assert store.verify("aminath", "a very long passphrase") is None
    user = store.verify("aminath", "a different passphrase")
    assert user is not None and user.role == "admin"
    assert store.remove("aminath") and not store.remove("aminath")
    assert store.users() == []


def test_a_second_store_sees_changes(store: UserStore) -> None:
    other = UserStore(store.path)
    assert other.get("aminath") is None
    store.add("aminath", "a very long passphrase")
    assert other.get("aminath") is not None
