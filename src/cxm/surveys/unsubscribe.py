"""The unsubscribe page of invitation e-mails: confirm with a button (or one-click POST)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.core.errors import NotFound
from cxm.surveys.pages import RESPONDENT_LANGUAGES
from cxm.surveys.suppression import read_unsubscribe, suppress
from cxm.web.i18n import render

router = APIRouter(include_in_schema=False)


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang", "")
    if asked in RESPONDENT_LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in RESPONDENT_LANGUAGES:
            return code
    return "uk"


@router.get("/u/{token}", response_class=HTMLResponse)
async def confirm(request: Request, token: str) -> Response:
    # A GET never unsubscribes: mail scanners open links; people press the button.
    lang = _lang(request)
    try:
        _, email = read_unsubscribe(request.app.state.settings.secret_key, token)
    except NotFound:
        return render(request, "surveys/message.html", {"kind": "unknown"}, lang, 404)
    ctx = {"email": email, "done": False, "action": request.url.path}
    return render(request, "surveys/unsubscribe.html", ctx, lang)


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe(request: Request, token: str) -> Response:
    lang = _lang(request)
    try:
        org_id, email = read_unsubscribe(request.app.state.settings.secret_key, token)
    except NotFound:
        return render(request, "surveys/message.html", {"kind": "unknown"}, lang, 404)
    await run_in_threadpool(suppress, request.app.state.db, org_id, email)
    return render(request, "surveys/unsubscribe.html", {"email": email, "done": True}, lang)
