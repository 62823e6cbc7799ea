"""The portable Ibis journeys agree with the fast path: on DuckDB, and on PySpark local mode
(the directly-follows graph, variants and the funnel)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cxm.analytics.backend import Analytics
from cxm.analytics.funnels import Funnel, FunnelQuery, StepResult, funnel
from cxm.analytics.journey_kernels import FirstThroughput, Throughput, load_throughput
from cxm.analytics.journeys import (
    Edge,
    JourneyQuery,
    Variant,
    directly_follows,
    journey_events,
    load_dfg,
    load_variants,
    variants,
)
from cxm.analytics.portable import portable_dfg, portable_variants
from cxm.analytics.spark import export_parquet
from cxm.core.db import Database
from cxm.core.settings import Settings
from tests.analytics.engines import need_spark, spark_cli
from tests.analytics.test_journeys import _world
from tests.analytics.test_portable_funnel import same_funnel
from tests.analytics.test_portable_rework import _same_throughput
from tests.worlds import World

FUNNELS = (
    FunnelQuery(("web_cart", "web_order"), window_hours=72),
    FunnelQuery(("web_cart", "web_order"), window_hours=72, strict=True, channel="web"),
)
QUERIES = (
    JourneyQuery(),
    JourneyQuery(gap_days=7, store="KYIV-2", since=date(2026, 1, 1)),
    JourneyQuery(since=date(2026, 8, 1), until=date(2026, 9, 30)),
    JourneyQuery(split="order"),
    JourneyQuery(split="order", store="KYIV-2", since=date(2026, 1, 1), channel="contact_centre"),
)


def _same_edges(a: list[Edge], b: list[Edge]) -> None:
    assert [(e.source, e.target, e.count, e.journeys) for e in a] == [
        (e.source, e.target, e.count, e.journeys) for e in b
    ]
    for x, y in zip(a, b, strict=True):
        assert x.share == pytest.approx(y.share, rel=1e-12)
        assert x.median_hours == pytest.approx(y.median_hours, rel=1e-9, abs=1e-12)
        assert x.p90_hours == pytest.approx(y.p90_hours, rel=1e-9, abs=1e-12)


OUTCOME_COUNTS = ("respondents", "converted", "followed_up", "churned")
OUTCOME_FIGURES = (
    "nps", "nps_low", "nps_high", "conversion", "conversion_low", "conversion_high",
    "churn", "churn_low", "churn_high",
)  # fmt: skip


def _same_variants(a: list[Variant], b: list[Variant], outcomes: bool = False) -> None:
    assert [(v.steps, v.journeys) for v in a] == [(v.steps, v.journeys) for v in b]
    for x, y in zip(a, b, strict=True):
        assert x.median_days == pytest.approx(y.median_days, rel=1e-9, abs=1e-12)
        if outcomes:  # NPS, conversion and churn per variant, counts and intervals
            assert [getattr(x, f) for f in OUTCOME_COUNTS] == [
                getattr(y, f) for f in OUTCOME_COUNTS
            ], x.steps
            for f in OUTCOME_FIGURES:
                want = getattr(y, f)
                assert getattr(x, f) == (want and pytest.approx(want, rel=1e-9, abs=1e-12)), f


def _fast(analytics: Analytics, org: int, q: JourneyQuery) -> tuple[list[Edge], list[Variant]]:
    with analytics.fresh() as con:
        frame = journey_events(con, org, q)
    return directly_follows(frame), variants(frame)


def test_portable_path_by_hand_with_ties_and_gaps(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        edges = {(e.source, e.target): e for e in portable_dfg(con, org, JourneyQuery())}
        found = portable_variants(con, org, JourneyQuery())
        joined = portable_variants(con, org, JourneyQuery(gap_days=60))
    analytics.close()
    assert set(edges) == {("A", "B"), ("B", "C")}
    assert (edges[("A", "B")].count, edges[("A", "B")].journeys) == (2, 2)
    assert edges[("A", "B")].median_hours == pytest.approx(3.0)
    assert edges[("A", "B")].p90_hours == pytest.approx(3.8)
    assert edges[("B", "C")].median_hours == 0  # a tie in time, ordered by arrival
    assert [(v.steps, v.journeys) for v in found] == [
        (["A"], 1),
        (["A", "B"], 1),
        (["A", "B", "C"], 1),
    ]
    assert [v.steps for v in joined][0] in (["A", "B"], ["A", "B", "C", "A"])
    assert sorted(v.journeys for v in joined) == [1, 1]


def test_portable_duckdb_equals_the_fast_path_on_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        for q in QUERIES:
            fast_edges, fast_variants = _fast(analytics, org, q)
            # The journey store's kernels (the pages' path) agree with the frame path too.
            _same_edges(load_dfg(analytics, org, q), fast_edges)
            stored = load_variants(analytics, org, q)
            _same_variants(stored, fast_variants)
            with analytics.fresh() as con:
                _same_edges(portable_dfg(con, org, q), fast_edges)
                _same_variants(portable_variants(con, org, q), stored, outcomes=True)
            assert fast_edges and fast_variants
            assert sum(v.respondents for v in stored) and sum(v.converted for v in stored)
            if q.until is None:  # journeys ending 90 days before the data's end exist
                assert sum(v.followed_up for v in stored) and sum(v.churned for v in stored)
    finally:
        analytics.close()


@pytest.mark.spark
def test_pyspark_local_mode_equals_duckdb_on_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    need_spark()
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path / "duck"))
    try:
        counts = export_parquet(analytics, tmp_path / "parquet")
        expected = [_fast(analytics, org, q) for q in QUERIES]
        stored = [load_variants(analytics, org, q) for q in QUERIES]
        order_spans = load_throughput(analytics, org, QUERIES[3])
        with analytics.fresh() as con:
            fast_funnels = {q: funnel(con, org, q) for q in FUNNELS}
    finally:
        analytics.close()
    assert counts["event"] == small_world.summary.events
    # Spark runs in its own process, through the CLI a data team would use.
    for q, (fast_edges, _), kept in zip(QUERIES[:2], expected, stored, strict=False):
        options = ["--org-id", str(org), "--gap-days", str(q.gap_days), "--master", "local[2]"]
        if q.store:
            options += ["--store", q.store, "--since", "2026-01-01"]
        result = spark_cli(tmp_path / "parquet", options)
        _same_edges([Edge(**e) for e in result["dfg"]], fast_edges)
        _same_variants([Variant(**v) for v in result["variants"]], kept, outcomes=True)
    # Journeys by order cycle: the graph, variants with outcomes and throughput time.
    options = ["--org-id", str(org), "--split", "order", "--master", "local[2]"]
    result = spark_cli(tmp_path / "parquet", options)
    _same_edges([Edge(**e) for e in result["dfg"]], expected[3][0])
    _same_variants([Variant(**v) for v in result["variants"]], stored[3], outcomes=True)
    spans = result["throughput"]
    spans["by_first"] = [FirstThroughput(**f) for f in spans["by_first"]]
    _same_throughput(Throughput(**spans), order_spans)
    # The funnel, gaps allowed and strict, with its window, filters and breakdowns.
    for q in FUNNELS:
        options = ["--org-id", str(org), "--master", "local[2]", "--window-hours", "72"]
        options += [a for s in q.steps for a in ("--step", s)]
        options += ["--strict", "--channel", "web"] if q.strict else []
        body = spark_cli(tmp_path / "parquet", options, "funnel")
        body.pop("drop_offs")
        same_funnel(_funnel(body), fast_funnels[q])


def _funnel(body: dict[str, Any]) -> Funnel:
    def steps(rows: list[dict[str, Any]]) -> list[StepResult]:
        return [StepResult(**r) for r in rows]

    return Funnel(
        steps(body.pop("steps")),
        **{k: v for k, v in body.items() if not k.startswith("by_")},
        by_channel={g: steps(rows) for g, rows in body["by_channel"].items()},
        by_segment={g: steps(rows) for g, rows in body["by_segment"].items()},
    )
