"""The Distribution page: triggers, recurring schedules, response rates, the widget tag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from starlette.concurrency import run_in_threadpool

from cxm.core.errors import CxmError, Fault
from cxm.surveys.invitations import list_decisions
from cxm.surveys.response_rate import BREAKDOWNS, response_rates
from cxm.surveys.schedules import ScheduleSpec, list_schedules, remove_schedule, set_schedule
from cxm.surveys.service import list_surveys
from cxm.surveys.suppression import list_suppressions
from cxm.surveys.triggers import TriggerSpec, add_trigger, list_triggers, remove_trigger
from cxm.web.auth import CsrfChecked, CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)
PATH = "/surveys/distribution"


def _page(request: Request, user: Any, status: int = 200, **extra: Any) -> HTMLResponse:
    db, org = request.app.state.db, user.organization_id
    split = request.query_params.get("rates")
    breakdown = split if split in BREAKDOWNS else None
    ctx = page_context(
        request, user, active="surveys", surveys=list_surveys(db, org),
        triggers=list_triggers(db, org), schedules=list_schedules(db, org),
        rates=response_rates(db, org, None, "month", breakdown=breakdown),  # type: ignore[arg-type]
        rates_by=breakdown,
        rate_breakdowns=BREAKDOWNS,
        suppressed=list_suppressions(db, org, limit=20),
        decisions=list_decisions(db, org, None, limit=30),
        base_url=str(request.base_url).rstrip("/"), **extra,
    )  # fmt: skip
    return render(request, "surveys/distribution.html", ctx,
                  request_language(request, user.language), status_code=status)  # fmt: skip


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}


def _parse(model: type[BaseModel], raw: dict[str, str]) -> Any:
    try:
        return model.model_validate(raw)
    except PydanticError as exc:
        faults = [Fault(e["msg"], ".".join(str(p) for p in e["loc"]))
                  for e in exc.errors(include_url=False)]  # fmt: skip
        raise _Refused(faults) from exc


class _Refused(Exception):
    def __init__(self, faults: list[Fault]) -> None:
        super().__init__("refused")
        self.faults = faults


@router.get(PATH, response_class=HTMLResponse)
async def distribution_page(request: Request, user: CurrentUser) -> Response:
    return await run_in_threadpool(_page, request, user)


async def _change(request: Request, user: Any, form_name: str, act: Any) -> Response:
    raw = await _form(request)

    def run() -> Response:
        try:
            act(raw)
        except _Refused as exc:
            return _page(request, user, 422, problem="refused", faults=exc.faults,
                         form=form_name, values=raw)  # fmt: skip
        except CxmError as exc:
            return _page(request, user, exc.status, problem=exc.detail,
                         faults=exc.faults, form=form_name, values=raw)  # fmt: skip
        return RedirectResponse(PATH, status_code=303)

    return await run_in_threadpool(run)


@router.post(f"{PATH}/triggers", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def add_trigger_page(request: Request, user: CurrentUser) -> Response:
    def act(raw: dict[str, str]) -> None:
        add_trigger(request.app.state.db, user.organization_id, _parse(TriggerSpec, raw))

    return await _change(request, user, "trigger", act)


@router.post(f"{PATH}/triggers/{{code}}/remove", dependencies=[CsrfChecked])
async def remove_trigger_page(request: Request, user: CurrentUser, code: str) -> Response:
    return await _change(request, user, "trigger",
                         lambda _: remove_trigger(request.app.state.db, user.organization_id,
                                                  code))  # fmt: skip


@router.post(f"{PATH}/schedules", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def set_schedule_page(request: Request, user: CurrentUser) -> Response:
    def act(raw: dict[str, str]) -> None:
        set_schedule(request.app.state.db, user.organization_id, _parse(ScheduleSpec, raw))

    return await _change(request, user, "schedule", act)


@router.post(f"{PATH}/schedules/{{survey}}/remove", dependencies=[CsrfChecked])
async def remove_schedule_page(request: Request, user: CurrentUser, survey: str) -> Response:
    return await _change(request, user, "schedule",
                         lambda _: remove_schedule(request.app.state.db, user.organization_id,
                                                   survey))  # fmt: skip
