"""Rounding to base 3 or 5: conventional, or random and unbiased.

*Random* rounding moves a value to the multiple of the base below it or above it, up
with probability remainder / base, so on average it is unchanged (unbiased). The draw is
not random at run time: it comes from the cell key when the table has one (the same
persons get the same draw in every table, like the cell key method), else from a keyed
hash (HMAC-SHA256 with the project's secret) of the table id and the cell's codes. Re-runs
therefore give identical tables, and without the secret nobody can tell which way a cell
was rounded.

*Conventional* rounding goes to the nearest multiple (halves up); it is biased on small
counts and exposes more, so random rounding is the default.

Values need not be whole (estimates are rounded the same way); negative values round
like positive ones (net migration). A value already a multiple of the base is unchanged.

>>> import numpy as np
>>> values = np.array([0.0, 1.0, 4.0, 5.0, 7.0, -3.0])
>>> conventional(values, 5).tolist()
[0.0, 0.0, 5.0, 5.0, 5.0, -5.0]
>>> random_round(values, 5, np.array([0.5, 0.1, 0.9, 0.0, 0.3, 0.5])).tolist()
[0.0, 5.0, 0.0, 5.0, 10.0, -5.0]
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "conventional",
    "draws_from_cell_keys",
    "draws_from_secret",
    "key_fingerprint",
    "random_round",
]

FloatArray = NDArray[np.float64]
_TINY = 1e-9
#: An affine bijection of 0..255, so that the draw from a cell key is not ordered like
#: the ptable's noise (which assigns runs of cell keys in order of noise).
_MIX_A, _MIX_B = 167, 89


def _split(values: FloatArray, base: int) -> tuple[FloatArray, FloatArray]:
    """Multiple of ``base`` at or below each value, and the remainder (0 <= r < base)."""
    low = np.floor(values / base + _TINY) * base
    remainder = np.round(values - low, 9)
    return low, np.clip(remainder, 0.0, None)


def conventional(values: FloatArray, base: int) -> FloatArray:
    """The nearest multiple of ``base`` (halves up); nulls stay null."""
    low, remainder = _split(values, base)
    return np.where(remainder >= base / 2 - _TINY, low + base, low) + 0.0


def random_round(values: FloatArray, base: int, draws: FloatArray) -> FloatArray:
    """Up to the next multiple of ``base`` when ``draw < remainder / base``, else down;
    ``draws`` uniform on [0, 1). Unbiased: E[rounded] = value."""
    low, remainder = _split(values, base)
    up = (remainder > _TINY) & (draws < remainder / base)
    return np.where(up, low + base, low) + 0.0


def draws_from_cell_keys(cell_keys: NDArray[np.int64], key_range: int = 256) -> FloatArray:
    """Uniform draws from cell keys (uniform on 0..key_range-1), decorrelated from the
    order of the keys."""
    mixed = (np.asarray(cell_keys, dtype=np.int64) * _MIX_A + _MIX_B) % key_range
    return (mixed + 0.5) / key_range


def _subkey(secret: bytes) -> bytes:
    return hmac.new(secret, b"migstats.disclosure.rounding", hashlib.sha256).digest()


def draws_from_secret(secret: bytes, table_id: str, cells: Sequence[str]) -> FloatArray:
    """Uniform draws from HMAC-SHA256(secret, table id + cell codes): fixed for a cell,
    unpredictable without the secret."""
    key = _subkey(secret)
    prefix = table_id.encode("utf-8") + b"\x1f"
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        digest = hmac.new(key, prefix + cell.encode("utf-8"), hashlib.sha256).digest()
        out[i] = int.from_bytes(digest[:7], "big") / float(1 << 56)
    return out


def key_fingerprint(secret: bytes) -> str:
    """A short public fingerprint of the secret (recorded, so a re-run with another
    secret is visible), which reveals nothing of it."""
    return hmac.new(_subkey(secret), b"fingerprint", hashlib.sha256).hexdigest()[:16]
