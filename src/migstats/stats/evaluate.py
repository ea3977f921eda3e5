"""Every table against the synthetic country's truth: errors, coverage, goals.

The truth is opened as views in the frame's connection (``truth_person``,
``truth_crossing``, ``truth_status`` (``status_at``), ``truth_event``
(``migration_event``), ``truth_record``), never read by the pipeline itself. Each table
module may offer ``evaluate(frame, tables) -> list[Check]``; a :class:`Check` compares
one published value with the truth's, and carries the estimate's interval when there
is one, so interval coverage can be reported too.

>>> c = Check("1.1", "foreign citizens, census night", 101.0, 100.0, goal=0.02)
>>> round(c.relative_error, 3), c.meets_goal
(0.01, True)
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from migstats.stats.frame import StatFrame

__all__ = ["Check", "attach_truth", "checks_report"]

TRUTH_VIEWS = {
    "truth_person": "person",
    "truth_crossing": "crossing",
    "truth_status": "status_at",
    "truth_event": "migration_event",
    "truth_record": "record",
}


@dataclass(frozen=True)
class Check:
    """One published value against the truth.

    ``goal``: the largest relative error accepted (None: reported, no goal).
    ``lower``/``upper``: the estimate's interval, when it has one.
    """

    table_id: str
    what: str
    estimate: float
    truth: float
    goal: float | None = None
    lower: float | None = None
    upper: float | None = None

    @property
    def relative_error(self) -> float:
        if self.truth == 0:
            return 0.0 if self.estimate == 0 else math.inf
        return (self.estimate - self.truth) / self.truth

    @property
    def covered(self) -> bool | None:
        """Whether the interval covers the truth (None without an interval)."""
        if self.lower is None or self.upper is None:
            return None
        return self.lower <= self.truth <= self.upper

    @property
    def meets_goal(self) -> bool | None:
        if self.goal is None:
            return None
        ok = abs(self.relative_error) <= self.goal
        return ok and (self.covered is not False)


def attach_truth(frame: StatFrame, truth_dir: Path) -> None:
    """Open the truth tables of a synthetic country as ``truth_*`` views."""
    for view, name in TRUTH_VIEWS.items():
        path = truth_dir / f"{name}.parquet"
        if path.is_file():
            frame.con.execute(f"create or replace view {view} as select * from '{path}'")


def checks_report(checks: list[Check]) -> dict[str, Any]:
    """A JSON-ready summary: every check, and how many met their goal."""
    rows = []
    for c in checks:
        row = asdict(c)
        row["relative_error"] = c.relative_error
        row["covered"] = c.covered
        row["meets_goal"] = c.meets_goal
        rows.append(row)
    with_goal = [c for c in checks if c.goal is not None]
    intervals = [c for c in checks if c.covered is not None]
    return {
        "checks": rows,
        "goals_met": sum(bool(c.meets_goal) for c in with_goal),
        "goals": len(with_goal),
        "intervals_covering_truth": sum(bool(c.covered) for c in intervals),
        "intervals": len(intervals),
    }


def write_report(checks: list[Check], path: Path) -> Path:
    """Write :func:`checks_report` as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(checks_report(checks), indent=2, default=str) + "\n", "utf-8")
    return path
