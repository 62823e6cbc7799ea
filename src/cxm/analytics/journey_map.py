"""The journey map's drill-down: the customers behind one directly-follows edge.

An edge (source touchpoint, then target touchpoint, next in a journey) is taken by journeys
of some customers; this lists them (most passes first, then by customer id), with how often
and how long they took it, and the NPS of the answers they gave (with its margin of error).
The slowest edge, by median hours among edges in at least ``min_share`` of journeys, is the
map's worst edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cxm.analytics.journeys import Edge, JourneyQuery
from cxm.analytics.stats import nps, nps_groups


@dataclass(frozen=True)
class EdgeCustomer:
    customer_id: int
    passes: int
    median_hours: float


@dataclass(frozen=True)
class EdgeCustomers:
    source: str
    target: str
    customers: int
    passes: int
    shown: list[EdgeCustomer] = field(default_factory=list)
    respondents: int = 0
    nps: float | None = None
    nps_low: float | None = None
    nps_high: float | None = None


def worst_edge(edges: Sequence[Edge], min_share: float = 0.01) -> Edge | None:
    """The slowest edge (median hours) among those in at least ``min_share`` of journeys."""
    common = [e for e in edges if e.share >= min_share]
    return max(common, key=lambda e: (e.median_hours, e.count), default=None)


def edge_customers(
    analytics: Any, org_id: int, q: JourneyQuery, source: str, target: str, limit: int = 200
) -> EdgeCustomers:
    from cxm.analytics import journey_kernels

    frame, names = journey_kernels.load(analytics, org_id, q)
    ids = {code: i for i, code in names.items()}
    if frame.height == 0 or source not in ids or target not in ids:
        return EdgeCustomers(source, target, 0, 0)
    pairs = frame.select(
        "person",
        source=pl.col("step"),
        target=pl.col("step").shift(-1),
        hours=(pl.col("secs").shift(-1) - pl.col("secs")) / 3600,
        same=pl.col("journey") == pl.col("journey").shift(-1),
    ).filter(pl.col("same") & (pl.col("source") == ids[source]) & (pl.col("target") == ids[target]))
    people = (
        pairs.group_by("person")
        .agg(passes=pl.len(), median_hours=pl.col("hours").median())
        .sort(["passes", "person"], descending=[True, False])
    )
    who = people["person"].to_list()
    scores: list[int] = []
    if who:
        with analytics.fresh() as con:
            rows = con.con.execute(
                "SELECT a.value FROM survey_response r "
                "JOIN survey_answer a ON a.response_id = r.id "
                "JOIN customer c ON c.id = r.customer_id WHERE r.organization_id = ? "
                "AND a.kind = 'nps' AND coalesce(c.merged_into, c.id) IN (SELECT unnest(?))",
                [org_id, who],
            ).fetchall()
        scores = [int(r[0]) for r in rows]
    est = nps(*nps_groups(scores))
    return EdgeCustomers(
        source,
        target,
        people.height,
        pairs.height,
        [
            EdgeCustomer(int(r["person"]), int(r["passes"]), float(r["median_hours"]))
            for r in people.head(limit).iter_rows(named=True)
        ],
        len(scores),
        est.value,
        est.low,
        est.high,
    )
