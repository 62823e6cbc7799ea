"""The response explorer page: filters, full text, each response's answers, CSV/Excel export."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.explorer import (
    NPS_GROUPS,
    PAGE_SIZE,
    SCORE_KINDS,
    ResponsePage,
    ResponseQuery,
    find_responses,
)
from cxm.analytics.explorer_api import Filters, export_response, query_from
from cxm.analytics.punctuality import GROUPS
from cxm.core.errors import ValidationError
from cxm.ingest.models import CHANNELS, STAGES
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)


@router.get("/responses", response_class=HTMLResponse)
async def responses_page(request: Request, user: CurrentUser, offset: int = 0) -> Response:
    lang = request_language(request, user.language)
    offset = max(offset, 0)
    faults = []
    try:
        q = query_from(request.query_params)
        page = await run_in_threadpool(
            find_responses, request.app.state.analytics, user.organization_id, q, offset
        )
    except ValidationError as exc:
        page, faults = ResponsePage(0, 0, []), exc.faults
        q = ResponseQuery()
    params = q.as_params()
    ctx = page_context(
        request,
        user,
        active="responses",
        q=q,
        page=page,
        faults=faults,
        query=urlencode(params),
        previous=urlencode(params | {"offset": str(max(offset - PAGE_SIZE, 0))}),
        following=urlencode(params | {"offset": str(offset + PAGE_SIZE)}),
        page_size=PAGE_SIZE,
        channels=CHANNELS,
        stages=STAGES,
        groups=NPS_GROUPS,
        kinds=SCORE_KINDS,
        answer_languages=("uk", "ru", "en"),
        deliveries=GROUPS,
    )
    return render(request, "responses.html", ctx, lang, status_code=422 if faults else 200)


@router.get("/responses/export")
async def responses_export(
    request: Request, user: CurrentUser, q: Filters, format: str = "csv"
) -> Response:
    fmt = format if format in ("csv", "xlsx") else "csv"
    return await export_response(request, user.organization_id, q, fmt)
