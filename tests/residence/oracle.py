"""A literal, slow reading of the rule, to check the vectorised engine against.

One person at a time, one crossing at a time, one day at a time: the side of the border
on every observed day, then for each crossing the days on each side counted forward
from its date. It shares no code with migstats.residence: repairs, initial status,
three-valued statuses and date final are all written out again from the documented
rules (DOMAIN.md section 3 and the module docstrings).
"""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN = -1
Row = tuple[int, int, int, int | None, str | None]  # before, after, long-term, final, repair


@dataclass(frozen=True)
class Crossing:
    day: int
    arrival: bool


def classify_person(
    crossings: list[Crossing],  # in input order
    initial: int,  # 1 resident, 0 non-resident, -1 not given
    window: int,
    threshold: int,
    start: int,
    end: int,
) -> tuple[list[Row], str]:
    """Rows in input order: (before, after, long-term, date final, repair), and the
    initial status source."""
    order = sorted(range(len(crossings)), key=lambda i: (crossings[i].day, i))
    rows: dict[int, Row] = {}

    # Repairs: outside the period, copies, missing crossings (midpoint, rounded down).
    effective: list[tuple[Crossing, int | None]] = []  # (crossing, input index or None)
    kept_of: dict[int, int] = {}  # copy -> the kept input index it follows
    repair: dict[int, str | None] = {}
    previous: int | None = None
    for i in order:
        c = crossings[i]
        if not start <= c.day <= end:
            rows[i] = (UNKNOWN, UNKNOWN, UNKNOWN, None, "outside_period")
            continue
        repair[i] = None
        if previous is not None:
            p = crossings[previous]
            if p.day == c.day and p.arrival == c.arrival:
                kept_of[i] = kept_of.get(previous, previous)
                repair[i] = "duplicate"
                previous = i
                continue
            if p.arrival == c.arrival:
                middle = p.day + (c.day - p.day) // 2
                effective.append((Crossing(middle, not c.arrival), None))
                repair[i] = "missing_dep_imputed" if c.arrival else "missing_arr_imputed"
        effective.append((c, i))
        previous = i

    # Initial status.
    if initial >= 0:
        status, source = initial, "given"
    elif effective and effective[0][0].day - start >= threshold:
        status, source = (0 if effective[0][0].arrival else 1), "first_crossing"
    else:
        status, source = UNKNOWN, "unknown"

    # The side of the border on every observed day, from the first crossing on.
    if effective:
        first = effective[0][0].day
        side = {}
        for k, (c, _) in enumerate(effective):
            stop = effective[k + 1][0].day if k + 1 < len(effective) else end + 1
            for day in range(c.day, stop):
                side[day] = c.arrival  # a later crossing the same day overwrites
    else:
        first = start

    state, state_final = status, None  # final date of `state` (None: from the start)
    results: dict[int, tuple[int, int, int, int | None, int | None]] = {}
    for c, index in effective:
        outcome, decided_on = UNKNOWN, None
        new_side = wrong_side = 0
        for day in range(c.day, min(c.day + window, end + 1)):
            in_country = side[day] if day >= first else None
            if in_country == c.arrival:
                new_side += 1
            else:
                wrong_side += 1
            if new_side >= threshold:
                outcome, decided_on = 1, day + 1
                break
            if wrong_side > window - threshold:
                outcome, decided_on = 0, day + 1
                break
        before, before_final = state, state_final
        own = 1 if c.arrival else 0
        if before == own:  # not in the migrating direction: nothing can change
            after, long_term, after_final = own, 0, before_final
        elif outcome == 1:
            after, after_final = own, decided_on
            long_term = 1 if before == 1 - own else UNKNOWN
        elif outcome == 0:
            after, long_term = before, 0
            after_final = _latest(decided_on, before_final) if before >= 0 else None
        else:
            after, long_term, after_final = UNKNOWN, UNKNOWN, None
        decided = before >= 0 and after >= 0 and long_term >= 0
        final = _latest(c.day, _latest(after_final, before_final)) if decided else None
        if index is not None:
            results[index] = (before, after, long_term, final, after_final)
        state, state_final = after, after_final

    for i in order:
        if i in rows:
            continue
        if i in kept_of:
            _, after, _, _, after_final = results[kept_of[i]]
            final = _latest(crossings[i].day, after_final) if after >= 0 else None
            rows[i] = (after, after, 0, final, "duplicate")
        else:
            before, after, long_term, final, _ = results[i]
            rows[i] = (before, after, long_term, final, repair[i])
    return [rows[i] for i in range(len(crossings))], source


def _latest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
