"""Public JSON routes for answering surveys: a page of answers at a time, as the pages store it.

``/api/v1/answers/{token}`` answers a personal link (``/t/{token}``);
``/api/v1/answers/{org}/{code}`` answers a survey's anonymous link (``/s/{org}/{code}``),
followed between pages by a signed ``resume`` token. No API key: the link is the credential.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticError
from starlette.concurrency import run_in_threadpool

from cxm.core.db import Database
from cxm.core.errors import Conflict, CxmError, NotFound, ValidationError
from cxm.core.validation import faults_from
from cxm.surveys import limits
from cxm.surveys.answer_json import Submitted, submit_page
from cxm.surveys.answering import visible_questions
from cxm.surveys.links import LinkProblem
from cxm.surveys.page_views import count_view, source_of
from cxm.surveys.pages import CLIENT_LIMIT, LINK_LIMIT, RESUME_SALT, choose_language
from cxm.surveys.respondents import anonymous, due_page, language_of, personal, store_of
from cxm.surveys.responses import Respondent
from cxm.web.bodies import json_body
from cxm.web.deps import DbDep, SettingsDep
from cxm.web.problems import problem

router = APIRouter(prefix="/api/v1", tags=["answering"])
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown link or survey (problem+json)."},
    409: {"description": "Already answered, or another page is due (problem+json)."},
    410: {"description": "The link has expired (problem+json)."},
    422: {
        "description": "Faulty answers, each named in `errors`; the valid ones were stored and "
        "`response` says where the response stands (as a 200 answer would)."
    },
    429: {"description": "Too many submits from this link or client this minute."},
}


class AnswersIn(BaseModel):
    """One page of answers."""

    page: str | None = Field(
        None, description="The page answered; omitted: the page due. Another page: 409."
    )
    # Answers stored earlier for the page count as given, so a page may be sent in parts.
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="Question id to answer: a whole number (nps, csat, ces, rating), an "
        'option value (single), a list of them (multiple), a string (text), `{"row": '
        '"column"}` (matrix), `{"attribute": {"expectation": 6, "perception": 4}}` (paired).',
    )
    language: Language | None = Field(
        None,
        description="The respondent's language; omitted: the one the response began in, "
        "else the link's, else `Accept-Language`, else the survey's first.",
    )
    hidden: dict[str, str] | None = Field(
        None, description="Anonymous links: hidden fields (store, channel, ...), first page."
    )
    resume: str | None = Field(
        None, description="Anonymous links: the `resume` token of the previous answer."
    )
    website: str | None = Field(
        None, description="A form's honeypot: when filled, the page is not stored."
    )


# The body is read with a size limit (not by FastAPI), so its schema is stated here.
BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": AnswersIn.model_json_schema()}},
    }
}


class QuestionOut(BaseModel):
    id: str
    type: str
    required: bool


class PageOut(BaseModel):
    id: str
    questions: list[QuestionOut] = Field(description="The questions shown, by display logic.")


class ProgressOut(BaseModel):
    status: Literal["new", "partial", "complete"]
    language: str
    page: PageOut | None = Field(description="The page due; null when complete.")
    resume: str | None = None


class SubmittedOut(BaseModel):
    status: Literal["new", "partial", "complete"]
    next_page: str | None = Field(description="The page due now; null when complete.")
    stored: list[str] = Field(
        description="Question ids of this page with a stored answer (sent now or before)."
    )
    resume: str | None = Field(None, description="Anonymous links: send it with the next page.")


def _link_error(exc: LinkProblem) -> CxmError:
    if exc.reason == "expired":
        return CxmError("This survey link has expired.", [], 410, "Link expired")
    if exc.reason == "used":
        return Conflict("This survey link was already answered; it can be answered once.")
    return NotFound("No survey answers to this link (a mistyped or forged token?).")


def _busy() -> CxmError:
    return CxmError("Too many submits this minute; try again in a minute.", [], 429,
                    "Too many requests")  # fmt: skip


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt=RESUME_SALT)


def _resume(request: Request, r: Respondent, token: str | None) -> None:
    if not token:
        return
    try:
        version_id, response_id = _serializer(request).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise ValidationError("The resume token is not valid.") from exc
    if version_id != r.version_id:
        raise Conflict("The survey changed since this response began; start again.")
    r.response_id = int(response_id)


def _progress(db: Database, r: Respondent) -> tuple[str, PageOut | None]:
    index, state = due_page(db, r)
    status = "complete" if index is None else (state.status or "new")
    if index is None:
        return status, None
    page = r.definition.pages[index]
    shown = [QuestionOut(id=q.id, type=q.type, required=q.required)
             for q in visible_questions(page, state.values)]  # fmt: skip
    return status, PageOut(id=page.id, questions=shown)


async def _body(request: Request, max_bytes: int) -> AnswersIn:
    payload = await json_body(request, max_bytes)
    try:
        return AnswersIn.model_validate(payload)
    except PydanticError as exc:
        raise ValidationError("The answers are not valid JSON of the expected shape.",
                              faults_from(exc, 0)) from exc  # fmt: skip


async def _submit(
    request: Request, db: Database, r: Respondent, body: AnswersIn, rate: tuple[str, int]
) -> JSONResponse:
    begun = None if body.language else await run_in_threadpool(language_of, db, r.response_id)
    preferred = body.language or begun or r.language or None
    r.language = choose_language(request, r.definition, preferred)
    if body.website and body.website.strip():
        if not await run_in_threadpool(limits.hit, db, *rate):
            raise _busy()
        # A bot: acknowledged as done, nothing stored.
        return JSONResponse(SubmittedOut(status="complete", next_page=None, stored=[]).model_dump())
    try:
        done: Submitted = await run_in_threadpool(submit_page, db, r, body.answers, body.page, rate)
    except LinkProblem as exc:
        raise _link_error(exc) from exc
    except limits.RateLimited as exc:
        raise _busy() from exc
    resume = None
    if r.link is None and done.response_id is not None:
        resume = _serializer(request).dumps([r.version_id, done.response_id])
    out = SubmittedOut(status=done.status, next_page=done.next_page,
                       stored=done.stored, resume=resume)  # fmt: skip
    if done.faults:
        stored = f" The answers to {', '.join(done.stored)} were stored." if done.stored else ""
        detail = (
            f"{len(done.faults)} answer(s) of page {done.next_page!r} are not valid; "
            f"send them again.{stored}"
        )
        return problem(422, "Invalid answers", detail, done.faults, response=out.model_dump())
    return JSONResponse(out.model_dump())


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get(
    "/answers/{token}",
    response_model=ProgressOut,
    responses=PROBLEMS,
    description="Where a personal link's response stands: `new`, `partial` or `complete`, "
    "and the page due with the questions its display logic shows. No API key.",
)
async def personal_progress(request: Request, token: str, db: DbDep) -> ProgressOut:
    secret = request.app.state.settings.secret_key
    try:
        r = await run_in_threadpool(personal, db, secret, token)
    except LinkProblem as exc:
        raise _link_error(exc) from exc
    language = choose_language(request, r.definition, r.language or None)
    status, page = await run_in_threadpool(_progress, db, r)
    return ProgressOut(status=status, language=language, page=page)


@router.post(
    "/answers/{token}",
    response_model=SubmittedOut,
    responses=PROBLEMS,
    openapi_extra=BODY,
    description="Answer one page of a personal link (`/t/{token}`); no API key. Each page "
    "is stored at once (a partial response) and the last one completes the response; a link "
    "is answered once, so a second or concurrent completing submit gets `409`. Answers out "
    "of range, of the wrong type, hidden by display logic or for unknown questions give a "
    "`422` problem+json whose `errors` name each question (`id`) and answer (`field`) with "
    "the reason; the page's valid answers are stored all the same (`stored`) and the page "
    "stays due. An expired link gives `410`, an unknown one `404`; 30 submits a minute per "
    "link, shared with the HTML page.",
)
async def personal_submit(
    request: Request, token: str, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    body = await _body(request, settings.max_body_bytes)
    try:
        r = await run_in_threadpool(personal, db, settings.secret_key, token)
    except LinkProblem as exc:
        raise _link_error(exc) from exc
    return await _submit(request, db, r, body, ("link:" + token[:60], LINK_LIMIT))


@router.get(
    "/answers/{org}/{code}",
    response_model=ProgressOut,
    responses=PROBLEMS,
    description="A live survey's anonymous link (`/s/{org}/{code}`): the page due. Without "
    "`resume` this counts a page view, the base of the anonymous response rate (`via=widget` "
    "or `store` with `channel=store` set its source). No API key.",
)
async def anonymous_progress(
    request: Request,
    org: str,
    code: str,
    db: DbDep,
    resume: str | None = None,
    store: str | None = None,
    channel: str | None = None,
    via: Annotated[str | None, Query(pattern="^(widget|link)$")] = None,
) -> ProgressOut:
    query = {k: v for k, v in (("store", store), ("channel", channel), ("via", via)) if v}
    r = await run_in_threadpool(anonymous, db, org, code, query)
    _resume(request, r, resume)
    if resume is None:
        await run_in_threadpool(count_view, db, r.survey_id, source_of(query), None, None,
                                store_of(r))  # fmt: skip
    language = choose_language(request, r.definition, None)
    status, page = await run_in_threadpool(_progress, db, r)
    return ProgressOut(status=status, language=language, page=page)


@router.post(
    "/answers/{org}/{code}",
    response_model=SubmittedOut,
    responses=PROBLEMS,
    openapi_extra=BODY,
    description="Answer one page of a live survey's anonymous link; no API key. The first "
    "page may carry `hidden` fields (store, channel and the survey's own); the answer holds a "
    "`resume` token to send with each following page. Validation, partial responses and "
    "problem+json answers as for personal links; 60 submits a minute per client address and "
    "survey.",
)
async def anonymous_submit(
    request: Request, org: str, code: str, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    body = await _body(request, settings.max_body_bytes)
    r = await run_in_threadpool(anonymous, db, org, code, dict(body.hidden or {}))
    _resume(request, r, body.resume)
    rate = (f"survey:{r.survey_id}:{_client(request)}", CLIENT_LIMIT)
    return await _submit(request, db, r, body, rate)
