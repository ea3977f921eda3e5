"""Who each person is on paper: names, passport numbers over time, national ID.

Passports are valid for a configured number of years; a person crossing after their
passport expired holds a new one with a new number, which is what makes one traveller
look like two in border data. Numbers are unique by construction (a bijection of the
person and passport sequence), so any clash a linkage sees is a real fault, not chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from migstats.synth.draw import rng_for
from migstats.synth.names import NameBook
from migstats.synth.population import Population

_PERMUTE = 387_420_489  # 3**18: coprime with 26 * 10**8, so the map below is a bijection
_SPACE = 26 * 10**8


def fixed_codes(
    letters: npt.NDArray[np.int64], digits: npt.NDArray[np.int64], width: int
) -> pa.Array:
    """Strings made of one capital letter then ``width`` zero-padded digits, vectorised.

    >>> fixed_codes(np.array([0, 25]), np.array([42, 7]), 3).to_pylist()
    ['A042', 'Z007']
    """
    n = len(digits)
    out = np.empty((n, width + 1), np.uint8)
    out[:, 0] = ord("A") + letters
    rest = digits.astype(np.int64).copy()
    for k in range(width, 0, -1):
        out[:, k] = ord("0") + rest % 10
        rest //= 10
    return text_from_bytes(out)


def coded(prefix: str, numbers: npt.NDArray[np.int64], width: int) -> pa.Array:
    """Identifiers made of a fixed prefix and ``width`` zero-padded digits, vectorised.

    >>> coded("WP", np.array([7, 123]), 5).to_pylist()
    ['WP00007', 'WP00123']
    """
    n = len(numbers)
    head = np.frombuffer(prefix.encode(), np.uint8)
    out = np.empty((n, len(head) + width), np.uint8)
    out[:, : len(head)] = head
    rest = np.asarray(numbers, np.int64).copy()
    for k in range(len(head) + width - 1, len(head) - 1, -1):
        out[:, k] = ord("0") + rest % 10
        rest //= 10
    return text_from_bytes(out)


def text_from_bytes(raw: npt.NDArray[np.uint8]) -> pa.Array:
    """A string array from an ``(n, width)`` matrix of ASCII bytes, without copying rows
    through Python (``pa.array`` on a bytes array is many times slower)."""
    n, width = raw.shape
    data = pa.py_buffer(np.ascontiguousarray(raw).reshape(-1))
    if n * width < 2**31:
        offsets = pa.py_buffer(np.arange(0, n * width + 1, width, dtype=np.int32))
        return pa.StringArray.from_buffers(n, offsets, data)
    offsets = pa.py_buffer(np.arange(0, n * width + 1, width, dtype=np.int64))
    return pa.LargeStringArray.from_buffers(n, offsets, data).cast(pa.string())


@dataclass
class Identities:
    """Per person: name numbers, whether their name varies, and passport timing."""

    book: NameBook
    given1: npt.NDArray[np.int64]
    given2: npt.NDArray[np.int64]
    surname: npt.NDArray[np.int64]
    name_varies: npt.NDArray[np.bool_]
    passport_issued: npt.NDArray[np.int64]
    passport_days: int
    seed: int

    def passport_seq(
        self, person: npt.NDArray[np.int64], day: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.int64]:
        """Which of the person's passports is valid on ``day`` (0 = the first)."""
        seq: npt.NDArray[np.int64] = np.maximum(
            (day - self.passport_issued[person]) // self.passport_days, 0
        )
        return seq

    def passport_no(self, person: npt.NDArray[np.int64], seq: npt.NDArray[np.int64]) -> pa.Array:
        """Passport numbers (a letter and 8 digits), unique per person and sequence."""
        x = person.astype(np.int64) * 8 + np.minimum(seq, 7)
        value = (x * _PERMUTE + self.seed * 7919) % _SPACE
        return fixed_codes(value // 10**8, value % 10**8, 8)


def national_ids(person_index: npt.NDArray[np.int64], seed: int) -> pa.Array:
    """Maldivian national ID card numbers: ``A`` and six digits, unique per citizen."""
    value = (person_index.astype(np.int64) * 7 + 104_729 + seed) % 10**6
    return fixed_codes(np.zeros(len(value), np.int64), value, 6)


def draw_identities(
    pop: Population, validity_years: int, variant_share: float, seed: int
) -> Identities:
    """Names and passport timing for the whole population."""
    rng = rng_for(seed, "identity")
    people = pop.people
    book = NameBook()
    names = book.draw(rng, people["citizenship"], people["sex"])
    n = pop.n_people
    days = validity_years * 365 + validity_years // 4
    first_cross = np.full(n, pop.window.sim_start, np.int64)
    c = pop.crossings
    firsts = np.concatenate(([True], c["person_id"][1:] != c["person_id"][:-1]))
    first_cross[c["person_id"][firsts]] = c["day"][firsts]
    issued = first_cross - rng.integers(0, days, n)
    return Identities(
        book=book,
        given1=names["given1"],
        given2=names["given2"],
        surname=names["surname"],
        name_varies=rng.random(n) < variant_share,
        passport_issued=issued,
        passport_days=days,
        seed=seed,
    )
