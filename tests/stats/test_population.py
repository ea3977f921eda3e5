"""The population at reference dates, against the synthetic country's truth."""

from __future__ import annotations

from migstats.stats.frame import StatFrame


def _foreign_residents(frame: StatFrame, reference: str) -> tuple[int, int]:
    estimate = frame.count(
        "select count(*) from population_status"
        f" where reference = '{reference}' and resident and not is_citizen"
    )
    truth = frame.count(
        "select count(*) from truth_status s join truth_person p using (person_id)"
        f" where s.reference = '{reference}' and s.resident and p.citizenship <> 'MDV'"
    )
    return estimate, truth


def test_foreign_residents_on_census_night_are_close_to_the_truth(frame: StatFrame) -> None:
    estimate, truth = _foreign_residents(frame, "census_night")
    # Before the correction for missed departures (table 1.1 makes it): within 10%.
    assert abs(estimate - truth) / truth < 0.10, (estimate, truth)


def test_one_row_per_person_and_reference(frame: StatFrame) -> None:
    dupes = frame.count(
        "select count(*) from (select reference, person_key from population_status"
        " group by all having count(*) > 1)"
    )
    assert dupes == 0


def test_every_reference_date_is_there(frame: StatFrame) -> None:
    refs = {
        r for (r,) in frame.con.sql("select distinct reference from population_status").fetchall()
    }
    assert refs == set(frame.reference_dates)


def test_nobody_is_counted_before_birth(frame: StatFrame) -> None:
    assert frame.count("select count(*) from population_status where age < 0") == 0
