"""The survey builder page: create or edit a survey, question by question, with a preview.

Works without JavaScript: each button posts the whole form, the server folds the edits into
the draft, applies the button's action and shows the builder again. Saving a changed
definition adds a version; responses keep the version they answered.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.core.errors import CxmError, Fault
from cxm.surveys.builder import (
    apply_action,
    blank_definition,
    fold_form,
    load_draft,
    show_conditions,
    show_jumps,
)
from cxm.surveys.checks import parse_definition
from cxm.surveys.definition import QUESTION_TYPES
from cxm.surveys.service import document_of, export_survey, save_survey
from cxm.web.auth import CsrfChecked, CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)
KINDS = ("transactional", "relationship", "employee")


def _show(
    request: Request,
    user: Any,
    draft: dict[str, Any],
    meta: dict[str, str],
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    ui = request_language(request, user.language)
    shown = meta.get("shown") or ""
    if shown not in draft["languages"]:
        shown = ui if ui in draft["languages"] else draft["languages"][0]
    ctx = page_context(
        request, user, active="surveys", draft=draft, draft_json=json.dumps(draft,
        ensure_ascii=False), meta=meta, shown=shown, kinds=KINDS, types=QUESTION_TYPES,
        conditions=show_conditions, jumps=show_jumps, **extra,
    )  # fmt: skip
    return render(request, "surveys/builder.html", ctx, ui, status_code=status)


@router.get("/surveys/new", response_class=HTMLResponse)
async def new_survey(request: Request, user: CurrentUser) -> Response:
    meta = {"code": "", "name": "", "kind": "transactional", "status": "draft"}
    return await run_in_threadpool(_show, request, user, blank_definition(["uk", "en", "ru"]), meta)


@router.get("/surveys/{code}/edit", response_class=HTMLResponse)
async def edit_survey(request: Request, user: CurrentUser, code: str) -> Response:
    def run() -> HTMLResponse:
        doc = export_survey(request.app.state.db, user.organization_id, code, None)
        meta = {"code": doc.code, "name": doc.name, "kind": doc.kind, "status": doc.status,
                "version": str(doc.version)}  # fmt: skip
        return _show(request, user, doc.definition, meta)

    return await run_in_threadpool(run)


@router.post("/surveys/build", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def build(request: Request, user: CurrentUser) -> Response:
    form = {k: str(v) for k, v in (await request.form()).multi_items()}
    # A checkbox sends its name only when ticked; repeated keys keep the last value.
    action = form.pop("action", "refresh")
    meta = {k: form.get(k, "").strip() for k in ("code", "name", "kind", "status", "shown")}
    meta["version"] = form.get("version", "")

    def run() -> HTMLResponse:
        try:
            draft = load_draft(form.get("draft", ""))
        except CxmError as exc:
            blank = blank_definition(["uk", "en", "ru"])
            return _show(request, user, blank, meta, 422, problem=exc.detail, faults=exc.faults)
        try:
            draft = apply_action(fold_form(draft, form), action, form)
        except CxmError as exc:
            return _show(request, user, draft, meta, 422, problem=exc.detail, faults=exc.faults)
        if action == "preview":
            try:
                parsed = parse_definition(draft)
            except CxmError as exc:
                return _show(request, user, draft, meta, 422, problem=exc.detail,
                             faults=exc.faults)  # fmt: skip
            return _show(request, user, draft, meta, preview=parsed)
        if action != "save":
            return _show(request, user, draft, meta)
        raw = {"code": meta["code"], "name": meta["name"], "kind": meta["kind"] or None,
               "status": meta["status"] or "live", "definition": draft}  # fmt: skip
        try:
            doc = document_of({k: v for k, v in raw.items() if v is not None})
            summary = save_survey(request.app.state.db, user.organization_id, doc)
        except CxmError as exc:
            return _show(request, user, draft, meta, 422, problem=exc.detail, faults=exc.faults)
        except ValueError as exc:  # a definition pydantic refuses outside the known paths
            faults = [Fault(str(exc), "definition")]
            return _show(request, user, draft, meta, 422, problem=str(exc), faults=faults)
        meta["version"] = str(summary.version)
        return _show(request, user, draft, meta, saved=summary)

    return await run_in_threadpool(run)
