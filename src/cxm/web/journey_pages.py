"""Journey pages: the journey map (the directly-follows graph drawn with friction in colour,
the emotion curve, the main paths with their outcomes, filters, and drill-down to the
customers behind an edge or a touchpoint), and moments of truth (with CSV export)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.driver_intervals import request_intervals
from cxm.analytics.driver_targets import TARGETS
from cxm.analytics.drivers import BUILT_IN, DriverQuery, DriverResult, analyse
from cxm.analytics.emotion_curve import emotion_curve
from cxm.analytics.journey_map import edge_customers, load_map_and_paths, worst_edge
from cxm.analytics.journeys import OUTCOMES, SPLITS, JourneyQuery
from cxm.analytics.map_friction import MapFriction, load_map_friction
from cxm.analytics.quadrants import moment_quadrants
from cxm.core.errors import ValidationError
from cxm.ingest.models import CHANNELS, STAGES
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language
from cxm.web.journey_graph import layout
from cxm.web.progress import computing, within
from cxm.web.quadrant_chart import charts

KNOWN_NAMES = frozenset((*BUILT_IN, *STAGES))  # driver and stage names the catalogues translate

router = APIRouter(include_in_schema=False)
SHOWN_EDGES = 40
SHOWN_PATHS = 10


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _stores(analytics: Any, org_id: int) -> list[str]:
    with analytics.fresh() as con:
        rows = con.con.execute(
            "SELECT code FROM location WHERE organization_id = ? AND kind = 'store' ORDER BY code",
            [org_id],
        ).fetchall()
    return [str(r[0]) for r in rows]


def _query(
    store: str,
    since: str,
    until: str,
    gap_days: int,
    segment: str = "",
    channel: str = "",
    first: str = "",
    outcome: str = "",
    split: str = "",
) -> JourneyQuery:
    return JourneyQuery(
        gap_days=gap_days if 1 <= gap_days <= 365 else 30,
        store=store.strip() or None,
        since=_day(since),
        until=_day(until),
        segment=segment.strip()[:64] or None,
        channel=channel.strip() if channel.strip() in CHANNELS else None,
        first=first.strip()[:100] or None,
        outcome=outcome.strip() if outcome.strip() in OUTCOMES else None,
        split=split.strip() if split.strip() in SPLITS else "gap",
    )


def _filters(q: JourneyQuery) -> dict[str, str]:
    found = {
        "store": q.store or "",
        "since": q.since.isoformat() if q.since else "",
        "until": q.until.isoformat() if q.until else "",
        "gap_days": str(q.gap_days),
        "segment": q.segment or "",
        "channel": q.channel or "",
        "first": q.first or "",
        "outcome": q.outcome or "",
        "split": q.split,
    }
    found["query"] = urlencode(found)
    return found


def _choices(analytics: Any, org_id: int) -> dict[str, Any]:
    with analytics.fresh() as con:
        duck = con.con
        touchpoints = duck.execute(
            "SELECT code, stage FROM touchpoint WHERE organization_id = ? ORDER BY code", [org_id]
        ).fetchall()
        segments = duck.execute(
            "SELECT DISTINCT segment FROM customer WHERE organization_id = ? "
            "AND segment IS NOT NULL ORDER BY segment",
            [org_id],
        ).fetchall()
    return {
        "stage_of": {str(r[0]): str(r[1]) for r in touchpoints},
        "segments": [str(r[0]) for r in segments],
    }


def _map(analytics: Any, org_id: int, q: JourneyQuery) -> dict[str, Any]:
    edges, nodes, paths = load_map_and_paths(analytics, org_id, q, SHOWN_PATHS)
    choices = _choices(analytics, org_id)
    curve = emotion_curve(analytics, org_id, "stage", q.since, q.until, journeys=q) if edges else []
    shown = edges[:SHOWN_EDGES]
    worst = worst_edge(shown)
    medians = sorted(e.median_hours for e in shown)
    # What the friction list's sections flag under the same filters (cached on their own).
    marks = load_map_friction(analytics, org_id, q) if shown else MapFriction()
    return {
        "edges": shown,
        "total_edges": len(edges),
        "paths": paths,
        "worst": worst,
        "slow": medians[(3 * len(medians)) // 4] if medians else 0.0,
        "top": max((e.count for e in shown), default=1),
        "drawing": layout(shown, nodes, choices["stage_of"], worst, curve, marks)
        if shown
        else None,
        "curve": curve,
        "stores": _stores(analytics, org_id),
        "segments": choices["segments"],
        "touchpoints": sorted(choices["stage_of"]),
    }


@router.get("/journeys", response_class=HTMLResponse)
async def journey_map_page(
    request: Request,
    user: CurrentUser,
    store: str = "",
    since: str = "",
    until: str = "",
    gap_days: int = 30,
    segment: str = "",
    channel: str = "",
    first: str = "",
    outcome: str = "",
    split: str = "gap",
) -> Response:
    lang = request_language(request, user.language)
    q = _query(store, since, until, gap_days, segment, channel, first, outcome, split)
    analytics, org_id = request.app.state.analytics, user.organization_id
    # The map (graph, drawing, emotion curve) is reused while the synced data stay the same.
    key = ("journey-map", org_id, q)
    found = await within(
        request, key, lambda: analytics.cached(key, lambda: _map(analytics, org_id, q))
    )
    if found is None:
        return computing(request, user, "journeys", "Journey map")
    ctx = page_context(
        request,
        user,
        active="journeys",
        filters=_filters(q),
        channels=CHANNELS,
        outcomes=list(OUTCOMES),
        **found,
    )
    return render(request, "journeys.html", ctx, lang)


@router.get("/journeys/edge", response_class=HTMLResponse)
async def journey_edge_page(
    request: Request,
    user: CurrentUser,
    source: str,
    target: str = "",
    store: str = "",
    since: str = "",
    until: str = "",
    gap_days: int = 30,
    segment: str = "",
    channel: str = "",
    first: str = "",
    outcome: str = "",
    split: str = "gap",
) -> Response:
    """The customers behind an edge, or behind one touchpoint when no target is given."""
    lang = request_language(request, user.language)
    q = _query(store, since, until, gap_days, segment, channel, first, outcome, split)
    found = await run_in_threadpool(
        edge_customers,
        request.app.state.analytics,
        user.organization_id,
        q,
        source[:100],
        target[:100] or None,
    )
    ctx = page_context(request, user, active="journeys", e=found, filters=_filters(q))
    return render(request, "journey_edge.html", ctx, lang)


def _run(analytics: Any, org_id: int, fn: Any, q: Any) -> Any:
    """``fn``'s result for the query, reused while the synced data stay the same."""

    def compute() -> Any:
        with analytics.fresh() as con:
            return fn(con, org_id, q)

    return analytics.cached((fn.__module__, fn.__qualname__, org_id, q), compute)


