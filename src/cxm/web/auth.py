"""Logging in and out, the session user, CSRF protection of forms, the language switch."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.core.auth import authenticate
from cxm.core.models import Organization, User
from cxm.web.deps import DbDep
from cxm.web.i18n import LANGUAGES, render, request_language

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is logged in."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class CsrfFailed(Exception):
    """A form came without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, token: Annotated[str, Form(alias="csrf_token")] = "") -> None:
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(str(expected), token):
        raise CsrfFailed()


def _load_user(db: DbDep, user_id: int) -> tuple[User, Organization] | None:
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None or not user.is_active:
            return None
        org = s.get(Organization, user.organization_id)
        assert org is not None
        return user, org


async def current_user(request: Request, db: DbDep) -> User:
    user_id = request.session.get("user_id")
    found = await run_in_threadpool(_load_user, db, int(user_id)) if user_id else None
    if found is None:
        request.session.pop("user_id", None)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.organization = found[1]
    return found[0]


CurrentUser = Annotated[User, Depends(current_user)]
CsrfChecked = Depends(check_csrf)


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parts = urlsplit(target)
    # Only paths on this site: no scheme, no host, no protocol-relative "//host".
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def page_context(request: Request, user: User | None, **extra: object) -> dict[str, object]:
    return {
        "user": user,
        "csrf_token": csrf_token(request),
        "organization": getattr(request.state, "organization", None),
        **extra,
    }


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    lang = request_language(request)
    return render(
        request, "login.html", page_context(request, None, next=_safe_next(next), error=None), lang
    )


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def login(
    request: Request,
    db: DbDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    def check() -> User | None:
        with db.session() as s:
            return authenticate(s, email, password)

    user = await run_in_threadpool(check)
    if user is None:
        lang = request_language(request)
        ctx = page_context(request, None, next=_safe_next(next), error="bad_login", email=email)
        return render(request, "login.html", ctx, lang, status_code=401)
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["lang"] = user.language
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/language", dependencies=[CsrfChecked])
async def set_language(
    request: Request,
    db: DbDep,
    language: Annotated[str, Form()] = "uk",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if language in LANGUAGES:
        request.session["lang"] = language
        user_id = request.session.get("user_id")
        if user_id:

            def save() -> None:
                with db.session() as s:
                    user = s.get(User, int(user_id))
                    if user is not None:
                        user.language = language

            await run_in_threadpool(save)
    return RedirectResponse(_safe_next(next), status_code=303)


def login_redirect(exc: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)
