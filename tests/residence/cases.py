"""Hand-derived travel histories with their expected classification (W = 487, T = 365).

Each expected row is (status before, status after, long-term flag, date final), with
N = non_resident, R = resident, U = unknown and None for an empty value. The derivation
of each date is written next to it, counted by hand from DOMAIN.md section 3, never
copied from the code's output. Every case also holds mirrored: directions swapped,
initial status swapped, statuses swapped; flags and dates unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pyarrow as pa

N, R, U = "non_resident", "resident", "unknown"
FAR = "2030-01-01"

Expected = tuple[str, str, bool | None, str | None]
_MIRRORED_REPAIRS = {
    "missing_dep_imputed": "missing_arr_imputed",
    "missing_arr_imputed": "missing_dep_imputed",
}


@dataclass(frozen=True)
class Case:
    name: str
    history: list[tuple[str, str]]  # (direction, ISO date) in input order
    expected: list[Expected]
    initial: str | None = N  # given initial status; None: not given
    start: str | None = None  # observation start (default: first crossing)
    end: str = FAR
    repairs: list[str | None] = field(default_factory=list)
    sources: str = "given"

    def mirrored(self) -> Case:
        swap = {"ARR": "DEP", "DEP": "ARR", N: R, R: N, U: U, None: None}
        return replace(
            self,
            name=self.name + " (mirrored)",
            history=[(swap[d], day) for d, day in self.history],
            expected=[(swap[b], swap[a], lt, f) for b, a, lt, f in self.expected],
            initial=swap[self.initial],
            repairs=[_MIRRORED_REPAIRS.get(r, r) if r else r for r in self.repairs],
        )

    def table(self, person_id: int = 1) -> pa.Table:
        n = len(self.history)
        columns: dict[str, pa.Array] = {
            "person_id": pa.array([person_id] * n, pa.int64()),
            "crossing_date": pa.array([date.fromisoformat(d) for _, d in self.history]),
            "direction": pa.array([d for d, _ in self.history]),
        }
        if self.initial is not None:
            columns["initial_status"] = pa.array([self.initial] * n)
        return pa.table(columns)


PUBLIC_CASES = [
    # 365 days in are complete at the end of 2017-12-31, so final from 2018-01-01.
    Case("ARR, nothing after", [("ARR", "2017-01-01")], [(N, R, True, "2018-01-01")]),
    # 10 days in, then abroad: the 123rd day abroad (more than W - T = 122) ends on
    # 2017-05-13, so the arrival is certainly not long-term from 2017-01-11 + 123.
    Case(
        "ARR, DEP 10 days later",
        [("ARR", "2017-01-01"), ("DEP", "2017-01-11")],
        [(N, N, False, "2017-05-14"), (N, N, False, "2017-05-14")],
    ),
    # 250 days in; abroad from 2017-09-08, 123 days later is 2018-01-09.
    Case(
        "ARR, DEP 250 days later",
        [("ARR", "2017-01-01"), ("DEP", "2017-09-08")],
        [(N, N, False, "2018-01-09"), (N, N, False, "2018-01-09")],
    ),
    # The arrival day counts in, the departure day out: 0 days in; 2017-01-01 + 123.
    Case(
        "ARR and DEP the same day",
        [("ARR", "2017-01-01"), ("DEP", "2017-01-01")],
        [(N, N, False, "2017-05-04"), (N, N, False, "2017-05-04")],
    ),
    # First arrival: 10 in, 60 out, then 355 more in from 2017-03-12: T reached after
    # 425 days, 2018-03-02. The departure fails once back 123 days (2017-07-13), but its
    # status before is final only on 2018-03-02; the last arrival changes nothing.
    Case(
        "ARR, DEP, ARR after 60 days out",
        [("ARR", "2017-01-01"), ("DEP", "2017-01-11"), ("ARR", "2017-03-12")],
        [(N, R, True, "2018-03-02"), (R, R, False, "2018-03-02"), (R, R, False, "2018-03-02")],
    ),
    # 370 days in: T reached 2018-01-01; then abroad for good: 365 days out on 2019-01-06.
    Case(
        "ARR, DEP after 370 days",
        [("ARR", "2017-01-01"), ("DEP", "2018-01-06")],
        [(N, R, True, "2018-01-01"), (R, N, True, "2019-01-06")],
    ),
    # Back after 10 days out: the departure fails after 123 days in, 2018-01-16 + 123.
    Case(
        "ARR, DEP, back after 10 days",
        [("ARR", "2017-01-01"), ("DEP", "2018-01-06"), ("ARR", "2018-01-16")],
        [(N, R, True, "2018-01-01"), (R, R, False, "2018-05-19"), (R, R, False, "2018-05-19")],
    ),
    # First arrival: 350 in, 20 out, 15 in: T on 2018-01-21. DEP 2017-12-17 fails on
    # 20 + 103 days in (2018-01-27 + 103 = 2018-05-10); DEP 2018-01-26 on 2018-01-27 + 123.
    Case(
        "five crossings, only the first long-term",
        [
            ("ARR", "2017-01-01"),
            ("DEP", "2017-12-17"),
            ("ARR", "2018-01-06"),
            ("DEP", "2018-01-26"),
            ("ARR", "2018-01-27"),
        ],
        [
            (N, R, True, "2018-01-21"),
            (R, R, False, "2018-05-10"),
            (R, R, False, "2018-05-10"),
            (R, R, False, "2018-05-30"),
            (R, R, False, "2018-05-30"),
        ],
    ),
    # 91 days observed: neither 365 in nor 123 out.
    Case(
        "ARR, observation end after 90 days",
        [("ARR", "2017-01-01")],
        [(N, U, None, None)],
        end="2017-04-01",
    ),
]

BOUNDARY_CASES = [
    # Exactly T days in (2017-01-01 .. 2017-12-31) qualifies; T reached on 2018-01-01.
    Case(
        "exactly T days in",
        [("ARR", "2017-01-01"), ("DEP", "2018-01-01")],
        [(N, R, True, "2018-01-01"), (R, N, True, "2019-01-01")],
    ),
    # T - 1 days in: fails on the 123rd day out, 2017-12-31 + 123 = 2018-05-03, which is
    # also the window's end (2017-01-01 + 487).
    Case(
        "T - 1 days in",
        [("ARR", "2017-01-01"), ("DEP", "2017-12-31")],
        [(N, N, False, "2018-05-03"), (N, N, False, "2018-05-03")],
    ),
    # 31 in, exactly W - T = 122 out (2017-02-01 .. 2017-06-02), then in: 31 + 334 = 365
    # in by the window's last day, so T is reached on 2018-05-03 = 2017-01-01 + 487.
    # The departure fails after 123 days back in (2017-10-04), final with its status
    # before on 2018-05-03.
    Case(
        "exactly W - T days on the wrong side",
        [("ARR", "2017-01-01"), ("DEP", "2017-02-01"), ("ARR", "2017-06-03")],
        [(N, R, True, "2018-05-03"), (R, R, False, "2018-05-03"), (R, R, False, "2018-05-03")],
    ),
    # One more day out (123) fails on the day back, 2017-06-04; that arrival then stays
    # for good: long-term, 365 days in on 2018-06-04.
    Case(
        "W - T + 1 days on the wrong side",
        [("ARR", "2017-01-01"), ("DEP", "2017-02-01"), ("ARR", "2017-06-04")],
        [(N, N, False, "2017-06-04"), (N, N, False, "2017-06-04"), (N, R, True, "2018-06-04")],
    ),
    # Observation end exactly when T is reached: days up to 2017-12-31 are observed,
    # enough for 365 days in; the value is final from 2018-01-01.
    Case(
        "observation ends on the T-th day",
        [("ARR", "2017-01-01")],
        [(N, R, True, "2018-01-01")],
        end="2017-12-31",
    ),
    # One day earlier: only 364 days observed, still open.
    Case(
        "observation ends a day before T",
        [("ARR", "2017-01-01")],
        [(N, U, None, None)],
        end="2017-12-30",
    ),
    # Failure known once 123 days abroad are observed (2017-01-11 .. 2017-05-13).
    Case(
        "observation ends on the 123rd day out",
        [("ARR", "2017-01-01"), ("DEP", "2017-01-11")],
        [(N, N, False, "2017-05-14"), (N, N, False, "2017-05-14")],
        end="2017-05-13",
    ),
    Case(
        "observation ends on the 122nd day out",
        [("ARR", "2017-01-01"), ("DEP", "2017-01-11")],
        [(N, U, None, None), (U, U, None, None)],
        end="2017-05-12",
    ),
]

SAME_DAY_CASES = [
    # Input order decides within a day: departing then arriving the same day, the
    # arrival stays for good. The departure by a non-resident changes nothing and is
    # final the day it happens.
    Case(
        "DEP then ARR the same day",
        [("DEP", "2017-01-01"), ("ARR", "2017-01-01")],
        [(N, N, False, "2017-01-01"), (N, R, True, "2018-01-01")],
    ),
    # Three crossings on one day (out, in, out): 0 days in, abroad from 2017-03-01.
    Case(
        "ARR DEP ARR DEP, last three the same day",
        [
            ("ARR", "2017-01-01"),
            ("DEP", "2017-03-01"),
            ("ARR", "2017-03-01"),
            ("DEP", "2017-03-01"),
        ],
        [
            (N, N, False, "2017-07-02"),  # 59 in, then 123 out from 2017-03-01
            (N, N, False, "2017-07-02"),
            (N, N, False, "2017-07-02"),  # 0 in, 123 out: 2017-03-01 + 123
            (N, N, False, "2017-07-02"),
        ],
    ),
]

TRUNCATED_CASES = [
    # Arrival, short stay, then out until the data end: neither decided. The departure's
    # status before is unknown, and so is its own window (32 days out observed).
    Case(
        "truncated short stay",
        [("ARR", "2017-01-01"), ("DEP", "2017-03-01")],
        [(N, U, None, None), (U, U, None, None)],
        end="2017-04-01",
    ),
    # Unknown initial status (first crossing on the first day of the data): the
    # departure certainly fails (back after 9 days, 123 days in by 2017-05-13) so it is
    # not long-term although its status before is unknown; the arrival qualifies and
    # makes the person resident, but whether it was a migration stays unknown.
    Case(
        "unknown initial status, decided later",
        [("DEP", "2017-01-01"), ("ARR", "2017-01-10")],
        [(U, U, False, None), (U, R, None, None)],
        initial=None,
        end="2018-06-01",
        sources="unknown",
    ),
    # A resident's arrival is never a migration, even when its own window is open.
    Case(
        "resident returns, own window still open",
        [("DEP", "2017-01-01"), ("ARR", "2017-01-20")],
        [(R, R, False, "2017-05-23"), (R, R, False, "2017-05-23")],
        initial=R,
        end="2017-06-01",
    ),
]

INITIAL_CASES = [
    # First crossing 366 days after the data start: abroad before it, so non-resident.
    Case(
        "derived from an arrival a year after the start",
        [("ARR", "2017-01-01")],
        [(N, R, True, "2018-01-01")],
        initial=None,
        start="2016-01-01",
        sources="first_crossing",
    ),
    # Exactly T = 365 days after the start still derives.
    Case(
        "derived at exactly T days",
        [("ARR", "2017-01-01")],
        [(N, R, True, "2018-01-01")],
        initial=None,
        start="2016-01-02",
        sources="first_crossing",
    ),
    # T - 1 days: unknown; the arrival still makes the person resident.
    Case(
        "not derivable at T - 1 days",
        [("ARR", "2017-01-01")],
        [(U, R, None, None)],
        initial=None,
        start="2016-01-03",
        sources="unknown",
    ),
    # Given wins over derivable: a resident returning is not an immigrant; final the
    # day of the arrival since nothing later matters.
    Case(
        "given wins over derived",
        [("ARR", "2017-01-01")],
        [(R, R, False, "2017-01-01")],
        initial=R,
        start="2016-01-01",
    ),
]

REPAIR_CASES = [
    # Missing departure imputed at the midpoint, 2018-01-01: the first arrival has
    # exactly 365 days in (final 2018-01-01); the imputed departure 365 days out
    # (emigration, final 2019-01-01); the second arrival is an immigration again.
    Case(
        "two arrivals in a row",
        [("ARR", "2017-01-01"), ("ARR", "2019-01-01")],
        [(N, R, True, "2018-01-01"), (N, R, True, "2020-01-01")],
        repairs=[None, "missing_dep_imputed"],
    ),
    # The copy follows the kept record; nothing is dropped.
    Case(
        "exact duplicate",
        [("ARR", "2017-01-01"), ("ARR", "2017-01-01"), ("DEP", "2017-01-11")],
        [(N, N, False, "2017-05-14"), (N, N, False, "2017-05-14"), (N, N, False, "2017-05-14")],
        repairs=[None, "duplicate", None],
    ),
    # Three arrivals: departures imputed on 2017-01-31 (61 // 2 = 30 days after the
    # first) and 2017-04-01 (59 // 2 = 29 days after the second). The last arrival stays,
    # so the first one has 30 + 29 days in, 61 out, and reaches 365 days in on
    # 2017-01-01 + 61 + 365 = 2018-03-03. The later arrivals, by a resident, change
    # nothing; their status before is final with the first arrival's.
    Case(
        "three arrivals in a row",
        [("ARR", "2017-01-01"), ("ARR", "2017-03-03"), ("ARR", "2017-05-01")],
        [(N, R, True, "2018-03-03"), (R, R, False, "2018-03-03"), (R, R, False, "2018-03-03")],
        repairs=[None, "missing_dep_imputed", "missing_dep_imputed"],
    ),
    # Outside the observation period on either side: unknown, flagged, and ignored by
    # the rule (no departure is imputed between the two arrivals).
    Case(
        "crossings outside the period",
        [("ARR", "2016-06-01"), ("ARR", "2017-01-01"), ("DEP", "2031-01-01")],
        [(U, U, None, None), (N, R, True, "2018-01-01"), (U, U, None, None)],
        start="2017-01-01",
        repairs=["outside_period", None, "outside_period"],
    ),
]

ALL_CASES = [
    *PUBLIC_CASES,
    *BOUNDARY_CASES,
    *SAME_DAY_CASES,
    *TRUNCATED_CASES,
    *INITIAL_CASES,
    *REPAIR_CASES,
]


def with_mirrors(cases: list[Case]) -> list[Case]:
    return [c for case in cases for c in (case, case.mirrored())]
