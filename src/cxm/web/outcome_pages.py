"""The outcome-per-path page: NPS, CSAT, comment sentiment, repeat purchase and churn of
orders by variant, or with and without an event, with the journey map's filters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.journeys import OUTCOMES
from cxm.analytics.outcomes import BUILT_IN, OutcomeQuery, Outcomes, outcomes
from cxm.core.errors import CxmError
from cxm.ingest.models import CHANNELS
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language
from cxm.web.journey_pages import _choices, _day, _stores

router = APIRouter(include_in_schema=False)


def _run(analytics: Any, org_id: int, q: OutcomeQuery) -> Outcomes:
    with analytics.fresh() as con:
        return outcomes(con, org_id, q)


@router.get("/journeys/outcomes", response_class=HTMLResponse)
async def outcomes_page(
    request: Request,
    user: CurrentUser,
    event: str = "",
    store: str = "",
    channel: str = "",
    since: str = "",
    until: str = "",
    segment: str = "",
    outcome: str = "",
    first: str = "",
) -> Response:
    lang = request_language(request, user.language)
    analytics = request.app.state.analytics
    filters = {
        "event": event.strip()[:100],
        "store": store.strip(),
        "channel": channel.strip() if channel.strip() in CHANNELS else "",
        "since": since.strip(),
        "until": until.strip(),
        "segment": segment.strip()[:64],
        "outcome": outcome.strip() if outcome.strip() in OUTCOMES else "",
        "first": first.strip()[:100],
    }
    q = OutcomeQuery(
        filters["event"] or None,
        store=filters["store"] or None,
        channel=filters["channel"] or None,
        since=_day(since),
        until=_day(until),
        segment=filters["segment"] or None,
        outcome=filters["outcome"] or None,
        first=filters["first"] or None,
    )
    found: Outcomes | None = None
    error: str | None = None
    try:
        found = await run_in_threadpool(_run, analytics, user.organization_id, q)
    except CxmError as exc:
        error = str(exc)
    stores = await run_in_threadpool(_stores, analytics, user.organization_id)
    choices = await run_in_threadpool(_choices, analytics, user.organization_id)
    ctx = page_context(
        request,
        user,
        active="journeys",
        found=found,
        error=error,
        stores=stores,
        channels=CHANNELS,
        built_in=BUILT_IN,
        filters=filters,
        segments=choices["segments"],
        touchpoints=sorted(choices["stage_of"]),
        outcomes=list(OUTCOMES),
    )
    return render(request, "journey_outcomes.html", ctx, lang)
