"""The cell key method against its specification and against ONS's own package."""

from __future__ import annotations

import hashlib
from importlib import resources

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from migstats.disclosure import CellKeyRule, Ratio, protect
from migstats.disclosure.cellkey import generate_ptable_v1, load_ptable, pcv, perturb
from migstats.errors import UserInputError
from migstats.stats.cube import cube, record_key_sql, table_from

RULE = CellKeyRule(method="cell_key")


def test_shipped_ptable_is_the_generated_one() -> None:
    """The CSV in the package is exactly what the documented generator writes, and the
    sha256 recorded with every table is that file's."""
    text = (
        resources.files("migstats.disclosure")
        .joinpath("data/ptable_migstats_v1.csv")
        .read_text("utf-8")
    )
    assert text == generate_ptable_v1()
    assert load_ptable("migstats_v1").sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_ptable_properties() -> None:
    """No perturbed count in 1..4; never negative; unbiased from 5 up (exactly, over the
    256 keys) and within the 1/256 grain below; at most +-2 from 7 up."""
    ptable = load_ptable("migstats_v1")
    counts = np.arange(1, 751)[:, None]
    out = counts + ptable.pvalue[1:]
    assert not np.isin(out, [1, 2, 3, 4]).any()
    assert (out >= 0).all()
    mean = ptable.pvalue[1:].mean(axis=1)
    assert np.all(mean[4:] == 0)
    assert np.all(np.abs(mean[:4]) <= 5 / 256)
    assert np.abs(ptable.pvalue[7:]).max() == 2
    # counts 1..4 become 0 or 5, 5 with probability count / 5 (to the grain of a key)
    for count in (1, 2, 3, 4):
        fives = (count + ptable.pvalue[count] == 5).mean()
        assert abs(fives - count / 5) <= 1 / 256


def test_pcv_follows_ons_above_750() -> None:
    assert pcv(np.array([750, 751, 1000, 1001, 1250, 1251])).tolist() == [
        750,
        501,
        750,
        501,
        750,
        501,
    ]


def test_hand_lookup() -> None:
    """Count 12: keys 0-25 give -2, 26-76 -1, 77-178 0, 179-229 +1, 230-255 +2."""
    ptable = load_ptable("migstats_v1")
    got = perturb(np.full(5, 12.0), np.array([0, 26, 100, 200, 255]), ptable)
    assert got.tolist() == [10, 11, 12, 13, 14]
    assert perturb(np.array([0.0]), np.array([200]), ptable).tolist() == [0]


def persons(size: int, seed: int) -> duckdb.DuckDBPyConnection:
    """Persons with a dominant group (over 750 in one cell) and many small cells."""
    rng = np.random.default_rng(seed)
    con = duckdb.connect()
    frame = pa.table(
        {
            "person_key": [f"person-{seed}-{i}" for i in range(size)],
            "atoll": rng.choice(["MC", "K", "S", "HA", "GA"], size, p=[0.7, 0.1, 0.1, 0.05, 0.05]),
            "sex": rng.choice(["M", "F"], size, p=[0.8, 0.2]),
            "citizenship": rng.choice(
                ["BGD", "IND", "LKA", "NPL", "CHN", "GBR"],
                size,
                p=[0.6, 0.2, 0.1, 0.05, 0.03, 0.02],
            ),
        }
    )
    con.register("raw", frame)
    con.execute(f"create table people as select *, {record_key_sql('person_key')} as rk from raw")
    return con


def test_same_counts_as_ons_cell_key_perturbation(capsys: pytest.CaptureFixture[str]) -> None:
    """The same records, the same record keys and the same ptable through ONS's
    ``create_perturbed_table`` and through migstats (cube with cell keys, then protect):
    identical perturbed counts, in every cell, including counts above 750."""
    con = persons(3000, seed=4)
    dims = {"ATOLL": "atoll", "SEX": "sex", "CITIZENSHIP": "citizenship"}
    breakdowns = [("ATOLL", "SEX", "CITIZENSHIP"), ("ATOLL",), ("SEX", "CITIZENSHIP"), ()]
    data = cube(con, "people", dims, breakdowns, cell_key="person_key")
    protected = protect(table_from("T", "test", data, list(dims)), RULE)
    ours = {
        (r["ATOLL"], r["SEX"], r["CITIZENSHIP"]): r["OBS_VALUE"] for r in protected.data.to_pylist()
    }
    assert max(data.column("OBS_VALUE").to_pylist()) > 750

    pcvs, keys, pvalues = load_ptable("migstats_v1").long_form()
    ptable = pd.DataFrame({"pcv": pcvs, "ckey": keys, "pvalue": pvalues})
    records = con.sql("select atoll, sex, citizenship, rk from people").df()
    compared = 0
    for tab_vars in (["atoll", "sex", "citizenship"], ["atoll"], ["sex", "citizenship"]):
        ons = create_perturbed_table(
            data=records,
            ptable=ptable,
            geog=[],
            tab_vars=tab_vars,
            record_key="rk",
            use_existing_ons_id=False,
            threshold=0,
        )
        for row in ons.to_dict("records"):
            codes = {v.upper(): row[v] for v in tab_vars}
            key = tuple(codes.get(d, "_T") for d in dims)
            assert ours.get(key, 0.0) == row["count"], (key, row)
            compared += 1
    capsys.readouterr()  # ONS prints its validation messages
    assert compared >= 5 * 2 * 6


