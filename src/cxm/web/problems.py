"""Problem Details (RFC 9457) responses for every error the app returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxm.core.errors import CxmError, Fault

PROBLEM = "application/problem+json"


def problem(
    status: int, title: str, detail: str, faults: list[Fault] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if faults:
        body["errors"] = [f.as_dict() for f in faults]
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _validation_faults(exc: RequestValidationError) -> list[Fault]:
    faults = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        index = int(loc[0]) if loc and loc[0].isdigit() else None
        field = ".".join(loc[1:] if index is not None else loc) or None
        faults.append(Fault(str(err.get("msg", "invalid")), field, index))
    return faults


def install(app: FastAPI) -> None:
    @app.exception_handler(CxmError)
    async def _cxm_error(request: Request, exc: CxmError) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, exc.faults)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(
            422, "Invalid input", "The request does not match its schema.", _validation_faults(exc)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        if request.url.path.startswith("/api/"):
            return problem(exc.status_code, str(exc.detail), str(exc.detail))
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)
