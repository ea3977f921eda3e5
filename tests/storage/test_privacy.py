"""Pseudonymisation: bit for bit Python's hmac (RFC 2104) on any text and key, the
documented normalisation, nulls kept, inputs untouched, and clear errors."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migstats.config import ProjectConfig
from migstats.errors import UserInputError
from migstats.privacy import (
    PSEUDONYM_HEX_CHARS,
    PSEUDONYM_METADATA,
    pseudonym,
    pseudonymise,
    pseudonymise_values,
)

KEY = b"0123456789abcdef-test-key-not-secret"


def _python_hmac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


def _python_normalise(text: str) -> str:
    """The documented rule, written independently: NFC, upper case, letters and digits."""
    upper = unicodedata.normalize("NFC", text).upper()
    return "".join(c for c in upper if unicodedata.category(c)[0] in "LN")


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.text(max_size=80)), max_size=30),
    key=st.binary(min_size=16, max_size=200),  # past 64 bytes HMAC hashes the key first
)
def test_equals_python_hmac_bit_for_bit(values: list[str | None], key: bytes) -> None:
    out = pseudonymise_values(pa.array(values, pa.string()), key, normalise=False)
    expected = [None if v is None else _python_hmac(key, v) for v in values]
    assert out.to_pylist() == expected


# Latin letters with accents (composed and combining), Thaana, digits and separators:
# where Python's and DuckDB's Unicode tables agree (ß differs: see the module doc).
_ALPHABET = st.sampled_from(
    [*"abcxyzABCXYZ0189éÉèñÑüøÅçğış", "e\u0301", "\u0780", "\u07a6", *" -./'\t_,’"]
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.lists(_ALPHABET, max_size=14).map("".join), min_size=1, max_size=20))
def test_normalisation_is_the_documented_rule(values: list[str]) -> None:
    out = pseudonymise_values(pa.array(values), KEY).to_pylist()
    for value, hashed in zip(values, out, strict=True):
        norm = _python_normalise(value)
        assert hashed == (_python_hmac(KEY, norm) if norm else None), value


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("AB 123-456", "ab123456"),
        ("A.1234/567", "a1234567"),
        ("Mohamed  Rasheed", "MOHAMED-RASHEED"),
        ("Ren\u00e9", "Rene\u0301"),  # composed and combining accent
    ],
)
def test_variants_of_one_identifier_agree(a: str, b: str) -> None:
    assert pseudonym(a, KEY) == pseudonym(b, KEY)
    assert pseudonym(a, KEY) != pseudonym(a, KEY[::-1])  # another key, another pseudonym


def test_nulls_and_empty_values_stay_null() -> None:
    out = pseudonymise_values(pa.array([None, "", "  -  ", "A1"]), KEY)
    assert out.to_pylist()[:3] == [None, None, None]
    assert out[3].as_py() == _python_hmac(KEY, "A1")


def test_repeated_values_take_the_shortcut_and_agree() -> None:
    # Mostly repeats: hashed once per distinct value, then spread back in order.
    values = [f"P{i % 50:04d}" if i % 7 else None for i in range(5_000)]
    out = pseudonymise_values(pa.array(values), KEY).to_pylist()
    assert out == [None if v is None else _python_hmac(KEY, v) for v in values]


def test_chunked_and_non_string_input() -> None:
    chunked = pa.chunked_array([pa.array([1234567, None]), pa.array([7654321])])
    out = pseudonymise_values(chunked, KEY)
    assert isinstance(out, pa.ChunkedArray)
    assert out.to_pylist() == [_python_hmac(KEY, "1234567"), None, _python_hmac(KEY, "7654321")]
    large = pseudonymise_values(pa.array(["a1"], pa.large_string()), KEY)
    assert large.to_pylist() == [_python_hmac(KEY, "A1")]


def test_pseudonymise_replaces_columns_and_leaves_the_input_alone() -> None:
    table = pa.table(
        {
            "DOC_NO": ["A123", None, "a 123"],
            "SURNAME": ["Ali", "Hawwa", "Ali"],
            "PORT": ["MLE", "GAN", "MLE"],
        }
    )
    snapshot = table.to_pydict()
    out = pseudonymise(table, ["DOC_NO", "SURNAME"], KEY)
    assert table.to_pydict() == snapshot
    assert out.column_names == table.column_names
    assert out.column("PORT").to_pylist() == ["MLE", "GAN", "MLE"]
    doc = out.column("DOC_NO").to_pylist()
    assert doc[0] == doc[2] == _python_hmac(KEY, "A123") and doc[1] is None
    assert out.column("SURNAME").to_pylist()[0] == _python_hmac(KEY, "ALI")
    assert out.schema.field("DOC_NO").metadata == PSEUDONYM_METADATA


def test_unknown_column_suggests_the_close_one() -> None:
    with pytest.raises(UserInputError, match="did you mean 'DOC_NO'"):
        pseudonymise(pa.table({"DOC_NO": ["x"]}), ["DOC_N0"], KEY)


def test_short_key_is_refused() -> None:
    with pytest.raises(UserInputError, match="too short"):
        pseudonymise_values(pa.array(["x"]), b"short")


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIGSTATS_PSEUDO_KEY", raising=False)
    cfg = ProjectConfig.model_validate(
        {
            "project": {"name": "T", "country": "MDV"},
            "storage": {"kind": "local", "root": "."},
            "security": {"hmac_key_env": "MIGSTATS_PSEUDO_KEY"},
            "period": {"start": "2019-01-01", "end": "2024-12-31"},
        }
    )
    with pytest.raises(UserInputError, match="MIGSTATS_PSEUDO_KEY"):
        pseudonymise(pa.table({"DOC_NO": ["x"]}), ["DOC_NO"], cfg.hmac_key())
    monkeypatch.setenv("MIGSTATS_PSEUDO_KEY", KEY.decode())
    out = pseudonymise(pa.table({"DOC_NO": ["x"]}), ["DOC_NO"], cfg.hmac_key())
    assert out.column("DOC_NO").to_pylist() == [_python_hmac(KEY, "X")]
