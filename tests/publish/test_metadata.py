"""Published metadata keeps settings and proportions, never diagnostic counts."""

from __future__ import annotations

import doctest

from migstats.publish import metadata
from migstats.publish.metadata import WITHHELD, public_metadata


def test_docstring_examples() -> None:
    assert doctest.testmod(metadata).failed == 0


def test_overstay_metadata_loses_its_small_counts() -> None:
    meta = {
        "definition": "foreigners present after their authorised stay ended",
        "grace_days": 0,
        "visa_on_arrival_days": 30,
        "expired_permits_never_at_the_border": {"census_night": 5, "year_end_2022": 6},
        "missed_departures": {"rate": 0.0037, "standard_error": 0.0008, "missed": 22},
        "rule": {"window_days": 487, "threshold_days": 365},
        "sources": ["crossing.parquet", "work_permits.parquet"],
        "disclosure": {"method": "threshold", "n": 10, "suppressed": 983},
    }
    public = public_metadata(meta)
    assert "expired_permits_never_at_the_border" not in public
    assert public["missed_departures"] == {"rate": 0.0037, "standard_error": 0.0008}
    assert public["rule"] == {"window_days": 487, "threshold_days": 365}
    assert public["grace_days"] == 0 and public["visa_on_arrival_days"] == 30
    assert public["sources"] == meta["sources"]
    assert public["disclosure"] == meta["disclosure"]  # the protection record, whole
    assert public["withheld"] == WITHHELD


def test_metadata_with_nothing_to_withhold_is_unchanged() -> None:
    meta = {"definition": "x", "period": ["2019-01-01", "2024-12-31"]}
    assert public_metadata(meta) == meta
