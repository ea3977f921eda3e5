"""Rounding to base 3 or 5: multiples of the base, unbiased, the same on every run."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from migstats.disclosure import Balance, RoundingRule, protect
from migstats.disclosure.rounding import (
    conventional,
    draws_from_cell_keys,
    draws_from_secret,
    key_fingerprint,
    random_round,
)
from migstats.errors import UserInputError
from migstats.stats.cube import table_from

SECRET = b"a-test-secret-of-enough-length"


@pytest.mark.parametrize("base", [3, 5])
def test_conventional_to_the_nearest(base: int) -> None:
    values = np.arange(0.0, 16.0)
    got = conventional(values, base)
    assert np.all(got % base == 0)
    assert np.all(np.abs(got - values) <= base / 2)
    if base == 3:  # 1 -> 0, 2 -> 3, 4 -> 3, 5 -> 6
        assert got[:6].tolist() == [0, 0, 3, 3, 3, 6]
    else:  # 1, 2 -> 0; 3, 4 -> 5 (halves up never arise for whole numbers)
        assert got[:6].tolist() == [0, 0, 0, 5, 5, 5]


@pytest.mark.parametrize("base", [3, 5])
def test_random_rounding_is_unbiased(base: int) -> None:
    """Over 200,000 cells with values 0..49 and uniform draws, the mean change is 0
    (standard error about 0.004 for base 5: a bound of 0.03 is loose); every value is
    a neighbouring multiple of the base, up with probability remainder / base."""
    rng = np.random.default_rng(20240601)
    values = rng.integers(0, 50, 200_000).astype(float)
    got = random_round(values, base, rng.random(values.size))
    assert np.all(got % base == 0)
    assert np.all((got == np.floor(values / base) * base) | (got == np.ceil(values / base) * base))
    assert abs((got - values).mean()) < 0.03
    ones = values % base == 1
    assert abs((got[ones] > values[ones]).mean() - 1 / base) < 0.01


def test_random_rounding_of_estimates_is_unbiased() -> None:
    rng = np.random.default_rng(7)
    values = rng.random(200_000) * 40
    got = random_round(values, 5, rng.random(values.size))
    assert abs((got - values).mean()) < 0.03


def test_draws_from_cell_keys_are_uniform_and_unbiased() -> None:
    """Cell keys are uniform on 0..255; the draws made from them round without bias."""
    keys = np.arange(256)
    draws = draws_from_cell_keys(keys)
    assert sorted(np.round(draws * 256 - 0.5).astype(int).tolist()) == list(range(256))
    for value in (1.0, 2.0, 3.0, 4.0):
        ups = random_round(np.full(256, value), 5, draws).mean()
        assert abs(ups - value) <= 5 / 256


def test_draws_from_secret_are_fixed_and_keyed() -> None:
    cells = [f"(census_night, {c})" for c in ("BGD", "IND", "LKA")]
    first = draws_from_secret(SECRET, "2.1", cells)
    assert first.tolist() == draws_from_secret(SECRET, "2.1", cells).tolist()
    assert first.tolist() != draws_from_secret(b"another-secret-0123456789", "2.1", cells).tolist()
    assert first.tolist() != draws_from_secret(SECRET, "2.2", cells).tolist()
    assert np.all((first >= 0) & (first < 1))
    assert len(key_fingerprint(SECRET)) == 16 and key_fingerprint(SECRET).encode() not in SECRET


def arrivals() -> pa.Table:
    return pa.table(
        {
            "PURPOSE": ["tourism", "work", "_T"],
            "OBS_VALUE": [1249.0, 7.0, 1256.0],
            "LOWER": [1249.0, 6.2, None],
            "UPPER": [1249.0, 8.4, None],
            "OBS_STATUS": ["A", "E", "A"],
        }
    )


def test_protected_table_is_rounded_with_intervals_widened() -> None:
    """Values to a neighbouring multiple of 5; the interval [6.2, 8.4] of the estimate 7
    widened to [5, 10] (lower down, upper up)."""
    out = protect(
        table_from("2.1", "arrivals", arrivals(), ["PURPOSE"]),
        RoundingRule(method="rounding", base=5),
        secret=SECRET,
    )
    data = out.data.to_pydict()
    assert data["OBS_VALUE"][0] in (1245.0, 1250.0)
    assert data["OBS_VALUE"][1] in (5.0, 10.0)
    assert data["LOWER"][1] == 5.0 and data["UPPER"][1] == 10.0
    assert data["CONF_STATUS"] == ["F", "F", "F"]
    assert out.metadata["disclosure"]["draws"] == f"keyed_hash:{key_fingerprint(SECRET)}"


def test_rerun_gives_the_same_table() -> None:
    table = table_from("2.1", "arrivals", arrivals(), ["PURPOSE"])
    rule = RoundingRule(method="rounding", base=3)
    first = protect(table, rule, secret=SECRET)
    again = protect(table, rule, secret=SECRET)
    assert first.data.equals(again.data)
    assert first.metadata == again.metadata


def test_random_rounding_needs_a_secret_or_cell_keys() -> None:
    table = table_from("2.1", "arrivals", arrivals(), ["PURPOSE"])
    with pytest.raises(UserInputError, match=r"2\.1.*rounding\(base=5, random\).*secret"):
        protect(table, RoundingRule(method="rounding"))
    keyed = table_from(
        "2.1", "arrivals", arrivals().append_column("CELL_KEY", pa.array([5, 9, 14])), ["PURPOSE"]
    )
    out = protect(keyed, RoundingRule(method="rounding"))
    assert out.metadata["disclosure"]["draws"] == "cell_key"
    assert "CELL_KEY" not in out.data.column_names


def test_accounts_still_add_up_after_rounding() -> None:
    """CLOSING = OPENING + IMMIGRANTS - EMIGRANTS + RESIDUAL holds in the published
    (rounded) figures: the residual is recomputed from the rounded inputs."""
    measures = ["OPENING", "IMMIGRANTS", "EMIGRANTS", "CLOSING", "RESIDUAL"]
    values = [2062.0, 495.692594, 237.0, 2101.948144, -218.74445]
    table = table_from(
        "8.1", "accounts", pa.table({"MEASURE": measures, "OBS_VALUE": values}), ["MEASURE"]
    )
    rule = RoundingRule(
        method="rounding",
        derived=(
            Balance(
                kind="balance",
                code="RESIDUAL",
                components={"CLOSING": 1, "OPENING": -1, "IMMIGRANTS": -1, "EMIGRANTS": 1},
            ),
        ),
    )
    got = dict(
        zip(
            measures,
            protect(table, rule, secret=SECRET).data.column("OBS_VALUE").to_pylist(),
            strict=True,
        )
    )
    assert all(v % 5 == 0 for v in got.values())
    assert got["CLOSING"] == got["OPENING"] + got["IMMIGRANTS"] - got["EMIGRANTS"] + got["RESIDUAL"]
