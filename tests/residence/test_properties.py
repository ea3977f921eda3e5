"""Property tests: invariants of the rule on random travel histories (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migstats.residence import ResidenceRule, classify

from .oracle import Crossing, classify_person

EPOCH = dt.date(1970, 1, 1)
BASE = 17_000  # 2016-07-18, in days since 1970-01-01
STATUS = {1: "resident", 0: "non_resident", -1: "unknown"}
FLAG = {1: True, 0: False, -1: None}
RULES = [
    ResidenceRule(),
    ResidenceRule.option_a(),
    ResidenceRule(window_days=30, threshold_days=20),
]


@dataclass(frozen=True)
class World:
    """Some persons' crossings (in input order) and the observation period."""

    person: list[int]
    day: list[int]
    arrival: list[bool]
    initial: dict[int, int]  # person -> 1, 0, or -1 (not given)
    start: int
    end: int

    def table(self, order: list[int] | None = None) -> pa.Table:
        rows = order if order is not None else list(range(len(self.day)))
        names = {1: "resident", 0: "non_resident", -1: None}
        return pa.table(
            {
                "person_id": pa.array([self.person[i] for i in rows], pa.int64()),
                "crossing_date": pa.array([self.day[i] for i in rows], pa.int32()).cast(
                    pa.date32()
                ),
                "direction": ["ARR" if self.arrival[i] else "DEP" for i in rows],
                "initial_status": [names[self.initial[self.person[i]]] for i in rows],
            }
        )


@st.composite
def worlds(
    draw: st.DrawFn, errors: bool = True, given_initial: bool = False, far_end: bool = False
) -> World:
    n_persons = draw(st.integers(1, 4))
    person: list[int] = []
    day: list[int] = []
    arrival: list[bool] = []
    initial: dict[int, int] = {}
    for p in range(n_persons):
        initial[p] = draw(st.sampled_from([0, 1] if given_initial else [-1, 0, 1]))
        current = BASE + draw(st.integers(0, 400))
        going_in = draw(st.booleans())
        for _ in range(draw(st.integers(1, 8))):
            gap = draw(st.one_of(st.integers(0, 40), st.integers(0, 700)))
            current += gap
            # Mostly alternating; sometimes a missed record or a copy.
            if not (errors and draw(st.integers(0, 9)) == 0):
                going_in = not going_in
            person.append(p)
            day.append(current)
            arrival.append(going_in)
    # Interleave the persons' records, keeping each person's own order: shuffle who
    # owns each slot, then hand every person's records out to their slots in order.
    owners = draw(st.permutations(person))
    queues = {p: iter([i for i, q in enumerate(person) if q == p]) for p in set(person)}
    order = [next(queues[p]) for p in owners]
    person = [person[i] for i in order]
    day = [day[i] for i in order]
    arrival = [arrival[i] for i in order]
    start = min(day) - draw(st.integers(0, 500))
    end = max(day) + (900 if far_end else draw(st.integers(-300, 900)))
    return World(person, day, arrival, initial, start, max(end, start))


def run(world: World, rule: ResidenceRule, order: list[int] | None = None, end: int | None = None):
    return classify(
        world.table(order),
        rule,
        observation_start=EPOCH + dt.timedelta(days=world.start),
        observation_end=EPOCH + dt.timedelta(days=world.end if end is None else end),
    )


def rows(table: pa.Table) -> list[tuple[object, ...]]:
    return list(
        zip(
            table.column("res_status_before").to_pylist(),
            table.column("res_status_after").to_pylist(),
            table.column("is_long_term_migration").to_pylist(),
            table.column("date_final").to_pylist(),
            table.column("repair").to_pylist(),
            strict=True,
        )
    )


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(world=worlds(), rule=st.sampled_from(RULES))
def test_matches_a_literal_day_by_day_reading(world: World, rule: ResidenceRule) -> None:
    out = rows(run(world, rule))
    for p in set(world.person):
        mine = [i for i, q in enumerate(world.person) if q == p]
        expected, _ = classify_person(
            [Crossing(world.day[i], world.arrival[i]) for i in mine],
            world.initial[p],
            rule.window_days,
            rule.threshold_days,
            world.start,
            world.end,
        )
        for i, (before, after, long_term, final, repair) in zip(mine, expected, strict=True):
            date_final = EPOCH + dt.timedelta(days=final) if final is not None else None
            assert out[i] == (STATUS[before], STATUS[after], FLAG[long_term], date_final, repair)


