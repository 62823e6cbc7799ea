"""Friction pages: the ranked friction list (journey events by NPS points lost, funnel steps
by attempts lost, touchpoints by customers finding them hard, stages by customers unhappy
there; CSV export of each) and the evidence behind one friction point."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.friction import FrictionList, FrictionQuery, friction
from cxm.analytics.friction_dropoff import WINDOW_HOURS, DropOff
from cxm.analytics.friction_evidence import FrictionEvidence, friction_evidence
from cxm.analytics.journeys import OUTCOMES
from cxm.core.errors import CxmError, ValidationError
from cxm.ingest.models import CHANNELS
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language
from cxm.web.journey_pages import KNOWN_NAMES, _choices, _csv, _day, _run, _stores
from cxm.web.progress import computing, within

router = APIRouter(include_in_schema=False)
MAX_GIVEN = 10  # funnels given on the page
HARD_CES = 4  # answers up to this are not "easy" (measures.TOP_FROM["ces"] is 5)


def funnel_link(d: DropOff, filters: dict[str, str]) -> str:
    """The funnel page showing the step's funnel with the list's filters."""
    params = {"steps": "\n".join(d.funnel), "window_hours": f"{WINDOW_HOURS:g}"}
    skipped = ("funnels",)
    params.update({k: v for k, v in filters.items() if v and k not in skipped})
    if d.channel:
        params["channel"] = d.channel  # the funnel's own (a channel filter keeps only its own)
    return "/journeys/funnel?" + urlencode(params)


def responses_link(touchpoint: str, filters: dict[str, str]) -> str:
    """The responses page listing the touchpoint's hard CES answers (under the same store,
    segment, first touchpoint with its journey gap, and outcome)."""
    params = {"touchpoint": touchpoint, "kpi": "ces", "score_max": str(HARD_CES)}
    chosen = [(k, filters.get(k, "")) for k in ("store", "segment", "first", "outcome")]
    if filters.get("first"):
        chosen.append(("gap_days", filters.get("gap_days", "")))
    params |= {k: v for k, v in chosen if v}
    return "/responses?" + urlencode(params)


@router.get("/friction", response_class=HTMLResponse)
async def friction_page(
    request: Request,
    user: CurrentUser,
    store: str = "",
    since: str = "",
    until: str = "",
    format: str = "",
    section: str = "events",
    channel: str = "",
    funnels: str = "",
    segment: str = "",
    first: str = "",
    outcome: str = "",
    gap_days: int = 30,
) -> Response:
    lang = request_language(request, user.language)
    analytics = request.app.state.analytics
    given = tuple(line.strip() for line in funnels.splitlines() if line.strip())[:MAX_GIVEN]
    q = FrictionQuery(
        store=store.strip() or None,
        channel=channel.strip() if channel.strip() in CHANNELS else None,
        since=_day(since),
        until=_day(until),
        funnels=given,
        segment=segment.strip()[:64] or None,
        first=first.strip()[:100] or None,
        outcome=outcome.strip() if outcome.strip() in OUTCOMES else None,
        gap_days=gap_days if 1 <= gap_days <= 365 else 30,
    )
    org_id = user.organization_id
    error: str | None = None
    try:
        if format == "csv":  # a download waits for its figures
            found = await run_in_threadpool(_run, analytics, org_id, friction, q)
        else:
            ready = await within(
                request, ("friction-page", org_id, q), lambda: _run(analytics, org_id, friction, q)
            )
            if ready is None:
                return computing(request, user, "friction", "Friction points")
            found = ready
    except CxmError as exc:  # a funnel given with unknown steps
        found, error = FrictionList(), str(exc)
    if format == "csv":
        if section == "drop_offs":
            return _csv([asdict(d) for d in found.drop_offs.steps], "friction-drop-off")
        if section == "effort":
            return _csv([asdict(e) for e in found.effort.points], "friction-effort")
        if section == "emotion":
            return _csv([asdict(m) for m in found.emotion.points], "friction-emotion")
        return _csv([asdict(p) for p in found.points], "friction")
    stores = await run_in_threadpool(_stores, analytics, user.organization_id)
    choices = await run_in_threadpool(_choices, analytics, user.organization_id)
    filters = {"store": q.store or "", "since": since.strip(), "until": until.strip()}
    if q.channel:
        filters["channel"] = q.channel
    if q.segment:
        filters["segment"] = q.segment
    if q.first:
        filters["first"] = q.first
    if q.outcome:
        filters["outcome"] = q.outcome
    if q.first:  # the gap cuts the journeys of the first-touchpoint filter only
        filters["gap_days"] = str(q.gap_days)
    if given:
        filters["funnels"] = "\n".join(given)
    ctx = page_context(
        request,
        user,
        active="friction",
        r=found,
        stores=stores,
        channels=CHANNELS,
        segments=choices["segments"],
        touchpoints=sorted(choices["stage_of"]),
        outcomes=list(OUTCOMES),
        filters=filters,
        funnel_links=[funnel_link(d, filters) for d in found.drop_offs.steps],
        responses_links=[responses_link(e.touchpoint, filters) for e in found.effort.points],
        export_query=urlencode(filters),
        known_names=KNOWN_NAMES,
        error=error,
    )
    return render(request, "friction.html", ctx, lang, status_code=422 if error else 200)


@router.get("/friction/evidence", response_class=HTMLResponse)
async def friction_evidence_page(
    request: Request,
    user: CurrentUser,
    name: str = "",
    store: str = "",
    since: str = "",
    until: str = "",
    segment: str = "",
    first: str = "",
    outcome: str = "",
    gap_days: int = 30,
) -> Response:
    lang = request_language(request, user.language)
    q = FrictionQuery(
        store=store.strip() or None,
        since=_day(since),
        until=_day(until),
        segment=segment.strip()[:64] or None,
        first=first.strip()[:100] or None,
        outcome=outcome.strip() if outcome.strip() in OUTCOMES else None,
        gap_days=gap_days if 1 <= gap_days <= 365 else 30,
    )
    try:
        found = await run_in_threadpool(
            _evidence, request.app.state.analytics, user.organization_id, q, name.strip()[:100]
        )
    except ValidationError as exc:
        found = FrictionEvidence(name, 0, 0, 0, 0, message=str(exc))
    ctx = page_context(
        request,
        user,
        active="friction",
        e=found,
        filters={
            "store": q.store or "",
            "since": since.strip(),
            "until": until.strip(),
            "segment": q.segment or "",
            "first": q.first or "",
            "outcome": q.outcome or "",
            "gap_days": str(q.gap_days),
        },
        known_names=KNOWN_NAMES,
    )
    return render(request, "friction_evidence.html", ctx, lang)


def _evidence(analytics: Any, org_id: int, q: FrictionQuery, name: str) -> FrictionEvidence:
    with analytics.fresh() as con:
        return friction_evidence(con, org_id, q, name)
