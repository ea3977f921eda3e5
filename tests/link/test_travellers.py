"""Border records to travellers: one per document and nationality, unknowns resolved."""

from __future__ import annotations

import duckdb

from migstats.link.travellers import collapse_travellers

COLUMNS = (
    "record_id, document_no, nationality_iso3, surname, given_names, sex, date_of_birth,"
    " crossing_date, direction, visa_type"
)


def _border(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "create table b (record_id varchar, document_no varchar, nationality_iso3 varchar,"
        " surname varchar, given_names varchar, sex varchar, date_of_birth date,"
        " crossing_date date, direction varchar, visa_type varchar)"
    )
    con.executemany(f"insert into b ({COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_unknown_nationality_joins_the_documents_one_known_nationality() -> None:
    person = ("WATANABE", "NAOKO", "F", "1985-07-19")
    con = _border(
        [
            # D1: arrival keyed JPN, departure keyed "stated unknown", a later one uncoded.
            ("1", "D1", "JPN", *person, "2024-01-17", "ARR", "TOURIST"),
            ("2", "D1", "XXX", *person, "2024-01-23", "DEP", "TOURIST"),
            ("3", "D1", None, *person, "2024-06-02", "ARR", "TOURIST"),
            # D2 is seen with two known nationalities: its unknown record stays apart.
            ("4", "D2", "CHN", "LI", "WEI", "M", "1990-01-01", "2023-03-01", "ARR", "WORK"),
            ("5", "D2", "HKG", "LI", "WEI", "M", "1990-01-01", "2023-03-09", "DEP", "WORK"),
            ("6", "D2", "XXX", "LI", "WEI", "M", "1990-01-01", "2023-05-09", "ARR", "WORK"),
            # D3 never has a known nationality.
            ("7", "D3", None, "SMITH", "JOHN", "M", "1970-02-02", "2022-02-02", "ARR", None),
        ]
    )
    assert collapse_travellers(con, "b") == 5
    assignment = con.sql(
        "select record_id, traveller_id from traveller_crossing order by record_id"
    ).fetchall()
    assert assignment == [
        ("1", "D1|JPN"),
        ("2", "D1|JPN"),
        ("3", "D1|JPN"),
        ("4", "D2|CHN"),
        ("5", "D2|HKG"),
        ("6", "D2|XXX"),
        ("7", "D3|UNK"),
    ]
    d1 = con.sql(
        "select nationality, crossings, visa_type, first_crossing, last_crossing,"
        " first_direction, last_direction from traveller where traveller_id = 'D1|JPN'"
    ).fetchall()
    # Entered in January, left, and entered again in June: first and last used arriving.
    assert [tuple(str(v) for v in row) for row in d1] == [
        ("JPN", "3", "TOURIST", "2024-01-17", "2024-06-02", "ARR", "ARR")
    ]
