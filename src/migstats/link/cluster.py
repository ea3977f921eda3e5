"""Clustering scored pairs into entities (connected components at a threshold)."""

from __future__ import annotations

import logging
from typing import Any

import duckdb

__all__ = ["cluster_at_threshold", "cluster_edges"]

logger = logging.getLogger(__name__)


def cluster_at_threshold(
    con: duckdb.DuckDBPyConnection,
    linker: Any,
    predictions: Any,
    threshold_match_weight: float,
    *,
    table: str,
) -> int:
    """Create ``table`` (``unique_id``, ``cluster_id``) from Splink ``predictions``.

    Pairs at or above ``threshold_match_weight`` are links; clusters are the connected
    components (Splink's own SQL implementation). Returns the number of clusters.
    """
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_weight=threshold_match_weight
    )
    return _store(con, clusters.physical_name, table, threshold_match_weight)


def cluster_edges(
    con: duckdb.DuckDBPyConnection,
    nodes: str,
    edges: str,
    threshold_match_weight: float,
    *,
    table: str,
) -> int:
    """Create ``table`` (``unique_id``, ``cluster_id``) from an edge table of our own
    (``unique_id_l``, ``unique_id_r``, ``match_weight``), e.g. pairs after clerical
    labels were applied; ``nodes`` has ``unique_id``. Returns the number of clusters."""
    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    clusters = cluster_pairwise_predictions_at_threshold(
        nodes,
        edges,
        DuckDBAPI(connection=con),
        node_id_column_name="unique_id",
        edge_id_column_name_left="unique_id_l",
        edge_id_column_name_right="unique_id_r",
        threshold_match_weight=threshold_match_weight,
    )
    return _store(con, clusters.physical_name, table, threshold_match_weight)


def _store(
    con: duckdb.DuckDBPyConnection, clusters: str, table: str, threshold_match_weight: float
) -> int:
    con.execute(f"create or replace table {table} as select unique_id, cluster_id from {clusters}")
    count = int(con.sql(f"select count(distinct cluster_id) from {table}").fetchall()[0][0])
    logger.info("%d clusters at match weight >= %s", count, threshold_match_weight)
    return count
