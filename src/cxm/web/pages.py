"""HTML pages for people: the overview, the parts still to come, static assets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from cxm.analytics.explorer import NPS_GROUPS
from cxm.analytics.kpis import nps_figures
from cxm.analytics.overview import Overview, load_overview
from cxm.analytics.periods import PERIOD
from cxm.analytics.voice import VoiceFilter, load_voice
from cxm.feedback.models import FEEDBACK_KINDS
from cxm.ingest.models import CHANNELS, STAGES
from cxm.text.accuracy import emotion_accuracy, sentiment_accuracy
from cxm.text.api import voice_file
from cxm.text.aspect_store import aspects_for
from cxm.text.backends import text_backend
from cxm.text.enrichment import last_run
from cxm.text.highlight import pieces
from cxm.text.labels import ALL_EMOTIONS, SENTIMENTS
from cxm.text.search import search_terms
from cxm.text.theme_store import evidence_for, load_taxonomy
from cxm.text.weak_labels import rating_agreement
from cxm.web.auth import CsrfFailed, CurrentUser, LoginRequired, login_redirect, page_context
from cxm.web.auth import router as auth_router
from cxm.web.i18n import HERE, render, request_language
from cxm.web.journey_pages import _stores
from cxm.web.navigation import NAVIGATION
from cxm.web.progress import computing, within

router = APIRouter(include_in_schema=False)


STARS = ("1", "2", "3", "4", "5")  # a rated review's stars (the Voice page's filter)
ORDER = {k: i for i, k in enumerate((*STAGES, *CHANNELS, "unmapped", "unknown"))}


def _chart_data(ov: Overview) -> dict[str, Any]:
    def series(rows: list[Any]) -> dict[str, Any]:
        weeks = sorted({r.week for r in rows})
        keys = sorted({r.key for r in rows}, key=lambda k: (ORDER.get(k, 99), k))
        index = {(r.week, r.key): r.count for r in rows}
        return {
            "labels": [w.isoformat() for w in weeks],
            "series": [{"name": k, "values": [index.get((w, k), 0) for w in weeks]} for k in keys],
        }

    return {
        "channel": series(ov.events_by_channel),
        "stage": series(ov.events_by_stage),
        "orders": series(ov.orders_by_week),
        "punctuality": {
            "labels": [p.week.isoformat() for p in ov.punctuality_by_week],
            "series": [
                {
                    "name": "on_time_share",
                    "values": [
                        round(100 * p.share, 1) if p.share is not None else None
                        for p in ov.punctuality_by_week
                    ],
                }
            ],
        },
    }


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, user: CurrentUser) -> Response:
    lang = request_language(request, user.language)
    analytics = request.app.state.analytics
    org_id = user.organization_id
    try:
        found = await within(
            request,
            ("overview-page", org_id),
            lambda: (load_overview(analytics, org_id), nps_figures(analytics, org_id)),
        )
    except Exception as exc:  # the page says what to do instead of a bare 500
        ctx = page_context(request, user, active="overview", problem=type(exc).__name__)
        return render(request, "error.html", ctx, lang, status_code=500)
    if found is None:
        return computing(request, user, "overview", "Overview")
    ov, nps = found
    ctx = page_context(
        request, user, active="overview", ov=ov, charts=_chart_data(ov), nps=nps[0] if nps else None
    )
    return render(request, "overview.html", ctx, lang)


@router.get("/voice", response_class=HTMLResponse)
async def voice(
    request: Request,
    user: CurrentUser,
    q: str = "",
    kind: str = "",
    category: str = "",
    language: str = "",
    sentiment: str = "",
    emotion: str = "",
    theme: str = "",
    page: int = 1,
    channel: str = "",
    stage: str = "",
    store: str = "",
    period: str = "",
    nps_group: str = "",
    rating: str = "",
    format: str = "",
) -> Response:
    lang = request_language(request, user.language)
    db, org_id = request.app.state.db, user.organization_id
    analytics = request.app.state.analytics
    taxonomy = await run_in_threadpool(load_taxonomy, db, org_id)
    stores = await run_in_threadpool(_stores, analytics, org_id)
    words, unread = (
        await run_in_threadpool(search_terms, db, org_id, q[:200]) if q.strip() else (None, ())
    )
    f = VoiceFilter(
        kind=kind if kind in FEEDBACK_KINDS else None,
        category=category or None,
        language=language if language in ("uk", "ru", "en") else None,
        sentiment=sentiment if sentiment in SENTIMENTS else None,
        emotion=emotion if emotion in (*ALL_EMOTIONS, "none") else None,
        page=max(1, min(page, 10_000)),
        theme=theme if theme in taxonomy.theme_keys() else None,
        words=words,
        unread_hits=unread,
        channel=channel if channel in CHANNELS else None,
        stage=stage if stage in (*STAGES, "unknown") else None,
        store=store if store in stores else None,
        period=period.strip() if PERIOD.match(period.strip()) else None,
        nps_group=nps_group if nps_group in NPS_GROUPS else None,
        rating=int(rating) if rating in STARS else None,
    )
    if format in ("csv", "xlsx"):  # the page's download links: every comment, not one page
        return await voice_file(analytics, org_id, f, format)
    data = await within(
        request, ("voice-page", org_id, f), lambda: load_voice(analytics, org_id, f)
    )
    if data is None:
        return computing(request, user, "voice", "Voice of the customer")
    found = await run_in_threadpool(evidence_for, db, org_id, [c.id for c in data.comments])
    read = await run_in_threadpool(aspects_for, db, org_id, [c.id for c in data.comments])
    run = await run_in_threadpool(last_run, db, org_id)  # texts the builtin model read instead
    agreement = await run_in_threadpool(rating_agreement, db, org_id)
    model = await run_in_threadpool(text_backend, request.app.state.settings, org_id)
    accuracy = await run_in_threadpool(emotion_accuracy, model)
    read_sentiment = await run_in_threadpool(sentiment_accuracy, model)
    marked = {
        c.id: pieces(
            c.text,
            found.get(c.id, {}).get("evidence", {}),
            c.sentiment,
            c.emotions,
            read.get(c.id, []),
        )
        for c in data.comments
    }
    query = urlencode(
        {
            k: v
            for k, v in (
                ("q", q),
                ("kind", kind),
                ("category", category),
                ("language", language),
                ("sentiment", sentiment),
                ("emotion", emotion),
                ("theme", theme),
                ("channel", f.channel),
                ("stage", f.stage),
                ("store", f.store),
                ("period", f.period),
                ("nps_group", f.nps_group),
                ("rating", str(f.rating or "")),
            )
            if v
        }
    )
    # A comment's theme links keep the other filters (not the search, nor the page).
    keep = urlencode(
        {k: v for k, v in (("kind", f.kind), ("language", f.language), ("channel", f.channel),
                           ("stage", f.stage), ("store", f.store), ("period", f.period),
                           ("nps_group", f.nps_group), ("rating", str(f.rating or ""))) if v}
    )  # fmt: skip
    categories = sorted(c for c in data.by_category if c != "-")
    ctx = page_context(
        request,
        user,
        active="voice",
        voice=data,
        f=f,
        kinds=FEEDBACK_KINDS,
        categories=categories,
        emotions=(*ALL_EMOTIONS, "none"),
        channels=CHANNELS,
        stages=(*STAGES, "unknown"),
        stores=stores,
        groups=NPS_GROUPS,
        stars=STARS,
        query=query,
        theme_query=keep + "&" if keep else "",
        q=q,
        taxonomy=taxonomy,
        theme_language=lang,
        marked=marked,
        aspects=read,
        fallbacks=(run or {}).get("fallbacks") or [],
        agreement=agreement,
        emotion_accuracy=accuracy,
        sentiment_accuracy=read_sentiment,
    )
    return render(request, "voice.html", ctx, lang)


def _coming_soon(slug: str) -> Any:
    async def page(request: Request, user: CurrentUser) -> Response:
        lang = request_language(request, user.language)
        item = next(i for i in NAVIGATION if i.slug == slug)
        return render(
            request, "coming_soon.html", page_context(request, user, active=slug, item=item), lang
        )

    return page


for _item in NAVIGATION:
    if not _item.ready:
        router.add_api_route(
            _item.path, _coming_soon(_item.slug), methods=["GET"], response_class=HTMLResponse
        )


def mount_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(auth_router)
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        lang = request_language(request)
        return render(request, "csrf.html", page_context(request, None), lang, status_code=403)
