"""The synthetic country against its profile: calibration, consistency, faults, and
reproducibility (issue: foundation, "Tests that must pass")."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from migstats.synth.generate import generate
from migstats.synth.profile import load_profile

PROFILE = load_profile()


def _truth(country: Path, name: str) -> pa.Table:
    return pq.read_table(country / "truth" / f"{name}.parquet")


def _border(country: Path) -> pa.Table:
    # Read everything as text, skipping the malformed rows the generator plants.
    opts = pacsv.ConvertOptions(
        column_types={"MOVEMENT_ID": pa.string()}, strings_can_be_null=False
    )
    parse = pacsv.ParseOptions(invalid_row_handler=lambda row: "skip")
    return pacsv.read_csv(
        country / "extracts/immigration/border_crossings.csv",
        convert_options=opts,
        parse_options=parse,
    )


def test_census_coverage_of_foreigners(small_country: Path) -> None:
    status = _truth(small_country, "status_at").filter(pc.field("reference") == "census_night")
    person = _truth(small_country, "person")
    foreign = set(
        np.asarray(person["person_id"])[np.asarray(person["citizenship"]) != "MDV"].tolist()
    )
    present_res = status.filter(pc.and_(status["resident"], status["present"]))
    true_foreign = sum(1 for p in present_res["person_id"].to_pylist() if p in foreign)
    census = pq.read_table(small_country / "extracts/mbs/census_2022.parquet")
    counted = int(pc.sum(pc.not_equal(census["citizenship"], 462)).as_py())
    coverage = counted / true_foreign
    assert abs(coverage - PROFILE.census.coverage_foreigners) < 0.04, coverage
    # Census night stock, as in the 2022 census: 515,122 residents, 25.7% foreign (at 0.01).
    assert 4_800 < census.num_rows < 5_500
    assert 0.22 < counted / census.num_rows < 0.30


def test_worker_and_tourist_nationality_mix(small_country: Path) -> None:
    person = _truth(small_country, "person")
    for group, mix, tol in (
        ("worker", PROFILE.workers.nationalities, 0.02),
        ("tourist", PROFILE.tourists.markets, 0.01),
    ):
        cit = np.asarray(person["citizenship"])[np.asarray(person["group"]) == group]
        counts = Counter(cit.tolist())
        total = sum(mix.values())
        for iso3, share in mix.items():
            assert abs(counts[iso3] / len(cit) - share / total) < tol, (group, iso3)


def test_tourist_seasonality_and_covid_closure(small_country: Path) -> None:
    c = _truth(small_country, "crossing")
    tour = c.filter(pc.and_(pc.equal(c["visa_type"], "TOURIST"), pc.equal(c["direction"], "ARR")))
    months = np.asarray(pc.month(tour["crossing_date"]))
    years = np.asarray(pc.year(tour["crossing_date"]))
    in_2023 = months[years == 2023]
    peak = np.isin(in_2023, [12, 1, 2, 3]).sum() / 4
    low = np.isin(in_2023, [5, 6, 9]).sum() / 3
    assert peak > 1.4 * low  # December-March peak
    dates = np.asarray(tour["crossing_date"].cast(pa.int32()))
    closed = (dates >= (np.datetime64("2020-03-27") - np.datetime64("1970-01-01")).astype(int)) & (
        dates <= (np.datetime64("2020-07-15") - np.datetime64("1970-01-01")).astype(int)
    )
    assert closed.sum() == 0
    # Yearly arrivals follow the profile (2023: 1.88 million at full scale).
    assert abs((years == 2023).sum() / 0.01 / 1_880_000 - 1) < 0.03


def test_fault_rates_match_settings(small_country: Path) -> None:
    f = PROFILE.faults
    record = _truth(small_country, "record").filter(pc.field("source") == "border_crossings")
    faults = record["faults"].to_pylist()
    n = len(faults)
    share = {
        k: sum(k in x.split(";") for x in faults) / n
        for k in ("duplicate", "name_typo", "invalid_code")
    }
    assert abs(share["duplicate"] - f.duplicate_record) < 0.001
    assert abs(share["name_typo"] - f.name_typo) < 0.002
    assert abs(share["invalid_code"] - f.invalid_code) < 0.0006
    crossing = _truth(small_country, "crossing").filter(pc.field("in_period"))
    missed = 1 - pc.mean(crossing["recorded"].cast(pa.float64())).as_py()
    assert abs(missed - f.missed_crossing) < 0.001
    malformed = sum("malformed" in x for x in faults)
    assert malformed == round(n * f.malformed_rows_per_million / 1e6) or malformed == 1


def test_truth_histories_alternate_and_records_map_to_people(small_country: Path) -> None:
    c = _truth(small_country, "crossing")
    pid = np.asarray(c["person_id"])
    arr = np.asarray(c["direction"]) == "ARR"
    same = pid[1:] == pid[:-1]
    assert not np.any(same & (arr[1:] == arr[:-1])), "two crossings in a row in one direction"
    d = np.asarray(c["crossing_date"].cast(pa.int32()))
    assert np.all(d[1:][same] >= d[:-1][same])
    # Status after one crossing is the status before the next, per person.
    before = np.asarray(c["res_status_before"])
    after = np.asarray(c["res_status_after"])
    assert np.all(before[1:][same] == after[:-1][same])
    # Every extract record maps to a true person, and row counts match the extracts.
    people = set(_truth(small_country, "person")["person_id"].to_pylist())
    record = _truth(small_country, "record")
    assert set(record["person_id"].to_pylist()) <= people
    csv_path = small_country / "extracts/immigration/border_crossings.csv"
    border_rows = csv_path.read_bytes().count(b"\n") - 1
    assert pc.sum(pc.equal(record["source"], "border_crossings")).as_py() == border_rows
    # The truth has a record for every recorded in-period crossing.
    recorded = c.filter(pc.field("recorded"))
    assert recorded.num_rows == pc.count(recorded["border_record_id"]).as_py()


def test_overstayers_and_permits_left_active(small_country: Path) -> None:
    status = _truth(small_country, "status_at")
    ov = status.filter(pc.field("overstayer") & (pc.field("reference") == "year_end_2019"))
    # About 63,000 undocumented workers were reported in 2019 (DOMAIN.md section 7).
    assert 350 < ov.num_rows < 900
    wp = pacsv.read_csv(
        small_country / "extracts/xpat/work_permits.csv",
        parse_options=pacsv.ParseOptions(invalid_row_handler=lambda r: "skip"),
    )
    active = pc.sum(pc.equal(wp["STATUS"], "ACTIVE")).as_py()
    present_workers = status.filter(
        (pc.field("reference") == "year_end_2024") & pc.field("present")
    )
    person = _truth(small_country, "person")
    workers = set(np.asarray(person["person_id"])[np.asarray(person["group"]) == "worker"].tolist())
    documented = sum(
        1
        for p, o in zip(
            present_workers["person_id"].to_pylist(),
            present_workers["overstayer"].to_pylist(),
            strict=True,
        )
        if p in workers and not o
    )
    # Xpat's active permits exceed the documented workers actually present.
    assert active > documented


def test_dictionaries_describe_the_extracts(small_country: Path) -> None:
    for pkg in (small_country / "extracts").glob("*/datapackage.json"):
        desc = json.loads(pkg.read_text())
        for res in desc["resources"]:
            schema = json.loads((pkg.parent / res["schema"]).read_text())
            names = [f["name"] for f in schema["fields"]]
            path = pkg.parent / res["path"]
            if res["format"] == "parquet":
                assert pq.read_schema(path).names == names
            elif res["format"] == "xlsx":
                from openpyxl import load_workbook

                sheet = load_workbook(path, read_only=True).active
                rows = list(sheet.iter_rows(values_only=True))
                assert list(rows[0]) == names
                truth = _truth(small_country, "record").filter(pc.field("source") == res["name"])
                assert len(rows) - 1 == truth.num_rows
                # Dates are real Excel dates, and national IDs match the truth.
                assert isinstance(rows[1][names.index("DATE_OF_BIRTH")], datetime)
                assert {r[0] for r in rows[1:]} == set(truth["record_id"].to_pylist())
            elif res["format"] == "csv":
                header = path.read_bytes().split(b"\n", 1)[0].decode(res["encoding"])
                header = header.lstrip("\ufeff")
                cols = [c.strip('"') for c in header.split(res["dialect"]["delimiter"])]
                assert cols == names


def test_frictionless_reads_dictionaries(small_country: Path) -> None:
    from frictionless import Schema

    for path in (small_country / "extracts").glob("*/*.schema.json"):
        schema = Schema.from_descriptor(str(path))
        assert schema.field_names


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_different_seed_different_data(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, scale=0.001, seed=5)
    generate(b, scale=0.001, seed=5)
    generate(c, scale=0.001, seed=6)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert (a / "extracts/immigration/border_crossings.csv").read_bytes() != (
        c / "extracts/immigration/border_crossings.csv"
    ).read_bytes()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0}, "Invalid scale"),
        ({"scale": 0.001, "profile": Path("nope.yaml")}, "Profile not found"),
    ],
)
def test_bad_arguments_give_clear_errors(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    from migstats.errors import UserInputError

    with pytest.raises(UserInputError, match=message):
        generate(tmp_path, **kwargs)  # type: ignore[arg-type]


def test_a_users_profile_models_another_country(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2] / "src/migstats/synth/profiles/maldives.yaml"
        ).read_text()
    )
    # Another island state: half the tourists, no border closure, all workers from Nepal.
    data["country"]["name"] = "Testland"
    data["tourists"]["arrivals_per_year"] = {
        y: v / 2 for y, v in data["tourists"]["arrivals_per_year"].items()
    }
    data["tourists"]["closures"] = []
    data["workers"]["nationalities"] = {"NPL": 1.0}
    profile = tmp_path / "testland.yaml"
    profile.write_text(yaml.safe_dump(data))
    generate(tmp_path / "out", scale=0.002, seed=4, profile=profile)
    crossing = _truth(tmp_path / "out", "crossing")
    tourists = crossing.filter(
        pc.and_(pc.equal(crossing["visa_type"], "TOURIST"), pc.equal(crossing["direction"], "ARR"))
    )
    years = np.asarray(pc.year(tourists["crossing_date"]))
    assert abs((years == 2023).sum() / 0.002 / (1_880_000 / 2) - 1) < 0.1
    months = np.asarray(pc.month(tourists["crossing_date"]))
    assert ((years == 2020) & (months == 5)).sum() > 0  # no closure in this country
    person = _truth(tmp_path / "out", "person")
    workers = np.asarray(person["citizenship"])[np.asarray(person["group"]) == "worker"]
    assert set(workers.tolist()) == {"NPL"}
    meta = json.loads((tmp_path / "out" / "truth" / "meta.json").read_text())
    assert meta["profile"] == "Testland"
