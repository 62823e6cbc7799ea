"""The Settings page (administrators only): touchpoints and their rules, API keys, users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from cxm.core.auth import (
    ROLES,
    USER_LANGUAGES,
    create_api_key,
    create_user,
    list_api_keys,
    list_users,
    revoke_api_key,
)
from cxm.core.errors import CxmError, Fault, ValidationError
from cxm.core.models import User
from cxm.ingest.catalogue import (
    RuleIn,
    TouchpointIn,
    create_rule,
    create_touchpoint,
    list_touchpoints,
    remap_unmapped,
)
from cxm.ingest.models import CHANNELS, Event, Location
from cxm.web.auth import CsrfChecked, CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)
PATH = "/settings"
STAGES = ("pre_purchase", "purchase", "delivery", "use", "after_sales")


def _catalogue(db: Any, org: int) -> dict[str, Any]:
    with db.session() as s:
        unmapped = s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.organization_id == org, Event.unmapped.is_(True))
        )
        locations = list(
            s.scalars(
                select(Location.code).where(Location.organization_id == org).order_by(Location.code)
            )
        )
        users, keys = list_users(s, org), list_api_keys(s, org)
    return {
        "touchpoints": list_touchpoints(db, org),
        "unmapped": int(unmapped or 0),
        "locations": locations,
        "users": users,
        "keys": keys,
    }


def _page(request: Request, user: User, status: int = 200, **extra: Any) -> HTMLResponse:
    db, org = request.app.state.db, user.organization_id
    ctx = page_context(
        request, user, active="settings", channels=CHANNELS, stages=STAGES, roles=ROLES,
        user_languages=USER_LANGUAGES, **_catalogue(db, org), **extra,
    )  # fmt: skip
    lang = request_language(request, user.language)
    return render(request, "settings.html", ctx, lang, status_code=status)


def _admin_only(request: Request, user: User) -> HTMLResponse | None:
    if user.role == "admin":
        return None
    ctx = page_context(request, user, active="settings")
    lang = request_language(request, user.language)
    return render(request, "forbidden.html", ctx, lang, status_code=403)


def _parse(model: type[BaseModel], raw: dict[str, str]) -> Any:
    try:
        return model.model_validate(raw)
    except PydanticError as exc:
        faults = [
            Fault(e["msg"], ".".join(str(p) for p in e["loc"]))
            for e in exc.errors(include_url=False)
        ]
        raise ValidationError("refused", faults) from exc


@router.get(PATH, response_class=HTMLResponse)
async def settings_page(request: Request, user: CurrentUser) -> Response:
    refused = _admin_only(request, user)
    if refused is not None:
        return refused
    return await run_in_threadpool(_page, request, user)


async def _change(
    request: Request,
    user: User,
    form_name: str,
    act: Callable[[dict[str, str]], dict[str, Any] | None],
) -> Response:
    """Run ``act`` on the posted form: the page again with the faults (and what was typed,
    but never a password) when refused, with what ``act`` returns to show once when it
    asks for that, else a redirect back to the page."""
    refused = _admin_only(request, user)
    if refused is not None:
        return refused
    form = await request.form()
    raw = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}

    def run() -> Response:
        try:
            shown = act(raw)
        except CxmError as exc:
            kept = {k: v for k, v in raw.items() if k != "password"}
            problem = "refused" if exc.detail == "refused" else exc.detail
            return _page(request, user, exc.status, problem=problem, faults=exc.faults,
                         form=form_name, values=kept)  # fmt: skip
        if shown is not None:
            return _page(request, user, **shown)
        return RedirectResponse(f"{PATH}#{form_name}", status_code=303)

    return await run_in_threadpool(run)


@router.post(f"{PATH}/touchpoints", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def add_touchpoint_page(request: Request, user: CurrentUser) -> Response:
    def act(raw: dict[str, str]) -> None:
        create_touchpoint(request.app.state.db, user.organization_id, _parse(TouchpointIn, raw))

    return await _change(request, user, "touchpoints", act)


@router.post(f"{PATH}/rules", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def add_rule_page(request: Request, user: CurrentUser) -> Response:
    def act(raw: dict[str, str]) -> None:
        create_rule(request.app.state.db, user.organization_id, _parse(RuleIn, raw))

    return await _change(request, user, "rules", act)


@router.post(f"{PATH}/remap", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def remap_page(request: Request, user: CurrentUser) -> Response:
    def act(_: dict[str, str]) -> dict[str, Any]:
        return {"remapped": remap_unmapped(request.app.state.db, user.organization_id)}

    return await _change(request, user, "touchpoints", act)


@router.post(f"{PATH}/api-keys", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_key_page(request: Request, user: CurrentUser) -> Response:
    def act(raw: dict[str, str]) -> dict[str, Any]:
        name = raw.get("name", "").strip()
        if not name or len(name) > 200:
            reason = "is required" if not name else "is longer than 200 characters"
            raise ValidationError("refused", [Fault(reason, "name")])
        with request.app.state.db.session() as s:
            issued = create_api_key(s, user.organization_id, name)
        return {"issued": issued}

    return await _change(request, user, "api-keys", act)


@router.post(f"{PATH}/api-keys/{{key_id}}/revoke", dependencies=[CsrfChecked])
async def revoke_key_page(request: Request, user: CurrentUser, key_id: int) -> Response:
    def act(_: dict[str, str]) -> None:
        with request.app.state.db.session() as s:
            revoke_api_key(s, user.organization_id, key_id)

    return await _change(request, user, "api-keys", act)


@router.post(f"{PATH}/users", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def add_user_page(request: Request, user: CurrentUser) -> Response:
    def act(raw: dict[str, str]) -> None:
        with request.app.state.db.session() as s:
            create_user(
                s, user.organization_id, raw.get("email", ""), raw.get("password", ""),
                name=raw.get("name", ""), role=raw.get("role", "analyst"),
                language=raw.get("language", "uk"),
            )  # fmt: skip

    return await _change(request, user, "users", act)
