"""Register citizens linked to the spine and census, and emigration by signs of life
(table 6.1): a hand-made register and the synthetic country's truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from migstats.link.register import link_register, unique_matches
from migstats.residence import ResidenceRule
from migstats.stats import signs_of_life
from migstats.stats.cube import ObservationTable
from migstats.stats.frame import StatFrame, reference_dates
from migstats.stats.initial import classify_spine

D = dt.date
START, END, NIGHT = D(2019, 1, 1), D(2024, 12, 31), D(2022, 9, 20)

# national ID, full name, sex, birth, death
REGISTER = [
    ("N1", "Ahmed Ali", "M", D(1980, 1, 1), None),
    ("N2", "Aminath Hassan", "F", D(1985, 2, 2), None),
    ("N3", "Mohamed Ibrahim", "M", D(1970, 3, 3), D(2020, 6, 1)),
    ("N4", "Fathimath Saeed", "F", D(1990, 4, 4), None),
    ("N5", "Fathimath Saeed", "F", D(1990, 4, 4), None),  # a namesake born the same day
    ("N6", "Ali Waheed", "M", D(1975, 5, 5), None),
    ("N7", "Hussain Rasheed", "M", D(1960, 6, 6), None),
    ("N8", "Aishath Nazima", "F", D(1995, 7, 7), None),
]
# spine person, given names, surname, sex, birth
SPINE = [
    ("S1", "AHMED", "ALI", "M", D(1980, 1, 1)),
    ("S2", "AMINATH", "HASAN", "F", D(1985, 2, 2)),  # spelt differently: the skeleton pass
    ("S3", "MOHAMED", "IBRAHIM", "M", D(1970, 3, 3)),
    ("S4", "FATHIMATH", "SAEED", "F", D(1990, 4, 4)),  # which of N4, N5? neither
    ("S8", "AISHATH", "NAZIMA", "F", D(1995, 7, 7)),
]
CROSSINGS = [
    ("S1", D(2020, 1, 10), "DEP"),  # leaves for good
    ("S2", D(2020, 1, 10), "DEP"),  # a three-week trip
    ("S2", D(2020, 2, 1), "ARR"),
    ("S3", D(2019, 2, 1), "DEP"),  # leaves, dies abroad in 2020
    ("S4", D(2021, 3, 3), "DEP"),
    ("S4", D(2021, 3, 9), "ARR"),
    ("S8", D(2020, 11, 5), "DEP"),  # leaves; her return is not recorded ...
]
# ... but the census enumerates her at home; N6 and N2 too. N4, N5, N7 are not enumerated.
CENSUS = [
    ("C1", "Aminath Hassan", "F", D(1985, 2, 2)),
    ("C2", "Ali Waheed", "M", D(1975, 5, 5)),
    ("C3", "Aishath Nazima", "F", D(1995, 7, 7)),
]


def _workspace(folder: Path) -> Path:
    harmonised, integrated = folder / "harmonised", folder / "integrated"
    harmonised.mkdir(parents=True)
    integrated.mkdir()
    columns = list(zip(*REGISTER, strict=True))
    pq.write_table(
        pa.table(
            {
                "_record": list(range(1, len(REGISTER) + 1)),
                "national_id": columns[0],
                "full_name": columns[1],
                "sex": columns[2],
                "date_of_birth": columns[3],
                "date_of_death": pa.array(columns[4], pa.date32()),
            }
        ),
        harmonised / "national_register.parquet",
    )
    names = {s[0]: s for s in SPINE}
    records: list[dict[str, Any]] = [
        {
            "record_id": f"B{i}",
            "person_key": person,
            "traveller_id": person,
            "crossing_date": day,
            "direction": direction,
            "given_names": names[person][1],
            "surname": names[person][2],
            "sex": names[person][3],
            "date_of_birth": names[person][4],
            "visa_type": "CITIZEN",
            "purpose": None,
            "nationality_iso3": "MDV",
        }
        for i, (person, day, direction) in enumerate(CROSSINGS)
    ]
    table = pa.Table.from_pylist(records)
    pq.write_table(
        table.select(["record_id", "person_key", "traveller_id", "crossing_date", "direction"]),
        integrated / "crossing.parquet",
    )
    pq.write_table(
        table.drop_columns(["person_key", "traveller_id"]), harmonised / "border_crossings.parquet"
    )
    pq.write_table(
        pa.table(
            {
                "person_key": [s[0] for s in SPINE],
                "sex": [s[3] for s in SPINE],
                "date_of_birth": [s[4] for s in SPINE],
                "citizenship": ["MDV"] * len(SPINE),
            }
        ),
        integrated / "person.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "record_id": [c[0] for c in CENSUS],
                "full_name": [c[1] for c in CENSUS],
                "sex": [c[2] for c in CENSUS],
                "date_of_birth": [c[3] for c in CENSUS],
                "citizenship_iso3": ["MDV"] * len(CENSUS),
            }
        ),
        harmonised / "census_2022.parquet",
    )
    return folder


def _hand_frame(workspace: Path) -> StatFrame:
    con = duckdb.connect()
    integrated, harmonised = workspace / "integrated", workspace / "harmonised"
    con.execute(f"create view person as select * from '{integrated / 'person.parquet'}'")
    con.execute(
        "create view crossing as select c.record_id, c.person_key, c.crossing_date,"
        " c.direction, b.visa_type, b.purpose, b.nationality_iso3"
        f" from '{integrated / 'crossing.parquet'}' c"
        f" join '{harmonised / 'border_crossings.parquet'}' b using (record_id)"
    )
    con.execute(
        f"create view register as select * from '{harmonised / 'national_register.parquet'}'"
    )
    frame = StatFrame(
        con,
        workspace,
        "MDV",
        START,
        END,
        NIGHT,
        ResidenceRule(),
        reference_dates(START, END, NIGHT),
    )
    events = workspace / "residence_event.parquet"
    classify_spine(frame, events)
    frame.use_events(events)
    return frame


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ObservationTable]]:
    workspace = _workspace(tmp_path_factory.mktemp("register-hand"))
    frame = _hand_frame(workspace)
    (table,) = signs_of_life.build(frame)
    yield workspace, table
    frame.close()


def test_register_links_are_unique_both_ways(hand: tuple[Path, ObservationTable]) -> None:
    workspace, _ = hand
    spine = pq.read_table(workspace / "integrated" / "register_person.parquet").to_pylist()
    links = {r["national_id"]: (r["person_key"], r["link_rule"]) for r in spine}
    assert links == {
        "N1": ("S1", "name+dob+sex"),
        "N2": ("S2", "skeleton+dob+sex"),
        "N3": ("S3", "name+dob+sex"),
        "N4": (None, None),
        "N5": (None, None),
        "N6": (None, None),
        "N7": (None, None),
        "N8": ("S8", "name+dob+sex"),
    }
    census = pq.read_table(workspace / "integrated" / "register_census.parquet").to_pylist()
    assert {r["national_id"]: r["record_id"] for r in census} == {
        "N2": "C1",
        "N6": "C2",
        "N8": "C3",
    }


def test_presumed_emigrants_need_twelve_months_without_a_sign_of_life(
    hand: tuple[Path, ObservationTable],
) -> None:
    _, table = hand

    def presumed(reference: str) -> float:
        return table.value(REF_DATE=reference, MEASURE="PRESUMED_EMIGRANTS_SIGNS_OF_LIFE") or 0

    # N1 left on 2020-01-10: not yet twelve months by the end of 2020.
    assert presumed("year_end_2020") == 0
    # N1, and N8 (gone since 2020-11-05).
    assert presumed("year_end_2021") == 2
    # N8's census enumeration is a sign of life: she is back.
    assert presumed("census_night") == 1
    assert presumed("year_end_2022") == 1


def test_the_rule_and_signs_of_life_side_by_side(hand: tuple[Path, ObservationTable]) -> None:
    _, table = hand

    def at(reference: str, measure: str) -> float:
        return table.value(REF_DATE=reference, MEASURE=measure) or 0

    # The rule sees N1 gone from the departure on (16 months of data after it).
    assert at("year_end_2020", "EMIGRANTS_BY_RULE") == 2  # N1, N8
    assert at("year_end_2020", "BOTH") == 0
    # The rule never sees N8's return (no crossing); signs of life do (the census).
    assert at("year_end_2022", "EMIGRANTS_BY_RULE") == 2
    assert at("year_end_2022", "BOTH") == 1
    # N3 died in 2020: no longer a living registered citizen.
    assert at("year_end_2022", "REGISTERED_LIVING") == 7
    # Never crossing and not enumerated: N4, N5 (not linked) and N7; not emigrants.
    assert at("year_end_2022", "NO_ACTIVITY_IN_ANY_SOURCE") == 3


def test_unique_matches_leaves_namesakes_alone() -> None:
    con = duckdb.connect()
    con.execute("create table l as select * from (values ('a', 'X', 1), ('b', 'X', 1)) v(id, n, d)")
    con.execute("create table r as select * from (values ('p', 'X', 1)) v(id, n, d)")
    assert con.sql(unique_matches("l", "r", ("n", "d"))).fetchall() == []
    assert con.sql(unique_matches("l", "r", ("n", "d"), several_right=True)).fetchall() == []


# -- the synthetic country -------------------------------------------------------------


@pytest.fixture(scope="module")
def table(frame: StatFrame) -> ObservationTable:
    (built,) = signs_of_life.build(frame)
    return built


def test_register_link_is_precise_and_complete(linked_country: Path, tmp_path: Path) -> None:
    link = link_register(
        linked_country / "workspace",
        "MDV",
        out_dir=tmp_path,
        truth_dir=linked_country / "synthetic" / "truth",
    )
    assert link.spine_precision is not None and link.spine_precision > 0.99
    assert link.spine_recall is not None and link.spine_recall > 0.97
    assert link.census_precision is not None and link.census_precision > 0.99
    assert link.census_recall is not None and link.census_recall > 0.95


def test_presumed_emigrants_are_mostly_truly_abroad(
    frame: StatFrame, table: ObservationTable
) -> None:
    checks = [
        c
        for c in signs_of_life.evaluate(frame, {"6.1": table})
        if c.what.startswith("presumed emigrants (signs of life) truly not resident")
    ]
    flagged = sum(c.estimate for c in checks)
    right = sum(c.truth for c in checks)
    assert flagged > 0
    assert right / flagged > 0.8, (right, flagged)


def test_rule_emigrants_are_close_to_the_citizens_truly_abroad(
    frame: StatFrame, table: ObservationTable
) -> None:
    references = ("year_end_2020", "year_end_2021", "year_end_2022", "year_end_2023")
    estimate = sum(table.value(REF_DATE=r, MEASURE="EMIGRANTS_BY_RULE") or 0 for r in references)
    truth = sum(
        frame.count(
            "select count(*) from truth_person p where p.citizenship = 'MDV'"
            f" and p.date_of_birth <= date '{frame.reference_dates[r]}'"
            f" and (p.date_of_death is null or p.date_of_death > date '{frame.reference_dates[r]}')"
            " and not exists (select 1 from truth_status s where s.person_id = p.person_id"
            f" and s.reference = '{r}' and s.resident)"
        )
        for r in references
    )
    assert abs(estimate / truth - 1) < 0.3, (estimate, truth)


def test_both_never_exceeds_either(table: ObservationTable) -> None:
    for reference in ("census_night", "year_end_2022", "year_end_2024"):
        both = table.value(REF_DATE=reference, MEASURE="BOTH") or 0
        for measure in ("PRESUMED_EMIGRANTS_SIGNS_OF_LIFE", "EMIGRANTS_BY_RULE"):
            assert both <= (table.value(REF_DATE=reference, MEASURE=measure) or 0)
