"""Public answering pages: one page of questions per screen, plain HTML forms, no script needed.

``/s/{org}/{code}`` is a survey's anonymous link (hidden fields from the query string, the
response followed in the signed session cookie); ``/t/{token}`` is a personal link. Each
submitted page is stored at once, so a respondent can leave and come back.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from cxm.core.db import Database
from cxm.surveys import limits
from cxm.surveys.answering import next_page, option_order, read_page, visible_questions
from cxm.surveys.definition import Definition
from cxm.surveys.links import LinkProblem
from cxm.surveys.page_views import count_view, source_of
from cxm.surveys.respondents import anonymous, due_page, personal, store_of
from cxm.surveys.responses import Respondent, save_page
from cxm.web.i18n import render

router = APIRouter(include_in_schema=False)
RESPONDENT_LANGUAGES = ("uk", "ru", "en")
HONEYPOT = "website"
RESUME_SALT = "cxm-survey-resume"
LINK_LIMIT = 30  # posts per minute on one personal link
CLIENT_LIMIT = 60  # posts per minute from one client to one anonymous survey


def choose_language(request: Request, d: Definition, preferred: str | None) -> str:
    """The ?lang= choice, else the session's, else the link's, else the browser's."""
    offered = [lang for lang in d.languages if lang in RESPONDENT_LANGUAGES] or d.languages
    asked = request.query_params.get("lang")
    for choice in (asked, request.session.get("survey_lang"), preferred):
        if choice in offered:
            if asked in offered:
                request.session["survey_lang"] = asked
            return str(choice)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in offered:
            return code
    return offered[0]


def _tr(lang: str) -> Any:
    def tr(texts: dict[str, str] | None, fallback: str = "") -> str:
        if not texts:
            return fallback
        return texts.get(lang) or next(iter(texts.values()), fallback)

    return tr


def _message(request: Request, lang: str, kind: str, status: int) -> HTMLResponse:
    return render(request, "surveys/message.html", {"kind": kind}, _ui(lang), status_code=status)


def _problem(request: Request, exc: LinkProblem) -> HTMLResponse:
    lang = _ui(request.query_params.get("lang") or request.session.get("survey_lang") or "uk")
    return _message(request, lang, exc.reason, 404 if exc.reason == "unknown" else 410)