@SETTINGS
@given(world=worlds(), rule=st.sampled_from(RULES), data=st.data())
def test_order_of_persons_does_not_matter(world: World, rule: ResidenceRule, data: st.DataObject):
    # Shuffle the persons' blocks while each person's records keep their own order.
    persons = data.draw(st.permutations(sorted(set(world.person))))
    rank = {p: k for k, p in enumerate(persons)}
    order = sorted(range(len(world.day)), key=lambda i: (rank[world.person[i]], i))
    shuffled = rows(run(world, rule, order))
    original = rows(run(world, rule))
    assert [original[i] for i in order] == shuffled


@SETTINGS
@given(world=worlds(), rule=st.sampled_from(RULES))
def test_status_after_one_crossing_is_status_before_the_next(world: World, rule: ResidenceRule):
    table = run(world, rule)
    out = rows(table)
    for p in set(world.person):
        mine = sorted(
            (i for i, q in enumerate(world.person) if q == p), key=lambda i: (world.day[i], i)
        )
        mine = [i for i in mine if out[i][4] != "outside_period"]
        for a, b in itertools.pairwise(mine):
            if out[b][4] in ("missing_dep_imputed", "missing_arr_imputed"):
                continue  # an imputed crossing sits between them
            assert out[a][1] == out[b][0]


@SETTINGS
@given(world=worlds(errors=False, given_initial=True, far_end=True), rule=st.sampled_from(RULES))
def test_far_observation_end_leaves_nothing_unknown(world: World, rule: ResidenceRule) -> None:
    # Every window ends by the last crossing + W - 1: all observed.
    end = max(world.day) + rule.window_days - 1
    out = rows(run(world, rule, end=end))
    assert all("unknown" not in r[:2] and r[2] is not None and r[3] is not None for r in out)


@SETTINGS
@given(world=worlds(errors=False), rule=st.sampled_from(RULES), later=st.integers(1, 900))
def test_later_observation_end_changes_no_decided_value(
    world: World, rule: ResidenceRule, later: int
) -> None:
    # Error-free histories: a record arriving later can reveal a missed crossing in a
    # faulty one, and the imputed crossing then revises earlier days (see repair.py).
    early = rows(run(world, rule))
    late = rows(run(world, rule, end=world.end + later))
    for i, (now, after_more_data) in enumerate(zip(early, late, strict=True)):
        if world.day[i] > world.end:
            continue  # not in the earlier data at all
        before, after, long_term, final, _ = now
        if before != "unknown":
            assert after_more_data[0] == before
        if after != "unknown":
            assert after_more_data[1] == after
        if long_term is not None:
            assert after_more_data[2] == long_term
        if final is not None:
            assert after_more_data[3] == final


@SETTINGS
@given(world=worlds(), rule=st.sampled_from(RULES))
def test_mirrored_history_mirrors_statuses(world: World, rule: ResidenceRule) -> None:
    mirror = World(
        world.person,
        world.day,
        [not a for a in world.arrival],
        {p: (1 - s if s >= 0 else s) for p, s in world.initial.items()},
        world.start,
        world.end,
    )
    swap = {"resident": "non_resident", "non_resident": "resident", "unknown": "unknown"}
    repairs = {
        "missing_dep_imputed": "missing_arr_imputed",
        "missing_arr_imputed": "missing_dep_imputed",
    }
    for a, b in zip(rows(run(world, rule)), rows(run(mirror, rule)), strict=True):
        assert (swap[a[0]], swap[a[1]], a[2], a[3], repairs.get(a[4] or "", a[4])) == b


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.window_days}-{r.threshold_days}")
def test_row_count_preserved_with_every_kind_of_repair(rule: ResidenceRule) -> None:
    world = World(
        person=[1, 1, 1, 1, 1, 1],
        day=[BASE, BASE, BASE + 50, BASE + 90, BASE - 400, BASE + 5000],
        arrival=[True, True, True, False, True, False],
        initial={1: 0},
        start=BASE - 10,
        end=BASE + 1000,
    )
    out = run(world, rule)
    assert out.num_rows == 6
    assert out.column("repair").to_pylist() == [
        None,
        "duplicate",
        "missing_dep_imputed",
        None,
        "outside_period",
        "outside_period",
    ]
