"""The Themes page: themes with volume, sentiment, trend, emotions and NPS; discovered themes
to promote; the taxonomy to read and edit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.aspects import load_aspects
from cxm.analytics.themes import ThemeFilter, load_themes
from cxm.core.errors import ValidationError
from cxm.feedback.models import FEEDBACK_KINDS
from cxm.ingest.models import CHANNELS
from cxm.text.enrichment import queue_enrichment
from cxm.text.theme_store import discovered, load_taxonomy, promote, save_taxonomy
from cxm.web.auth import CsrfChecked, CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)
LANGUAGES = ("uk", "ru", "en")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def theme_filter(
    since: str = "", until: str = "", channel: str = "", language: str = "", kind: str = ""
) -> ThemeFilter:
    """The page's filter: a value outside the known channels, kinds and languages is
    ignored, as on the other pages."""
    return ThemeFilter(
        _day(since),
        _day(until),
        channel if channel in CHANNELS else None,
        language if language in LANGUAGES else None,
        kind if kind in FEEDBACK_KINDS else None,
    )


def _links(f: ThemeFilter) -> dict[str, str]:
    """The query strings the page's links carry: the comments of a theme keep the channel,
    kind and language (the Voice page has no from/to dates); its adjusted drivers on the
    Moments page keep the period (the driver analysis has no feedback channel or kind)."""
    voice = (("channel", f.channel), ("kind", f.kind), ("language", f.language))
    moments = (("since", f.since), ("until", f.until))
    return {
        "voice_query": urlencode([(k, str(v)) for k, v in voice if v]),
        "moments_query": urlencode([(k, str(v)) for k, v in moments if v]),
    }


def _page(
    request: Request, user: Any, f: ThemeFilter | None = None, status: int = 200, **extra: Any
) -> Response:
    lang = request_language(request, user.language)
    db, org_id = request.app.state.db, user.organization_id
    f = f or ThemeFilter()
    # Discovery takes a start date (no end, channel or kind): the page's "from" is passed on.
    start = datetime.combine(f.since, time(0), UTC) if f.since else None
    analytics = request.app.state.analytics
    with analytics.fresh():  # one sync for the page; each part reused until data change
        summary = load_themes(analytics, org_id, f)
        aspects = load_aspects(analytics, org_id, f)
        clusters = discovered(analytics, db, org_id, start)
    taxonomy = load_taxonomy(db, org_id)
    ctx = page_context(
        request, user, active="themes", summary=summary, aspects=aspects, taxonomy=taxonomy, f=f,
        clusters=clusters, theme_language=lang, channels=CHANNELS, kinds=FEEDBACK_KINDS,
        **_links(f),
        definition=extra.pop("definition", None)
        or json.dumps(taxonomy.as_dict(), ensure_ascii=False, indent=2),
        **extra,
    )  # fmt: skip
    return render(request, "themes.html", ctx, lang, status_code=status)


@router.get("/themes", response_class=HTMLResponse)
async def themes_page(
    request: Request,
    user: CurrentUser,
    since: str = "",
    until: str = "",
    channel: str = "",
    language: str = "",
    kind: str = "",
) -> Response:
    f = theme_filter(since, until, channel.strip(), language, kind.strip())
    return await run_in_threadpool(_page, request, user, f)


def _queue(request: Request, org_id: int) -> None:
    with request.app.state.db.writer() as conn:
        queue_enrichment(conn, org_id, request.app.state.settings.data_dir)


@router.post("/themes/promote", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def promote_page(
    request: Request,
    user: CurrentUser,
    theme: Annotated[str, Form()] = "",
    subtheme: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    keywords: Annotated[str, Form()] = "{}",
) -> Response:
    def run() -> Response:
        try:
            words = json.loads(keywords)
            promote(request.app.state.db, user.organization_id, theme.strip(), subtheme.strip(),
                    name.strip() or subtheme, words)  # fmt: skip
        except (ValueError, ValidationError) as exc:
            faults = getattr(exc, "faults", [])
            problem = "; ".join(f"{f.field}: {f.reason}" for f in faults) or str(exc)
            return _page(request, user, status=422, problem=problem)
        _queue(request, user.organization_id)
        return RedirectResponse("/themes?promoted=1", status_code=303)

    return await run_in_threadpool(run)


@router.post("/themes/taxonomy", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def taxonomy_page(
    request: Request, user: CurrentUser, definition: Annotated[str, Form()] = ""
) -> Response:
    def run() -> Response:
        try:
            save_taxonomy(request.app.state.db, user.organization_id, json.loads(definition),
                          note="Themes page")  # fmt: skip
        except (ValueError, ValidationError) as exc:
            faults = getattr(exc, "faults", [])
            problem = "; ".join(f"{f.field}: {f.reason}" for f in faults) or str(exc)
            return _page(request, user, status=422, problem=problem, definition=definition)
        _queue(request, user.organization_id)
        return RedirectResponse("/themes?saved=1", status_code=303)

    return await run_in_threadpool(run)
