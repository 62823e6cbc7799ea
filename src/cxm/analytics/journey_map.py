"""The journey map: its touchpoints (with how many journeys end at each), its main paths
(the top variants with their outcomes) and the drill-down to the customers behind one
directly-follows edge or one touchpoint.

An edge (source touchpoint, then target touchpoint, next in a journey) is taken by journeys
of some customers; this lists them (most passes first, then by customer id), with how often
and how long they took it, the NPS of the answers they gave (with its margin of error) and
their latest answers. A touchpoint's drill-down lists the customers whose journeys passed
through it, with the hours to their next touchpoint. The slowest edge, by median hours among
edges in at least ``min_share`` of journeys, is the map's worst edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cxm.analytics.journeys import Edge, JourneyQuery, Variant
from cxm.analytics.stats import nps, nps_groups

SHOWN_ANSWERS = 20


@dataclass(frozen=True)
class Node:
    step: str
    events: int
    journeys: int
    ends: int  # journeys whose last touchpoint this is
    end_share: float  # ends over journeys


@dataclass(frozen=True)
class Answer:
    customer_id: int
    completed_at: str  # organization time, minutes
    score: int


@dataclass(frozen=True)
class EdgeCustomer:
    customer_id: int
    passes: int
    median_hours: float | None


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
    answers: list[Answer] = field(default_factory=list)


def nodes(frame: pl.DataFrame, names: Mapping[int, str]) -> list[Node]:
    """Each touchpoint's events, journeys through it and journeys ending there."""
    if frame.height == 0:
        return []
    last = frame["journey"] != frame["journey"].shift(-1)
    marked = frame.select("journey", "step", last=last.fill_null(True))
    grouped = marked.group_by("step").agg(
        events=pl.len(), journeys=pl.col("journey").n_unique(), ends=pl.col("last").sum()
    )
    found = [
        Node(names[r["step"]], r["events"], r["journeys"], r["ends"], r["ends"] / r["journeys"])
        for r in grouped.iter_rows(named=True)
    ]
    return sorted(found, key=lambda n: (-n.events, n.step))


def load_map(analytics: Any, org_id: int, q: JourneyQuery) -> tuple[list[Edge], list[Node]]:
    """The directly-follows graph and its touchpoints, from one read of the journey store."""
    from cxm.analytics import journey_kernels

    frame, names = journey_kernels.load(analytics, org_id, q)
    return journey_kernels.dfg(frame, names), nodes(frame, names)


def load_map_and_paths(
    analytics: Any, org_id: int, q: JourneyQuery, top: int = 10
) -> tuple[list[Edge], list[Node], list[Variant]]:
    """The map's graph and touchpoints and its ``top`` variants with their outcomes (NPS,
    conversion, churn; ``variant_outcomes``), from one read of the journey store."""
    from cxm.analytics import journey_kernels
    from cxm.analytics.journey_store import sorted_events
    from cxm.analytics.variant_outcomes import top_variants

    with analytics.fresh() as con:
        events = sorted_events(analytics, org_id).with_row_index("row")
        frame, names = journey_kernels.read(con, events, org_id, q)
        paths = top_variants(con, org_id, q, events, frame, names, top)
    return journey_kernels.dfg(frame, names), nodes(frame, names), paths


def worst_edge(edges: Sequence[Edge], min_share: float = 0.01) -> Edge | None:
    """The slowest edge (median hours) among those in at least ``min_share`` of journeys."""
    common = [e for e in edges if e.share >= min_share]
    return max(common, key=lambda e: (e.median_hours, e.count), default=None)


def edge_customers(
    analytics: Any,
    org_id: int,
    q: JourneyQuery,
    source: str,
    target: str | None,
    limit: int = 200,
) -> EdgeCustomers:
    """The customers behind an edge, or (``target`` None) behind one touchpoint."""
    from cxm.analytics import journey_kernels

    frame, names = journey_kernels.load(analytics, org_id, q)
    ids = {code: i for i, code in names.items()}
    label = target or ""
    if frame.height == 0 or source not in ids or (target is not None and target not in ids):
        return EdgeCustomers(source, label, 0, 0)
    pairs = frame.select(
        "person",
        source=pl.col("step"),
        target=pl.col("step").shift(-1),
        hours=(pl.col("secs").shift(-1) - pl.col("secs")) / 3600,
        same=(pl.col("journey") == pl.col("journey").shift(-1)).fill_null(False),
    )
    if target is None:
        pairs = pairs.filter(pl.col("source") == ids[source]).with_columns(
            hours=pl.when(pl.col("same")).then(pl.col("hours"))
        )
    else:
        pairs = pairs.filter(
            pl.col("same") & (pl.col("source") == ids[source]) & (pl.col("target") == ids[target])
        )
    people = (
        pairs.group_by("person")
        .agg(passes=pl.len(), median_hours=pl.col("hours").median())
        .sort(["passes", "person"], descending=[True, False])
    )
    who = people["person"].to_list()
    rows: list[tuple[Any, ...]] = []
    if who:
        with analytics.fresh() as con:
            rows = con.con.execute(
                "SELECT coalesce(c.merged_into, c.id), strftime(r.completed_at_local, "
                "'%Y-%m-%d %H:%M'), a.value FROM survey_response r "
                "JOIN survey_answer a ON a.response_id = r.id "
                "JOIN customer c ON c.id = r.customer_id WHERE r.organization_id = ? "
                "AND a.kind = 'nps' AND coalesce(c.merged_into, c.id) IN (SELECT unnest(?)) "
                "ORDER BY r.completed_at DESC NULLS LAST, r.id DESC",
                [org_id, who],
            ).fetchall()
    scores = [int(r[2]) for r in rows]
    est = nps(*nps_groups(scores))
    return EdgeCustomers(
        source,
        label,
        people.height,
        pairs.height,
        [
            EdgeCustomer(
                int(r["person"]),
                int(r["passes"]),
                None if r["median_hours"] is None else float(r["median_hours"]),
            )
            for r in people.head(limit).iter_rows(named=True)
        ],
        len(scores),
        est.value,
        est.low,
        est.high,
        [Answer(int(r[0]), str(r[1] or ""), int(r[2])) for r in rows[:SHOWN_ANSWERS]],
    )
