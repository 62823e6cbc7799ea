"""The Surveys page for staff: the list, a preview of every page in each language, JSON import."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.core.errors import CxmError
from cxm.surveys.pages import RESPONDENT_LANGUAGES
from cxm.surveys.service import export_survey, import_survey, list_surveys, live_version
from cxm.web.auth import CsrfChecked, CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)


def _list(request: Request, user: Any, status: int = 200, **extra: Any) -> HTMLResponse:
    lang = request_language(request, user.language)
    found = list_surveys(request.app.state.db, user.organization_id)
    ctx = page_context(request, user, active="surveys", surveys=found, **extra)
    return render(request, "surveys/list.html", ctx, lang, status_code=status)


@router.get("/surveys", response_class=HTMLResponse)
async def surveys_page(request: Request, user: CurrentUser) -> Response:
    return await run_in_threadpool(_list, request, user)


@router.post("/surveys", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def import_page(
    request: Request,
    user: CurrentUser,
    document: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    def run() -> HTMLResponse:
        try:
            raw = json.loads(document)
        except json.JSONDecodeError as exc:
            return _list(request, user, 422, problem=f"JSON: {exc}", faults=[], document=document)
        try:
            summary = import_survey(
                request.app.state.db, user.organization_id, raw, code or None, name or None
            )
        except CxmError as exc:
            return _list(request, user, 422, problem=exc.detail, faults=exc.faults,
                         document=document, code=code, name=name)  # fmt: skip
        return _list(request, user, imported=summary)

    return await run_in_threadpool(run)


@router.get("/surveys/{code}/preview", response_class=HTMLResponse)
async def preview_page(
    request: Request, user: CurrentUser, code: str, p: int = 0, lang: str = ""
) -> Response:
    ui = request_language(request, user.language)

    def load() -> Any:
        return live_version(request.app.state.db, user.organization_id, code)

    try:
        survey, version, d = await run_in_threadpool(load)
    except CxmError as exc:
        return await run_in_threadpool(_list, request, user, 404, problem=exc.detail, faults=[])
    shown = lang if lang in d.languages else d.languages[0]
    index = max(0, min(p, len(d.pages) - 1))
    page = d.pages[index]

    def tr(texts: dict[str, str] | None, fallback: str = "") -> str:
        return (texts or {}).get(shown) or fallback

    ctx = page_context(
        request, user, active="surveys", survey=survey, version=version, d=d, page=page,
        index=index, shown=shown, tr=tr, respondent_languages=RESPONDENT_LANGUAGES,
    )  # fmt: skip
    return render(request, "surveys/preview.html", ctx, ui)


@router.get("/surveys/{code}/export")
async def export_page(request: Request, user: CurrentUser, code: str) -> Response:
    doc = await run_in_threadpool(
        export_survey, request.app.state.db, user.organization_id, code, None
    )
    return JSONResponse(
        doc.model_dump(),
        headers={"content-disposition": f'attachment; filename="{doc.code}.json"'},
    )
