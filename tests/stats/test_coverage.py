"""The dual-system estimate of undocumented stayers no border record shows."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc
import pytest

from migstats.stats import overstay, stocks
from migstats.stats.coverage import CensusCoverage, census_coverage
from migstats.stats.frame import StatFrame
from migstats.stats.population import IN_CENSUS


def test_petersen_estimate_by_hand() -> None:
    # 80 found by a census that covers 600 of 1,000 comparable residents: c = 0.6, the
    # stayers number 80 / 0.6 = 133.3, of whom 53.3 the census missed.
    cov = CensusCoverage(found=80, covered=600, comparable=1000)
    assert cov.rate == pytest.approx(0.6)
    assert cov.unseen(80) == pytest.approx(80 * 0.4 / 0.6)
    # Variance: 80 * 0.4 / 0.36 (capture) + (80 / 0.36)^2 * 0.24 / 1000 (coverage).
    sd = math.sqrt(80 * 0.4 / 0.36 + (80 / 0.36) ** 2 * 0.24 / 1000)
    lo, hi = cov.unseen_interval(np.array([80.0, 0.0]))
    assert lo[0] == pytest.approx(53.333 - 1.95996 * sd, abs=1e-2)
    assert hi[0] == pytest.approx(53.333 + 1.95996 * sd, abs=1e-2)
    assert (lo[1], hi[1]) == (0.0, 0.0)


def test_full_coverage_adds_nobody() -> None:
    assert CensusCoverage(found=5, covered=10, comparable=10).unseen(5) == 0.0


def test_holders_found_in_census_are_in_the_stock_and_the_estimate(frame: StatFrame) -> None:
    found = frame.count(
        "select count(*) from population_status"
        f" where reference = 'census_night' and evidence = '{IN_CENSUS}'"
    )
    assert found > 0, "the synthetic country has undocumented stayers found by the census"
    # Each of them is a holder the census link found, whose permits all predate the data.
    assert (
        frame.count(
            f"""
        select count(*) from population_status s
        where s.evidence = '{IN_CENSUS}' and not exists (
            select 1 from work_permit w join census_holder h using (permit_id)
            where 'WP:' || w.document_no || '|' || coalesce(w.nationality_iso3, 'UNK')
                  = s.person_key)
        """
        )
        == 0
    )
    assert (
        frame.count(
            f"""
        select count(*) from work_permit w
        where 'WP:' || w.document_no || '|' || coalesce(w.nationality_iso3, 'UNK') in
              (select person_key from population_status where evidence = '{IN_CENSUS}')
          and w.valid_from >= date '{frame.period_start}'
        """
        )
        == 0
    )
    coverage = census_coverage(frame)
    assert coverage is not None and coverage.found == found
    assert 0.3 < coverage.rate < 0.95
    # The stock's census-night total carries the estimate of those the census missed.
    table = next(t for t in stocks.build(frame) if t.table_id == "1.1")
    total = table.value(REF_DATE="census_night", MEASURE="FOREIGN_CITIZENS")
    observed = frame.count(
        "select count(*) from population_status"
        " where reference = 'census_night' and resident and not is_citizen"
    )
    missed_visitors = observed - (total or 0) + coverage.unseen(found)
    assert missed_visitors >= 0, "the stock is the observed less missed departures plus unseen"
    assert table.metadata["undocumented_stayers"]["unseen_on_census_night"] == pytest.approx(
        coverage.unseen(found)
    )
    # In 5.1 they are observed overstayers on work permits; 5.2 adds the unseen.
    indicator, estimate = overstay.build(frame)
    data = indicator.data
    work = data.filter(
        pc.and_(
            pc.equal(data.column("REF_DATE"), "census_night"),
            pc.equal(data.column("VISA_TYPE"), "WORK"),
        )
    )
    assert work.num_rows and max(work.column("OBS_VALUE").to_pylist()) >= found
    assert estimate.metadata["undocumented_stayers"]["holders_found_in_census_on_census_night"] == (
        found
    )


def test_coverage_is_that_of_undocumented_workers(frame: StatFrame) -> None:
    # The truth: workers resident and present on census night after their authorised
    # stay ended, and how many of them the census enumerated (computed here from the
    # synthetic country, not by the module).
    rows = frame.con.sql(
        "select count(*), count(e.person_id) from truth_status s"
        " join truth_person p using (person_id)"
        " left join (select distinct person_id from truth_record where source = 'census_2022')"
        " e using (person_id)"
        " where s.reference = 'census_night' and s.resident and s.present and s.overstayer"
        " and p.\"group\" = 'worker'"
    ).fetchall()
    undocumented, enumerated = rows[0]
    truth = enumerated / undocumented
    coverage = census_coverage(frame)
    assert coverage is not None and coverage.group == "undocumented workers"
    assert coverage.comparable >= 50
    # Linkage misses lower the estimate a little, as they lower the holders found.
    assert abs(coverage.rate - truth) < 0.08, (coverage.rate, truth)
    # Documented foreigners are enumerated more often: their coverage would overstate it.
    documented = frame.con.sql(
        "select count(e.person_id) / count(*) from truth_status s"
        " join truth_person p using (person_id)"
        " left join (select distinct person_id from truth_record where source = 'census_2022')"
        " e using (person_id)"
        " where s.reference = 'census_night' and s.resident and s.present"
        " and not s.overstayer and p.citizenship <> 'MDV'"
    ).fetchall()[0][0]
    assert documented > truth + 0.1