def test_same_cell_same_noise_in_every_table() -> None:
    """Two tables cut differently from the same persons: the cells they share (same
    persons, so same count and cell key) are published with the same value."""
    con = persons(800, seed=9)
    dims = {"ATOLL": "atoll", "SEX": "sex", "CITIZENSHIP": "citizenship"}
    first = cube(con, "people", dims, [("ATOLL", "SEX"), ("SEX",)], cell_key="person_key")
    second = cube(con, "people", dims, [("CITIZENSHIP", "SEX"), ("SEX",)], cell_key="person_key")
    a = protect(table_from("A", "a", first, ["ATOLL", "SEX"]), RULE)
    b = protect(table_from("B", "b", second, ["CITIZENSHIP", "SEX"]), RULE)
    by_sex_a = {r["SEX"]: r["OBS_VALUE"] for r in a.data.to_pylist() if r["ATOLL"] == "_T"}
    by_sex_b = {r["SEX"]: r["OBS_VALUE"] for r in b.data.to_pylist() if r["CITIZENSHIP"] == "_T"}
    assert by_sex_a == by_sex_b


def test_estimates_and_their_intervals() -> None:
    """An estimate 12.4 in [12, 13.1] with cell key 200: the count 12 gets +1 (see the
    hand lookup), so 13 is published and the interval moves by 13 - 12.4 = 0.6 and is
    widened to whole persons: [floor(12.6), ceil(13.7)] = [12, 14]. An estimate 0.15 in
    [0, 0.56] rounds to 0, which gets no noise: 0 in [0, 1]."""
    data = pa.table(
        {
            "SEX": ["F", "M"],
            "OBS_VALUE": [12.4, 0.15],
            "LOWER": [12.0, 0.0],
            "UPPER": [13.1, 0.56],
            "CELL_KEY": [200, 17],
            "OBS_STATUS": ["E", "E"],
        }
    )
    out = protect(table_from("1.1", "stock", data, ["SEX"]), RULE).data.to_pydict()
    assert out["OBS_VALUE"] == [13.0, 0.0]
    assert out["LOWER"] == [12.0, 0.0]
    assert out["UPPER"] == [14.0, 1.0]
    assert out["CONF_STATUS"] == ["F", "F"]
    assert "CELL_KEY" not in out


def test_rates_recomputed_from_perturbed_counts() -> None:
    """Labour force 12 (key 200: +1 -> 13) and unemployed 5 (key 0: 5 -> 0): the rate
    published is 100 x 0 / 13 = 0, not the true 41.67."""
    data = pa.table(
        {
            "MEASURE": ["LABOUR_FORCE", "UNEMPLOYED", "UNEMPLOYMENT_RATE"],
            "OBS_VALUE": [12.0, 5.0, 100 * 5 / 12],
            "CELL_KEY": [200, 0, None],
        }
    )
    rule = CellKeyRule(
        method="cell_key",
        derived=(
            Ratio(
                kind="ratio",
                code="UNEMPLOYMENT_RATE",
                numerator="UNEMPLOYED",
                denominator="LABOUR_FORCE",
            ),
        ),
    )
    out = protect(table_from("7.1", "sdg", data, ["MEASURE"]), rule)
    assert out.data.column("OBS_VALUE").to_pylist() == [13.0, 0.0, 0.0]


def test_missing_cell_keys_are_refused() -> None:
    data = pa.table({"SEX": ["F", "_T"], "OBS_VALUE": [3.0, 3.0]})
    with pytest.raises(
        UserInputError, match=r"Table 3\.1 .*cell_key\(ptable=migstats_v1\).*CELL_KEY"
    ):
        protect(table_from("3.1", "workers", data, ["SEX"]), RULE)


def test_negative_counts_must_be_declared_derived() -> None:
    data = pa.table({"CITIZEN": ["_T"], "OBS_VALUE": [-7.0], "CELL_KEY": [3]})
    with pytest.raises(UserInputError, match="negative"):
        protect(table_from("1.4N", "net", data, ["CITIZEN"]), RULE)
