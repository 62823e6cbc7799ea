"""The funnel page: conversion through ordered steps, with drop-offs and a breakdown by the
attempts' channel or the customers' segment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.funnels import (
    BREAKDOWNS,
    MAX_STEPS,
    OUTCOME_GROUPS,
    Funnel,
    FunnelQuery,
    funnel,
)
from cxm.core.errors import CxmError
from cxm.ingest.models import CHANNELS
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language
from cxm.web.journey_pages import _day, _stores

router = APIRouter(include_in_schema=False)


def _segments(analytics: Any, org_id: int) -> list[str]:
    with analytics.fresh() as con:
        rows = con.con.execute(
            "SELECT DISTINCT segment FROM customer WHERE organization_id = ? "
            "AND segment IS NOT NULL ORDER BY segment",
            [org_id],
        ).fetchall()
    return [str(r[0]) for r in rows]


def _run(analytics: Any, org_id: int, q: FunnelQuery) -> Funnel:
    with analytics.fresh() as con:
        return funnel(con, org_id, q)


@router.get("/journeys/funnel", response_class=HTMLResponse)
async def funnel_page(
    request: Request,
    user: CurrentUser,
    steps: str = "",
    window_hours: str = "24",
    strict: str = "",
    store: str = "",
    channel: str = "",
    segment: str = "",
    since: str = "",
    until: str = "",
    by: str = "channel",
    first: str = "",
    outcome: str = "",
    gap_days: int = 30,
) -> Response:
    lang = request_language(request, user.language)
    analytics = request.app.state.analytics
    lines = [s.strip() for s in steps.splitlines() if s.strip()]
    by = by if by in BREAKDOWNS else "channel"
    found: Funnel | None = None
    error: str | None = None
    try:
        hours = float(window_hours.replace(",", "."))
    except ValueError:
        hours, error = 0.0, "The window must be a number of hours."
    if lines and error is None:
        q = FunnelQuery(
            tuple(lines[: MAX_STEPS + 1]),
            hours,
            strict == "1",
            store.strip() or None,
            channel.strip() or None,
            _day(since),
            _day(until),
            segment.strip() or None,
            first.strip()[:100] or None,
            outcome.strip() or None,
            gap_days if 1 <= gap_days <= 365 else 30,
        )
        try:
            found = await run_in_threadpool(_run, analytics, user.organization_id, q)
        except CxmError as exc:
            error = str(exc)
    stores = await run_in_threadpool(_stores, analytics, user.organization_id)
    segments = await run_in_threadpool(_segments, analytics, user.organization_id)
    worst = found.drop_offs()[0] if found and found.drop_offs() else None
    ctx = page_context(
        request,
        user,
        active="journeys",
        f=found,
        worst=worst,
        groups=found.breakdown(by) if found else {},
        error=error,
        stores=stores,
        segments=segments,
        channels=CHANNELS,
        max_steps=MAX_STEPS,
        filters={
            "steps": "\n".join(lines),
            "window_hours": window_hours.strip(),
            "strict": strict == "1",
            "store": store.strip(),
            "channel": channel.strip(),
            "segment": segment.strip(),
            "since": since.strip(),
            "until": until.strip(),
            "by": by,
            "first": first.strip(),
            "outcome": outcome.strip(),
            "gap_days": str(gap_days if 1 <= gap_days <= 365 else 30),
        },
        outcomes=OUTCOME_GROUPS,
    )
    return render(request, "journey_funnel.html", ctx, lang)
