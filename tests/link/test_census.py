"""Census foreigners linked to the person spine: hand-made cases and the synthetic country."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from migstats.config import load_config
from migstats.link import CensusLink, link_census
from migstats.link.census import _known_matches, build_candidates, one_to_one_links


def _write(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({sql}) to '{path}' (format parquet)")


def test_candidates_presence_name_and_age(tmp_path: Path) -> None:
    con = duckdb.connect()
    night = dt.date(2022, 9, 20)
    # A arrived before census night (present); B left before it (abroad); C arrived
    # only after it (abroad: no crossing on or before the night counts as absent).
    _write(
        con,
        "select * from (values ('1','A','A|X',date '2022-01-01','ARR'),"
        " ('2','A','A|X',date '2022-03-01','DEP'), ('3','A','A|X',date '2022-09-20','ARR'),"
        " ('4','B','B|X',date '2022-01-01','ARR'), ('5','B','B|X',date '2022-06-01','DEP'),"
        " ('6','C','C|X',date '2022-10-01','ARR'))"
        " v(record_id, person_key, traveller_id, crossing_date, direction)",
        tmp_path / "integrated" / "crossing.parquet",
    )
    _write(
        con,
        "select * from (values ('A','M',date '1990-09-21','BGD'),"
        " ('B','F',date '1990-09-20','IND'), ('C','M',null,'NPL'))"
        " v(person_key, sex, date_of_birth, citizenship)",
        tmp_path / "integrated" / "person.parquet",
    )
    # A's name is written twice one way and once another: the majority wins.
    _write(
        con,
        "select * from (values ('1','HOSSAIN','MOHAMED'), ('2','HOSSAIN','MOHAMED'),"
        " ('3','HUSSAIN','MUHAMMAD'), ('4','SILVA','MARIA'), ('5','SILVA','MARIA'),"
        " ('6','RAI','RAM')) v(record_id, surname, given_names)",
        tmp_path / "harmonised" / "border_crossings.parquet",
    )
    assert build_candidates(con, tmp_path, night) == 1
    rows = con.sql(
        "select person_key, full_name, age, present_on_census_night from spine_person"
        " order by person_key"
    ).fetchall()
    # A turns 32 the day after census night; B turns 32 on census night.
    assert rows == [
        ("A", "MOHAMED HOSSAIN", 31, True),
        ("B", "MARIA SILVA", 32, False),
        ("C", "RAM RAI", None, False),
    ]


def test_candidates_carry_the_work_permit_of_census_night(tmp_path: Path) -> None:
    con = duckdb.connect()
    night = dt.date(2022, 9, 20)
    _write(
        con,
        "select * from (values ('1','A','A|X',date '2021-01-01','ARR'),"
        " ('2','B','B|X',date '2021-01-01','ARR'), ('3','C','C|X',date '2021-01-01','ARR'))"
        " v(record_id, person_key, traveller_id, crossing_date, direction)",
        tmp_path / "integrated" / "crossing.parquet",
    )
    _write(
        con,
        "select * from (values ('A','M',date '1990-01-01','BGD'),"
        " ('B','M',date '1991-01-01','BGD'), ('C','M',date '1992-01-01','BGD'))"
        " v(person_key, sex, date_of_birth, citizenship)",
        tmp_path / "integrated" / "person.parquet",
    )
    _write(
        con,
        "select * from (values ('1','ALI','MD'), ('2','ALAM','MD'), ('3','KHAN','MD'))"
        " v(record_id, surname, given_names)",
        tmp_path / "harmonised" / "border_crossings.parquet",
    )
    # A changed employer in 2022: the permit valid on census night counts, not the
    # earlier one. B's only permit expired in 2021: still where B was employed. C's
    # permit starts after census night, and W1's holder was never placed on the spine.
    _write(
        con,
        "select * from (values ('W1', null), ('W2','A'), ('W3','A'), ('W4','B'), ('W5','C'))"
        " v(permit_id, person_key)",
        tmp_path / "integrated" / "work_permits_person.parquet",
    )
    _write(
        con,
        "select * from (values"
        " ('W1','K09','K','9313',date '2022-01-01',date '2023-12-31'),"
        " ('W2','K02','K','9313',date '2020-01-01',date '2021-12-31'),"
        " ('W3','K09','K','5131',date '2022-01-01',date '2023-12-31'),"
        " ('W4','MC01','MC','7112',date '2019-07-01',date '2021-06-30'),"
        " ('W5','ADh04','ADh','5131',date '2022-10-01',date '2024-09-30'))"
        " v(permit_id, work_island_code, work_atoll_code, occupation_isco, valid_from,"
        " valid_to)",
        tmp_path / "harmonised" / "work_permits.parquet",
    )
    assert build_candidates(con, tmp_path, night) == 3
    rows = con.sql(
        "select person_key, island_code, atoll_code, occupation_isco from spine_person"
        " order by person_key"
    ).fetchall()
    assert rows == [("A", "K09", "K", "5131"), ("B", "MC01", "MC", "7112"), ("C", None, None, None)]


def test_known_matches_are_unique_exact_agreements() -> None:
    con = duckdb.connect()
    columns = (
        "full_name varchar, date_of_birth date, sex varchar, nationality varchar,"
        " island_code varchar, atoll_code varchar, occupation_isco varchar"
    )
    for table in ("census_input", "spine_input"):
        con.execute(f"create table {table} ({columns})")
    con.execute(
        "insert into census_input values"
        " ('KARIM ISLAM', '1989-06-09', 'M', 'BGD', 'K09', 'K', '9313'),"
        # Two census records of one name and birth: neither is a known match.
        " ('SELIM KHAN', '1993-06-11', 'M', 'BGD', 'MC02', 'MC', '9313'),"
        " ('SELIM KHAN', '1993-06-11', 'M', 'BGD', 'K02', 'K', '9313'),"
        # No date of birth in the census: name and age alone are not enough.
        " ('JAMAL ALAM', null, 'M', 'BGD', 'MC03', 'MC', '8322'),"
        # Sex differs: not an exact agreement.
        " ('ROKSANA MIAH', '1990-06-02', 'F', 'BGD', 'MC02', 'MC', '9112')"
    )
    con.execute(
        "insert into spine_input values"
        " ('KARIM ISLAM', '1989-06-09', 'M', 'BGD', 'K02', 'K', '9313'),"
        " ('SELIM KHAN', '1993-06-11', 'M', 'BGD', 'MC02', 'MC', '9313'),"
        " ('JAMAL ALAM', '1977-12-14', 'M', 'BGD', 'MC03', 'MC', '8322'),"
        " ('ROKSANA MIAH', '1990-06-02', 'M', 'BGD', 'MC02', 'MC', '9112')"
    )
    rows = con.sql(f"select * from {_known_matches(con)}").fetchall()
    assert rows == [("K09", "K02", "K", "K", "9313", "9313")]


def _one_to_one(pairs: list[tuple[str, str, str, str, float, float]]) -> list[tuple]:
    """Census links (threshold 5) from scored pairs as Splink writes them."""
    con = duckdb.connect()
    con.execute(
        "create table p (source_dataset_l varchar, unique_id_l varchar,"
        " source_dataset_r varchar, unique_id_r varchar, match_weight double,"
        " match_probability double)"
    )
    con.executemany("insert into p values (?, ?, ?, ?, ?, ?)", pairs)
    one_to_one_links(con, "p", 5.0)
    return con.sql("select record_id, person_key from census_link order by 1").fetchall()


def test_one_to_one_keeps_pairs_best_for_both_sides() -> None:
    links = _one_to_one(
        [
            ("census", "c1", "spine", "s1", 9.0, 0.99),
            ("census", "c2", "spine", "s1", 7.0, 0.9),
            ("census", "c2", "spine", "s2", 6.0, 0.8),
            ("spine", "s3", "census", "c3", 8.0, 0.95),
            ("census", "c4", "spine", "s4", 1.0, 0.6),
        ]
    )
    # c2's best (s1) is c1's, so c2 stays unlinked this round rather than take s1;
    # c4's pair is below the threshold; s3/c3 is read from either side.
    assert links == [("c1", "s1"), ("c3", "s3")]


def test_pairs_a_little_below_the_threshold_need_no_close_rival() -> None:
    links = _one_to_one(
        [
            # Alone on both sides, 1.5 below the threshold: linked.
            ("census", "c5", "spine", "s5", 3.5, 0.9),
            # Census record c6 has a rival within 1 of its best: not linked.
            ("census", "c6", "spine", "s6", 4.0, 0.9),
            ("census", "c6", "spine", "s7", 3.5, 0.9),
            # Spine person s8's rival is 1.5 weaker: linked.
            ("census", "c8", "spine", "s8", 4.0, 0.9),
            ("census", "c9", "spine", "s8", 2.5, 0.8),
            # 2.5 below the threshold, alone: too weak all the same.
            ("census", "c10", "spine", "s10", 2.5, 0.8),
        ]
    )
    assert links == [("c5", "s5"), ("c8", "s8")]


@pytest.fixture(scope="module")
def census(linked: object, harmonised: Path) -> CensusLink:
    night = load_config(harmonised / "project.yaml").period.census_night
    assert night is not None
    return link_census(harmonised / "workspace", night, harmonised / "synthetic" / "truth")


def test_census_link_meets_the_goal_against_the_truth(census: CensusLink) -> None:
    assert census.precision is not None and census.recall is not None
    # Measured at scale 0.01, seed 7: precision 0.9992, recall 0.9966 (issue goal 0.99
    # and 0.98; 0.997 and 0.989 before island and occupation were compared). What is
    # left is mostly namesakes with the same name, age, sex and citizenship and no
    # census date of birth.
    assert census.precision >= 0.99
    assert census.recall >= 0.98
    assert census.reachable is not None and census.reachable <= census.census_foreigners
    assert 0 < census.linked < census.census_foreigners <= census.candidate_pairs


def test_census_person_file_is_one_to_one(census: CensusLink, harmonised: Path) -> None:
    ws = harmonised / "workspace"
    table = pq.read_table(census.output_file)
    assert table.column_names == ["record_id", "person_key", "match_weight", "match_probability"]
    assert table.num_rows == census.census_foreigners
    assert table["person_key"].null_count == table.num_rows - census.linked
    keys = [k for k in table.column("person_key").to_pylist() if k is not None]
    assert len(keys) == len(set(keys))
    spine = set(pq.read_table(ws / "integrated" / "person.parquet")["person_key"].to_pylist())
    assert set(keys) <= spine
    census_ids = set(
        pq.read_table(ws / "harmonised" / "census_2022.parquet", columns=["record_id"])[
            "record_id"
        ].to_pylist()
    )
    assert set(table.column("record_id").to_pylist()) <= census_ids


def test_census_report_and_review_file(census: CensusLink) -> None:
    report = json.loads(census.report_file.read_text())
    assert report["linked"] == census.linked
    stored = sum(report["match_weight_histogram"].values())
    assert stored + report["pairs_below_review_band"] == census.candidate_pairs
    assert min(int(k) for k in report["match_weight_histogram"]) >= 5.0 - 4.0  # review band
    header = census.review_file.read_text().splitlines()[0]
    assert "full_name_l" in header and "age_r" in header and header.endswith("is_match")
    assert len(census.review_file.read_text().splitlines()) == census.review_pairs + 1


def test_census_rerun_reuses_the_model(census: CensusLink, harmonised: Path) -> None:
    again = link_census(harmonised / "workspace", "2022-09-20")  # str accepted too
    assert census.model_file is not None and again.model_file == census.model_file
    assert again.linked == census.linked and again.precision is None