def _csv(rows: list[dict[str, Any]], name: str) -> Response:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/moments", response_class=HTMLResponse)
async def moments_page(
    request: Request,
    user: CurrentUser,
    store: str = "",
    since: str = "",
    until: str = "",
    also: str = "",
    by: str = "stage",
    format: str = "",
    segment: str = "",
    first: str = "",
    outcome: str = "",
    gap_days: int = 30,
    all_orders: str = "",
    target: str = "nps",
) -> Response:
    lang = request_language(request, user.language)
    analytics = request.app.state.analytics
    extra = tuple(dict.fromkeys(c.strip() for c in also.split(",") if c.strip()))[:27]
    # Point estimates at once; the bootstrap runs as a background job (below).
    q = DriverQuery(
        drivers=(*BUILT_IN, *(c for c in extra if c not in BUILT_IN)),
        delivered_only=not all_orders,
        bootstrap=0,
        store=store.strip() or None,
        since=_day(since),
        until=_day(until),
        segment=segment.strip()[:64] or None,
        first=first.strip()[:100] or None,
        outcome=outcome.strip() if outcome.strip() in OUTCOMES else None,
        gap_days=gap_days if 1 <= gap_days <= 365 else 30,
        target=target if target in TARGETS else "nps",
    )
    org_id, per = user.organization_id, by if by == "store" else "stage"

    def figures() -> tuple[DriverResult, Any]:
        try:
            found = _run(analytics, org_id, analyse, q)
        except ValidationError as exc:
            found = DriverResult(0, None, None, [], [], str(exc))
        quads = analytics.cached(
            ("moment-quadrants", org_id, q, per),
            lambda: moment_quadrants(analytics, org_id, q, per),
        )
        return found, quads

    if format == "csv":  # a download waits for its figures
        found, quads = await run_in_threadpool(figures)
    else:
        ready = await within(request, ("moments-page", org_id, q, per), figures)
        if ready is None:
            return computing(request, user, "moments", "Moments of truth")
        found, quads = ready
    # The bootstrap intervals come from a cached background job: shown when it is done.
    found, intervals = await run_in_threadpool(
        request_intervals, request.app.state.db, analytics.path, user.organization_id, q, found
    )
    if format == "csv":
        return _csv(
            [{**asdict(d), "importance_method": found.importance_method} for d in found.drivers],
            "moments-of-truth",
        )
    stores = await run_in_threadpool(_stores, analytics, user.organization_id)
    choices = await run_in_threadpool(_choices, analytics, user.organization_id)
    q_axes, q_charts = charts(quads)
    ctx = page_context(
        request,
        user,
        active="moments",
        r=found,
        intervals=intervals,
        q=quads,
        q_axes=q_axes,
        q_charts=q_charts,
        stores=stores,
        segments=choices["segments"],
        touchpoints=sorted(choices["stage_of"]),
        outcomes=list(OUTCOMES),
        targets=list(TARGETS),
        known_names=KNOWN_NAMES,
        filters={
            "store": q.store or "",
            "since": since.strip(),
            "until": until.strip(),
            "also": ", ".join(extra),
            "segment": q.segment or "",
            "first": q.first or "",
            "outcome": q.outcome or "",
            "gap_days": str(q.gap_days),
            "all_orders": "" if q.delivered_only else "1",
            "target": q.target,
        },
    )
    page = render(request, "moments.html", ctx, lang)
    if intervals.status == "pending":
        page.headers["Refresh"] = "5"  # the browser asks again; no script needed
    return page
