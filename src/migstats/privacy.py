"""Pseudonymisation: direct identifiers replaced by keyed hashes before integration.

A passport number, national ID or name becomes ``HMAC-SHA256(key, normalised value)``,
written as the first :data:`PSEUDONYM_HEX_CHARS` (32) lower-case hex characters, i.e. 128
bits: collisions are negligible for any population, and without the key the hash cannot
be reversed by trying every passport number. The same key gives the same pseudonym in
every source and every year, so records still link; only the secure space, which holds
the key, can re-identify (by hashing a known identifier and looking it up).

**Normalisation**, so that ``"a 123-456"`` and ``"A123456"`` agree:

1. Unicode NFC (composed accents, so ``É`` typed two ways is one letter);
2. upper case, character by character (Unicode simple case mapping: ``ß`` becomes
   ``ẞ``, not ``SS``);
3. every character that is not a letter or a digit is removed: spaces, hyphens,
   dots, slashes, apostrophes and any other separator or punctuation.

A value that is null, or empty after normalisation, stays null: it identifies no one.
The message is the UTF-8 encoding of the normalised text.

It runs as SQL in DuckDB, vectorised over all cores (tens of millions of values per
minute): HMAC(k, m) = SHA256((k' xor opad) || SHA256((k' xor ipad) || m)) with DuckDB's
``sha256`` on blobs, where k' is the key padded to 64 bytes (or its SHA256 if longer),
exactly as RFC 2104 and Python's :mod:`hmac` define it. The key is passed as a bound
parameter, never written into SQL text.

>>> import pyarrow as pa
>>> key = b"not-a-real-key-0123456789abcdef"
>>> out = pseudonymise_values(pa.array(["AB 123-456", "ab123456", None, " - "]), key)
>>> out[0] == out[1], out[2].as_py(), out[3].as_py(), len(out[0].as_py())
(True, None, None, 32)
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import logging

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from migstats.errors import UserInputError

log = logging.getLogger("migstats.privacy")

#: Hex characters kept of the 64 of HMAC-SHA256 (128 bits).
PSEUDONYM_HEX_CHARS = 32
#: The shortest key accepted, in bytes.
MIN_KEY_BYTES = 16
#: Marks a pseudonymised column in the Arrow schema (field metadata).
PSEUDONYM_METADATA = {b"migstats.pseudonym": f"hmac-sha256/{PSEUDONYM_HEX_CHARS}hex".encode()}

#: Hash distinct values only when they are fewer than this share of all values.
_DEDUPE_BELOW = 0.7
_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104's B)

_NORMALISED = r"nullif(regexp_replace(upper(nfc_normalize(v)), '[^\p{L}\p{N}]', '', 'g'), '')"


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of RFC 2104."""
    if len(key) < MIN_KEY_BYTES:
        raise UserInputError(
            "Pseudonymisation key too short",
            f"it has {len(key)} bytes, at least {MIN_KEY_BYTES} are needed",
            "use a long random secret, e.g. `openssl rand -hex 32`",
        )
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _hash_sql(message: str) -> str:
    inner = f"sha256($ipad || encode({message}))"
    return f"left(sha256($opad || unhex({inner})), {PSEUDONYM_HEX_CHARS})"


def pseudonymise_values(
    values: pa.Array | pa.ChunkedArray, key: bytes, *, normalise: bool = True
) -> pa.Array | pa.ChunkedArray:
    """The pseudonyms of ``values`` (strings, or numbers taken as their decimal text).

    ``normalise=False`` hashes the text exactly as given (for values normalised already).
    Nulls stay null; the result has the input's length and order.

    >>> import hmac, hashlib, pyarrow as pa
    >>> key = b"k" * 32
    >>> out = pseudonymise_values(pa.array(["a1234567"]), key)
    >>> out[0].as_py() == hmac.new(key, b"A1234567", hashlib.sha256).hexdigest()[:32]
    True
    """
    ipad, opad = _pads(key)
    chunked = values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        chunked = pc.cast(chunked, pa.string())
    # Identifiers repeat (a passport crosses the border many times): hash each distinct
    # value once and spread the hashes back, unless nearly every value is distinct.
    distinct = pc.unique(chunked)
    if len(distinct) < _DEDUPE_BELOW * len(chunked):
        hashed_distinct = _hmac_hex(distinct, ipad, opad, normalise)
        hashed = pc.take(hashed_distinct, pc.index_in(chunked, value_set=distinct))
    else:
        hashed = _hmac_hex(chunked, ipad, opad, normalise)
    if isinstance(values, pa.ChunkedArray):
        return hashed if isinstance(hashed, pa.ChunkedArray) else pa.chunked_array([hashed])
    return hashed.combine_chunks() if isinstance(hashed, pa.ChunkedArray) else hashed


def _hmac_hex(
    values: pa.Array | pa.ChunkedArray, ipad: bytes, opad: bytes, normalise: bool
) -> pa.ChunkedArray:
    """HMAC-SHA256 hex prefixes of ``values`` in DuckDB, in input order."""
    message = _NORMALISED if normalise else "v"
    # A cursor on one shared in-memory database: opening a database costs ~25 ms, a
    # cursor almost nothing, and each cursor is private to its caller (thread-safe).
    con = _database().cursor()
    try:
        con.register("identifier", pa.table({"v": values}))
        result = con.sql(
            f"SELECT {_hash_sql(message)} AS h FROM identifier",
            params={"ipad": ipad, "opad": opad},
        ).to_arrow_table()
    finally:
        con.close()
    hashed = result.column("h")
    if hashed.type != pa.string():
        hashed = pc.cast(hashed, pa.string())
    if len(hashed) != len(values):  # pragma: no cover - a DuckDB regression
        raise RuntimeError("pseudonymisation changed the number of values")
    return hashed


def pseudonymise(table: pa.Table, columns: list[str], key: bytes) -> pa.Table:
    """A copy of ``table`` with ``columns`` replaced by their pseudonyms.

    The input is not changed. Replaced columns become strings and carry the field
    metadata :data:`PSEUDONYM_METADATA`, so later stages can tell they are hashed.

    >>> import pyarrow as pa
    >>> t = pa.table({"DOC_NO": ["A1", None], "PORT": ["MLE", "GAN"]})
    >>> out = pseudonymise(t, ["DOC_NO"], b"k" * 32)
    >>> out.column("PORT").to_pylist(), out.column("DOC_NO").null_count
    (['MLE', 'GAN'], 1)
    """
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        hints = [
            f"{c!r} (did you mean {close[0]!r}?)" if close else repr(c)
            for c in missing
            for close in [difflib.get_close_matches(c, table.column_names, n=1)]
        ]
        raise UserInputError(
            "Cannot pseudonymise columns that do not exist",
            f"missing {', '.join(hints)}",
            f"choose among {', '.join(table.column_names)}",
        )
    out = table
    for name in dict.fromkeys(columns):
        i = out.column_names.index(name)
        field = pa.field(name, pa.string(), nullable=True, metadata=PSEUDONYM_METADATA)
        out = out.set_column(i, field, pseudonymise_values(out.column(i), key))
    log.info("pseudonymised %d column(s) of %d rows", len(columns), table.num_rows)
    return out


def pseudonym(value: str, key: bytes) -> str | None:
    """The pseudonym of one identifier (to look a person up in the secure space).

    >>> a = pseudonym("A123 456", b"k" * 32)
    >>> a == pseudonym("a123456", b"k" * 32), len(a)
    (True, 32)
    """
    result: str | None = pseudonymise_values(pa.array([value], pa.string()), key)[0].as_py()
    return result
