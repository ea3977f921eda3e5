"""Linkage quality: pairwise precision and recall against a truth, weight summaries,
and the clerical review file of uncertain pairs.

Pairwise scores count pairs of items placed together: a predicted pair is true when
both items belong to the same truth entity. Counts come from cluster sizes in SQL
(``n * (n - 1) / 2`` per group), so no pair list is ever built.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

__all__ = ["PairwiseScores", "pairwise_scores", "weight_histogram", "write_review_file"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairwiseScores:
    """Pair counts and the scores derived from them.

    >>> s = PairwiseScores(true_positive=8, predicted=10, actual=16)
    >>> s.precision, s.recall, round(s.f1, 3)
    (0.8, 0.5, 0.615)
    """

    true_positive: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are true (1.0 when nothing is predicted)."""
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that are predicted (1.0 when there are none)."""
        return self.true_positive / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pairwise_scores(con: duckdb.DuckDBPyConnection, assignment: str) -> PairwiseScores:
    """Pairwise scores of ``assignment`` (columns ``item``, ``cluster``, ``entity``).

    ``cluster`` is the predicted group, ``entity`` the truth. Items with no truth
    entity must be left out by the caller.

    >>> con = duckdb.connect()
    >>> _ = con.execute("create table a as select * from (values (1,'x',10),(2,'x',10),"
    ...     "(3,'x',11),(4,'y',11)) v(item, cluster, entity)")
    >>> pairwise_scores(con, "a")
    PairwiseScores(true_positive=1, predicted=3, actual=2)
    """

    def pairs(group: str) -> int:
        sql = (
            f"select coalesce(sum(n * (n - 1) // 2), 0) from"
            f" (select count(*) as n from {assignment} group by {group})"
        )
        return int(con.sql(sql).fetchall()[0][0])

    return PairwiseScores(pairs("cluster, entity"), pairs("cluster"), pairs("entity"))


def write_review_file(
    con: duckdb.DuckDBPyConnection,
    predictions: str,
    path: Path,
    *,
    low: float,
    high: float,
    columns: tuple[str, ...],
) -> int:
    """Write the pairs with ``low <= match_weight < high`` as a clerical review CSV.

    The file has the pair ids, the match weight and probability, both sides of each
    compared field, and an empty ``is_match`` column for the reviewer (1, 0, or blank).
    Returns the number of pairs written.
    """
    sides = ", ".join(f'"{c}_l", "{c}_r"' for c in columns)
    con.execute(
        f"create or replace temp table review_pairs as select unique_id_l, unique_id_r,"
        f" round(match_weight, 2) as match_weight, round(match_probability, 4)"
        f" as match_probability, {sides}, null::integer as is_match from {predictions}"
        f" where match_weight >= {low} and match_weight < {high}"
        " order by match_weight, unique_id_l, unique_id_r"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"copy review_pairs to '{tmp}' (header, delimiter ',')")
    tmp.replace(path)
    count = int(con.sql("select count(*) from review_pairs").fetchall()[0][0])
    logger.info("%d uncertain pairs written for review to %s", count, path)
    return count


def weight_histogram(con: duckdb.DuckDBPyConnection, pairs: str) -> dict[int, int]:
    """Pairs of the ``pairs`` table by whole match weight (below -10 counted at -10)."""
    rows = con.sql(
        "select greatest(floor(match_weight)::int, -10), count(*)"
        f" from {pairs} group by 1 order by 1"
    ).fetchall()
    return {int(k): int(v) for k, v in rows}
