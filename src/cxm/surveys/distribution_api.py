"""JSON routes for distribution: triggers, recurring schedules, the suppression list, decisions."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticError
from starlette.concurrency import run_in_threadpool

from cxm.core.errors import ValidationError
from cxm.core.validation import faults_from
from cxm.surveys.invitations import list_decisions
from cxm.surveys.response_rate import Breakdown, Period, RateRow, response_rates
from cxm.surveys.schedules import (
    ScheduleOut,
    ScheduleSpec,
    list_schedules,
    remove_schedule,
    set_schedule,
)
from cxm.surveys.suppression import (
    add_suppression,
    list_suppressions,
    remove_suppression,
)
from cxm.surveys.triggers import TriggerOut, TriggerSpec, add_trigger, list_triggers, remove_trigger
from cxm.web.bodies import json_body
from cxm.web.deps import ApiClient, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["distribution"])


async def _body(request: Request, settings: Any, model: type[BaseModel], what: str) -> Any:
    payload: Any = await json_body(request, settings.max_body_bytes)
    try:
        return model.model_validate(payload)
    except PydanticError as exc:
        raise ValidationError(f"The {what} is not valid.", faults_from(exc, 0)) from exc


@router.get("/triggers", response_model=list[TriggerOut])
async def triggers(client: ApiClient, db: DbDep) -> list[TriggerOut]:
    return await run_in_threadpool(list_triggers, db, client.organization_id)


@router.post(
    "/triggers",
    response_model=TriggerOut,
    status_code=201,
    description="Invite a touchpoint's customers `delay_hours` after an event there (by "
    "`touchpoint` code, `event` name, or both), keeping `sample_rate` of the events, with "
    "fatigue and cooldown rules. A trigger follows events that arrive after it is added; a "
    "background pass decides once per event and records why each customer was not invited.",
)
async def add_trigger_route(
    request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> TriggerOut:
    spec = await _body(request, settings, TriggerSpec, "trigger")
    return await run_in_threadpool(add_trigger, db, client.organization_id, spec)


@router.delete("/triggers/{code}", status_code=204)
async def remove_trigger_route(code: str, client: ApiClient, db: DbDep) -> JSONResponse:
    await run_in_threadpool(remove_trigger, db, client.organization_id, code)
    return JSONResponse(None, status_code=204)


@router.get("/schedules", response_model=list[ScheduleOut])
async def schedules(client: ApiClient, db: DbDep) -> list[ScheduleOut]:
    return await run_in_threadpool(list_schedules, db, client.organization_id)


@router.put(
    "/schedules",
    response_model=ScheduleOut,
    description="Create or replace a survey's recurring schedule: every `week`, `month`, "
    "`quarter` or `year`, invite a random sample of `sample_size` customers with an e-mail "
    "address, drawn with `seed` (the same seed and period always give the same customers).",
)
async def set_schedule_route(
    request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> ScheduleOut:
    spec = await _body(request, settings, ScheduleSpec, "schedule")
    return await run_in_threadpool(set_schedule, db, client.organization_id, spec)


@router.delete("/schedules/{survey}", status_code=204)
async def remove_schedule_route(survey: str, client: ApiClient, db: DbDep) -> JSONResponse:
    await run_in_threadpool(remove_schedule, db, client.organization_id, survey)
    return JSONResponse(None, status_code=204)


class SuppressionIn(BaseModel):
    channel: Literal["email", "sms", "all"] = "email"
    customer_id: int | None = None
    address: str | None = Field(None, max_length=320)
    reason: str = Field("requested", min_length=1, max_length=64)


class SuppressionOut(BaseModel):
    id: int
    channel: str
    customer_id: int | None
    address: str | None
    reason: str
    created_at: datetime


@router.get("/suppressions", response_model=list[SuppressionOut])
async def suppressions(
    client: ApiClient,
    db: DbDep,
    channel: str | None = None,
    customer_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[SuppressionOut]:
    found = await run_in_threadpool(
        list_suppressions, db, client.organization_id, channel, customer_id, limit
    )
    return [SuppressionOut(**asdict(e)) for e in found]


@router.post(
    "/suppressions",
    response_model=SuppressionOut,
    status_code=201,
    description="Never invite this customer (`customer_id`) or address on `channel` (`email`, "
    "`sms` or `all`). Honoured by invitations, imported lists, triggers and recurring runs. "
    "Adding an entry again changes nothing.",
)
async def add_suppression_route(
    request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> SuppressionOut:
    body = await _body(request, settings, SuppressionIn, "suppression")
    made = await run_in_threadpool(
        add_suppression, db, client.organization_id, body.channel, body.customer_id,
        body.address, body.reason,
    )  # fmt: skip
    return SuppressionOut(**asdict(made))


@router.delete("/suppressions/{entry_id}", status_code=204)
async def remove_suppression_route(entry_id: int, client: ApiClient, db: DbDep) -> JSONResponse:
    await run_in_threadpool(remove_suppression, db, client.organization_id, entry_id)
    return JSONResponse(None, status_code=204)


class DecisionRow(BaseModel):
    id: int
    customer_id: int | None
    email: str | None
    status: str
    reason: str
    created_at: datetime
    trigger: str | None
    schedule: bool
    event_id: int | None
    reminder: str | None
    survey: str


@router.get(
    "/surveys/{code}/decisions",
    response_model=list[DecisionRow],
    description="Why each customer was or was not invited to the survey, newest first: "
    "`queued`, `sent`, `failed`, or `skipped` with the rule (suppressed, no e-mail address, "
    "fatigue, cooldown, sampled out); with the trigger or recurring run that asked, and the "
    "reminder's fate.",
)
async def decisions(
    code: str,
    client: ApiClient,
    db: DbDep,
    status: Literal["queued", "sent", "skipped", "failed"] | None = None,
    trigger: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[DecisionRow]:
    found = await run_in_threadpool(
        list_decisions, db, client.organization_id, code, status, trigger, limit
    )
    return [DecisionRow(**asdict(d)) for d in found]


@router.get(
    "/response-rates",
    response_model=list[RateRow],
    description="Response rates per survey and period (`by`: day, week, month, all): "
    "invitations answered of those sent, and for anonymous links (QR codes, the widget, shared "
    "links) complete responses against page views; each with a 95% Wilson interval. Dates "
    "`start` and `end` (inclusive) bound the periods. `breakdown=store` splits invitations "
    "by their link's store and anonymous views and answers by the store their link names (a "
    "counter QR code's), `(no store)` for the rest; `breakdown=trigger` splits invitations by "
    "the trigger that sent them (`(recurring)`, `(by hand)`), anonymous links making one "
    "`(anonymous links)` row; `region` is `store` by the store's region; `touchpoint`, "
    "`stage`, `channel` and `language` split invitations by their personal link's, `segment` "
    "by their customer's (`(unknown)` where none), anonymous links making one row. The row's "
    "`key` names its group.",
)
async def response_rates_route(
    client: ApiClient,
    db: DbDep,
    survey: str | None = None,
    by: Period = "month",
    start: date | None = None,
    end: date | None = None,
    breakdown: Breakdown | None = None,
) -> list[RateRow]:
    return await run_in_threadpool(
        response_rates, db, client.organization_id, survey, by, start, end, breakdown
    )
