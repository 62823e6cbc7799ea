"""JSON routes for surveys: list, import (cxm or SurveyJS JSON), export, personal links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticError
from starlette.concurrency import run_in_threadpool

from cxm.core.errors import ValidationError
from cxm.core.validation import faults_from
from cxm.surveys.links import DEFAULT_DAYS, LinkRequest, create_links
from cxm.surveys.service import (
    SurveyDocument,
    SurveySummary,
    export_survey,
    import_survey,
    list_surveys,
    live_version,
)
from cxm.web.bodies import json_body
from cxm.web.deps import ApiClient, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["surveys"])


class LinkIn(BaseModel):
    customer_id: int | None = None
    order: str | None = Field(None, description="The order's external id.")
    store: str | None = Field(None, description="A location code.")
    channel: str | None = None
    touchpoint: str | None = Field(None, description="A touchpoint code.")
    event: str | None = Field(None, description="The triggering event's message id.")
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    hidden: dict[str, str] | None = None


class LinksIn(BaseModel):
    links: Annotated[list[LinkIn], Field(min_length=1, max_length=10_000)]
    days: Annotated[int, Field(ge=1, le=365)] = DEFAULT_DAYS


class LinkOut(BaseModel):
    id: int
    token: str
    url: str


@router.get("/surveys", response_model=list[SurveySummary])
async def surveys(client: ApiClient, db: DbDep) -> list[SurveySummary]:
    return await run_in_threadpool(list_surveys, db, client.organization_id)


@router.post(
    "/surveys",
    response_model=SurveySummary,
    description="Import a survey: a cxm document `{code, name, kind, definition}`, or a bare "
    "cxm or SurveyJS definition with `?code=`. An unchanged definition is a no-op; a changed "
    "one adds a version (responses keep the version they answered). Faults name the JSON "
    "path and the question.",
)
async def import_route(
    request: Request,
    client: ApiClient,
    db: DbDep,
    settings: SettingsDep,
    code: str | None = None,
    name: str | None = None,
) -> JSONResponse:
    payload = await json_body(request, settings.max_body_bytes)
    summary = await run_in_threadpool(
        import_survey, db, client.organization_id, payload, code, name
    )
    return JSONResponse(summary.model_dump(), status_code=201 if summary.changed else 200)


@router.get("/surveys/{code}", response_model=SurveyDocument)
async def export_route(
    code: str, client: ApiClient, db: DbDep, version: Annotated[int | None, Query(ge=1)] = None
) -> SurveyDocument:
    return await run_in_threadpool(export_survey, db, client.organization_id, code, version)


@router.post(
    "/surveys/{code}/links",
    response_model=list[LinkOut],
    description="Personal links (signed tokens, single use, expiring after `days`) for "
    "customers, each tied to the order, store, touchpoint and event it asks about.",
)
async def links_route(
    code: str, request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> list[LinkOut]:
    payload: Any = await json_body(request, settings.max_body_bytes)
    try:
        body = LinksIn.model_validate(payload)
    except PydanticError as exc:
        raise ValidationError("The links request is not valid.", faults_from(exc, 0)) from exc
    requests = [LinkRequest(**link.model_dump()) for link in body.links]
    made = await run_in_threadpool(
        create_links, db, client.organization_id, code, requests, settings.secret_key, body.days
    )
    base = str(request.base_url).rstrip("/")
    return [LinkOut(id=i, token=t, url=f"{base}/t/{t}") for i, t in made]


class InviteeIn(BaseModel):
    customer_id: int | None = None
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+$")
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    order: str | None = None
    store: str | None = None
    touchpoint: str | None = None
    event: str | None = None


class InvitationsIn(BaseModel):
    invitees: Annotated[list[InviteeIn], Field(min_length=1, max_length=1_000)]
    fatigue_days: Annotated[int, Field(ge=0, le=365)] = 30
    cooldown_days: Annotated[int, Field(ge=0, le=3650)] = 90
    remind_after_days: Annotated[int | None, Field(ge=1, le=60)] = None


class DecisionOut(BaseModel):
    customer_id: int | None
    email: str | None
    status: str
    reason: str
    repeated: bool = False


@router.post(
    "/surveys/{code}/invitations",
    response_model=list[DecisionOut],
    description="E-mail invitations, each with a personal link and an unsubscribe link, sent "
    "by the job queue through the SMTP server of `CXM_SMTP_*` (status `queued`, then `sent` or "
    "`failed`). A customer is skipped when suppressed, invited to any survey within "
    "`fatigue_days`, or to this one within `cooldown_days`; every decision is recorded with "
    "its reason and returned. With `remind_after_days`, those who have not answered by then "
    "get one reminder.",
)
async def invitations_route(
    code: str, request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> list[DecisionOut]:
    from cxm.surveys.invitations import Invitee, Origin, Rules, invite

    payload: Any = await json_body(request, settings.max_body_bytes)
    try:
        body = InvitationsIn.model_validate(payload)
    except PydanticError as exc:
        raise ValidationError("The invitations request is not valid.", faults_from(exc, 0)) from exc
    made = await run_in_threadpool(
        invite, db, client.organization_id, code,
        [Invitee(**i.model_dump()) for i in body.invitees], str(request.base_url),
        Rules(body.fatigue_days, body.cooldown_days), None,
        Origin(remind_after_days=body.remind_after_days),
    )  # fmt: skip
    return [DecisionOut(**d.__dict__) for d in made]


@router.get(
    "/surveys/{code}/qr",
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
    description="A QR code for a store's counter: the survey's anonymous link with `store`.",
)
async def qr_route(
    code: str,
    request: Request,
    client: ApiClient,
    db: DbDep,
    store: str | None = None,
    format: Annotated[str, Query(pattern="^(svg|png)$")] = "svg",
) -> Response:
    from cxm.core.models import Organization
    from cxm.surveys.qr import counter_url, qr_image

    def make() -> bytes:
        with db.session() as s:
            org = s.get(Organization, client.organization_id)
            assert org is not None
            slug = org.slug
        live_version(db, client.organization_id, code)  # 404 for an unknown survey
        url = counter_url(str(request.base_url), slug, code, store)
        return qr_image(url, "png" if format == "png" else "svg")

    image = await run_in_threadpool(make)
    return Response(image, media_type="image/png" if format == "png" else "image/svg+xml")
