"""The rework page: contact loops about one order (with their NPS against the other orders'
and the comments filed), touchpoints journeys come back to, and channel switches, with the
journey map's store, period and journey-cut filters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.journeys import SPLITS
from cxm.analytics.rework import Rework, ReworkQuery, rework
from cxm.core.errors import CxmError
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language
from cxm.web.journey_pages import _day, _stores

router = APIRouter(include_in_schema=False)


def _whole(text: str, default: int, low: int, high: int) -> int:
    """A whole number from the form, or ``default`` when it is not one within low-high."""
    try:
        value = int(text)
    except ValueError:
        return default
    return value if low <= value <= high else default


@router.get("/journeys/rework", response_class=HTMLResponse)
async def rework_page(
    request: Request,
    user: CurrentUser,
    store: str = "",
    since: str = "",
    until: str = "",
    gap_days: str = "30",
    split: str = "gap",
    loop_contacts: str = "3",
) -> Response:
    lang = request_language(request, user.language)
    analytics = request.app.state.analytics
    q = ReworkQuery(
        gap_days=_whole(gap_days, 30, 1, 365),
        loop_contacts=_whole(loop_contacts, 3, 2, 20),
        store=store.strip() or None,
        since=_day(since),
        until=_day(until),
        split=split if split in SPLITS else "gap",
    )
    found: Rework | None = None
    error: str | None = None
    try:
        found = await run_in_threadpool(rework, analytics, user.organization_id, q)
    except CxmError as exc:
        error = str(exc)
    stores = await run_in_threadpool(_stores, analytics, user.organization_id)
    ctx = page_context(
        request,
        user,
        active="journeys",
        r=found,
        error=error,
        stores=stores,
        filters={
            "store": q.store or "",
            "since": since.strip(),
            "until": until.strip(),
            "gap_days": str(q.gap_days),
            "split": q.split,
            "loop_contacts": str(q.loop_contacts),
        },
    )
    return render(request, "journey_rework.html", ctx, lang)