def _ui(lang: str) -> str:
    return lang if lang in RESPONDENT_LANGUAGES else "en"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _form(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def _session_key(r: Respondent) -> str:
    return f"survey_{r.version_id}"


def _page(
    request: Request,
    r: Respondent,
    index: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    d = r.definition
    page = d.pages[index]
    seed = str(r.link.id if r.link else request.session.get("survey_seed", ""))
    questions = []
    for q in visible_questions(page, values):
        options = (
            option_order(q.options, q.randomize, f"{seed}:{q.id}") if hasattr(q, "options") else []
        )
        questions.append({"q": q, "options": options})
    switch = {code: "?" + urlencode({"lang": code}) for code in d.languages}
    ctx = {
        "d": d,
        "page": page,
        "questions": questions,
        "values": values,
        "errors": errors,
        "tr": _tr(r.language),
        "switch": switch,
        "respondent_lang": r.language,
        "step": index + 1,
        "steps": len(d.pages),
        "last": index == len(d.pages) - 1,
        "honeypot": HONEYPOT,
        "action": _here(request, r),
    }
    return render(request, "surveys/page.html", ctx, _ui(r.language), status_code=status)


def _here(request: Request, r: Respondent) -> str:
    """This page's address with its hidden fields and the chosen language.

    In the website widget the page lives in another site's frame, where browsers withhold
    the session cookie, so an anonymous response is followed by a signed ``resume`` token.
    """
    query = {**r.hidden, "lang": r.language}
    if request.query_params.get("via") == "widget":
        query["via"] = "widget"
        if r.response_id is not None:
            query["resume"] = _resume_token(request, r, r.response_id)
    return request.url.path + "?" + urlencode(query)


def _resume_token(request: Request, r: Respondent, response_id: int) -> str:
    secret = request.app.state.settings.secret_key
    return URLSafeSerializer(secret, salt=RESUME_SALT).dumps([r.version_id, response_id])


def _resumed(request: Request, r: Respondent) -> int | None:
    token = request.query_params.get("resume")
    if not token:
        return None
    secret = request.app.state.settings.secret_key
    try:
        version_id, response_id = URLSafeSerializer(secret, salt=RESUME_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(response_id) if version_id == r.version_id else None


def _current(db: Database, request: Request, r: Respondent) -> tuple[int | None, Any]:
    if r.link is None:
        rid = request.session.get(_session_key(r)) or _resumed(request, r)
        r.response_id = int(rid) if rid else None
    return due_page(db, r)


async def _get(request: Request, build: Any, preferred_language: bool = True) -> Response:
    db: Database = request.app.state.db
    try:
        r = await run_in_threadpool(build, db)
    except LinkProblem as exc:
        return _problem(request, exc)
    r.language = choose_language(request, r.definition, r.language or None)
    if "survey_seed" not in request.session:
        request.session["survey_seed"] = secrets.token_hex(8)
    seen = f"survey_view_{r.survey_id}"
    view = None
    if r.link is None and not request.session.get(seen) and "resume" not in request.query_params:
        # A first look at an anonymous link, the base of its response rate: counted after the
        # page is sent, so the visitor never waits for the write.
        request.session[seen] = 1
        view = BackgroundTask(count_view, db, r.survey_id, source_of(dict(request.query_params)),
                              store=store_of(r))  # fmt: skip
    index, state = await run_in_threadpool(_current, db, request, r)
    shown = (
        _message(request, r.language, "done", 200)
        if index is None
        else _page(request, r, index, state.values, {})
    )
    shown.background = view
    return shown


async def _post(request: Request, build: Any, key: str) -> Response:
    db: Database = request.app.state.db
    try:
        r = await run_in_threadpool(build, db)
    except LinkProblem as exc:
        return _problem(request, exc)
    r.language = choose_language(request, r.definition, r.language or None)
    rate = (key.format(survey=r.survey_id), LINK_LIMIT if r.link else CLIENT_LIMIT)

    async def over_limit() -> bool:
        # Posts that store nothing are counted on their own; a stored page counts in its save.
        return not await run_in_threadpool(limits.hit, db, *rate)

    form = await _form(request)
    if any(v.strip() for v in form.get(HONEYPOT, [])):
        if await over_limit():
            return _message(request, r.language, "slow_down", 429)
        return _message(request, r.language, "thanks", 200)  # a bot: thanked, not stored
    index, state = await run_in_threadpool(_current, db, request, r)
    if index is None:
        return _message(request, r.language, "used" if r.link else "done", 409 if r.link else 200)
    posted = (form.get("page") or [""])[0]
    result = read_page(r.definition.pages[index], form, state.values)
    if posted != r.definition.pages[index].id or result.errors:
        if await over_limit():
            return _message(request, r.language, "slow_down", 429)
        if posted != r.definition.pages[index].id:
            # A stale tab or a replayed form: show the page that is due, losing nothing stored.
            return RedirectResponse(_here(request, r), 303)
        shown = {**state.values, **result.values, **_raw(form)}
        return _page(request, r, index, shown, result.errors, status=422)
    merged = {**state.values, **result.values}
    following = next_page(r.definition, index, merged)
    following_id = r.definition.pages[following].id if following is not None else None
    try:
        rid = await run_in_threadpool(
            save_page, db, r, index, result.values, following_id, None, rate
        )
    except LinkProblem:
        return _message(request, r.language, "used", 409)
    except limits.RateLimited:
        return _message(request, r.language, "slow_down", 429)
    if r.link is None:
        request.session[_session_key(r)] = rid
        r.response_id = rid
    if following is None:
        return _message(request, r.language, "thanks", 200)
    return RedirectResponse(_here(request, r), 303)


def _raw(form: dict[str, list[str]]) -> dict[str, Any]:
    """What was typed, keyed like answers, so a page that fails validation keeps it."""
    out: dict[str, Any] = {}
    for key, values in form.items():
        if key.startswith("q_") and "__" not in key:
            out[key[2:]] = values if len(values) > 1 else values[0]
    return out


@router.get("/s/{org}/{code}", response_class=HTMLResponse)
async def anonymous_page(request: Request, org: str, code: str) -> Response:
    query = dict(request.query_params)
    return await _get(request, lambda db: anonymous(db, org, code, query))


@router.post("/s/{org}/{code}", response_class=HTMLResponse)
async def anonymous_submit(request: Request, org: str, code: str) -> Response:
    query = dict(request.query_params)
    key = "survey:{survey}:" + _client(request)
    return await _post(request, lambda db: anonymous(db, org, code, query), key)


@router.get("/t/{token}", response_class=HTMLResponse)
async def personal_page(request: Request, token: str) -> Response:
    secret = request.app.state.settings.secret_key
    return await _get(request, lambda db: personal(db, secret, token))


@router.post("/t/{token}", response_class=HTMLResponse)
async def personal_submit(request: Request, token: str) -> Response:
    secret = request.app.state.settings.secret_key
    key = "link:" + token[:60]
    return await _post(request, lambda db: personal(db, secret, token), key)
