"""Random travel histories with every kind of fault, for engine comparisons."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def random_crossings(persons: int, seed: int) -> pa.Table:
    """About 8 crossings a person over ~6 years: short trips and long stays, same-day
    crossings, missed records, copies, a few given initial statuses, in shuffled order."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 16, persons)
    n = int(counts.sum())
    person = np.repeat(np.arange(persons), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    gaps = np.where(rng.random(n) < 0.6, rng.integers(0, 30, n), rng.integers(0, 800, n))
    gaps[np.arange(n) == first] = 0
    start = np.repeat(rng.integers(0, 1500, persons), counts)
    day = 17_000 + start + np.cumsum(gaps) - np.cumsum(gaps)[first]
    position = np.arange(n) - first
    arrival = (position % 2 == 0) == np.repeat(rng.random(persons) < 0.5, counts)
    missed = rng.random(n) < 0.03
    arrival = np.where(missed, ~arrival, arrival)
    copy = rng.random(n) < 0.03
    person, day, arrival = (
        np.concatenate([person, person[copy]]),
        np.concatenate([day, day[copy]]),
        np.concatenate([arrival, arrival[copy]]),
    )
    given = rng.choice(np.array(["resident", "non_resident", ""]), persons, p=[0.2, 0.3, 0.5])
    order = rng.permutation(len(day))
    return pa.table(
        {
            "person_id": pa.array(person[order], pa.int64()),
            "crossing_date": pa.array(day[order].astype(np.int32)).cast(pa.date32()),
            "direction": np.where(arrival[order], "ARR", "DEP"),
            "initial_status": given[person[order]],
            "citizenship": np.where(person[order] % 5 == 0, "MDV", "BGD"),
        }
    )
