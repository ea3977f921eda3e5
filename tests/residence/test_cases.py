"""The hand-derived cases of DOMAIN.md section 3 and beyond, each also mirrored."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from migstats.residence import classify

from .cases import (
    BOUNDARY_CASES,
    INITIAL_CASES,
    PUBLIC_CASES,
    REPAIR_CASES,
    SAME_DAY_CASES,
    TRUNCATED_CASES,
    Case,
    with_mirrors,
)


def run(case: Case) -> pa.Table:
    return classify(
        case.table(),
        observation_start=case.start,
        observation_end=case.end,
    )


def observed(table: pa.Table) -> list[tuple[str, str, bool | None, str | None]]:
    finals = [d.isoformat() if d else None for d in table.column("date_final").to_pylist()]
    return list(
        zip(
            table.column("res_status_before").to_pylist(),
            table.column("res_status_after").to_pylist(),
            table.column("is_long_term_migration").to_pylist(),
            finals,
            strict=True,
        )
    )


def check(case: Case) -> None:
    out = run(case)
    assert out.num_rows == len(case.history)
    assert observed(out) == case.expected
    repairs = case.repairs or [None] * len(case.history)
    assert out.column("repair").to_pylist() == repairs
    assert set(out.column("initial_status_source").to_pylist()) == {case.sources}


def ids(cases: list[Case]) -> list[str]:
    return [c.name for c in cases]


@pytest.mark.parametrize("case", with_mirrors(PUBLIC_CASES), ids=ids(with_mirrors(PUBLIC_CASES)))
def test_public_case(case: Case) -> None:
    check(case)


@pytest.mark.parametrize(
    "case", with_mirrors(BOUNDARY_CASES), ids=ids(with_mirrors(BOUNDARY_CASES))
)
def test_boundary(case: Case) -> None:
    check(case)


@pytest.mark.parametrize(
    "case", with_mirrors(SAME_DAY_CASES), ids=ids(with_mirrors(SAME_DAY_CASES))
)
def test_same_day(case: Case) -> None:
    check(case)


@pytest.mark.parametrize(
    "case", with_mirrors(TRUNCATED_CASES), ids=ids(with_mirrors(TRUNCATED_CASES))
)
def test_truncated(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", with_mirrors(INITIAL_CASES), ids=ids(with_mirrors(INITIAL_CASES)))
def test_initial_status(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", with_mirrors(REPAIR_CASES), ids=ids(with_mirrors(REPAIR_CASES)))
def test_repair(case: Case) -> None:
    check(case)


def test_output_keeps_input_columns_and_order() -> None:
    crossings = pa.table(
        {
            "record_id": ["c", "a", "b"],
            "person_id": ["p2", "p1", "p2"],
            "crossing_date": ["2017-01-11", "2017-01-01", "2017-01-01"],
            "direction": ["DEP", "ARR", "ARR"],
            "port": ["MLE", "MLE", "GAN"],
            "initial_status": ["non_resident", None, ""],
        }
    )
    out = classify(crossings, observation_end="2030-01-01")
    assert out.column_names[:6] == crossings.column_names
    assert out.select(crossings.column_names).equals(crossings)
    # p2 (non-resident) arrived 2017-01-01 (row 2) and left 10 days later (row 0). p1
    # stayed, but with no initial status, whether that was a migration is unknown.
    assert out.column("is_long_term_migration").to_pylist() == [False, None, False]
    assert out.column("res_status_after").to_pylist() == [
        "non_resident",
        "resident",
        "non_resident",
    ]
    assert out.column("initial_status_source").to_pylist() == ["given", "unknown", "given"]


def test_duplicate_kept_is_first_in_input_order() -> None:
    crossings = pa.table(
        {
            "person_id": [1, 1, 1],
            "crossing_date": [date(2017, 1, 11), date(2017, 1, 1), date(2017, 1, 1)],
            "direction": ["DEP", "ARR", "ARR"],
            "initial_status": ["non_resident"] * 3,
        }
    )
    out = classify(crossings, observation_end="2030-01-01")
    assert out.column("repair").to_pylist() == [None, None, "duplicate"]
    assert out.num_rows == 3


def test_imputed_midpoint_rounds_down() -> None:
    from migstats.residence import run_classification

    crossings = pa.table(
        {
            "person_id": [1, 1, 2, 2],
            "crossing_date": [
                date(2017, 1, 1),
                date(2017, 1, 4),
                date(2017, 5, 1),
                date(2017, 5, 2),
            ],
            "direction": ["ARR", "ARR", "DEP", "DEP"],
        }
    )
    result = run_classification(crossings, observation_end="2030-01-01")
    imputed = result.imputed.sort_by("input_index")
    # 3 days apart: 3 // 2 = 1 day after the first; 1 day apart: the same day.
    assert imputed.column("crossing_date").to_pylist() == [date(2017, 1, 2), date(2017, 5, 1)]
    assert imputed.column("direction").to_pylist() == ["DEP", "ARR"]
    assert imputed.column("input_index").to_pylist() == [1, 3]
    assert result.metadata["counts"]["imputed_crossings"] == 2
