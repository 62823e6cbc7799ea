"""JSON routes for funnels, rework, outcomes per path, moments of truth and friction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.backend import Analytics
from cxm.analytics.drivers import BUILT_IN, DriverQuery, analyse
from cxm.analytics.funnels import MAX_STEPS, FunnelQuery, funnel
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/analytics", tags=["journeys"])
T = TypeVar("T")


def _run(analytics: Analytics, org_id: int, fn: Callable[[Any, int, Any], T], q: Any) -> T:
    with analytics.fresh() as con:
        return fn(con, org_id, q)


@router.get(
    "/funnel",
    description="Conversion through ordered steps within a time window: per step the "
    "attempts and customers that reached it, conversion, drop-off and median hours from the "
    "previous step, overall and by the channel of each attempt's first event. A step is a "
    "touchpoint code, an event name, or an event name with a property value "
    "(`Checkout Step Viewed[step=3]`). Unknown steps, a window of zero hours or more than "
    f"{MAX_STEPS} steps are refused with the reason.",
)
async def funnel_route(
    request: Request,
    client: ApiClient,
    step: Annotated[list[str], Query(description="The steps in order; repeat the parameter.")],
    window_hours: float = Query(default=24.0),
    strict: bool = False,
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    q = FunnelQuery(tuple(step), window_hours, strict, store, channel, since, until)
    found = await run_in_threadpool(
        _run, request.app.state.analytics, client.organization_id, funnel, q
    )
    body = asdict(found)
    body["drop_offs"] = {
        "all": [s.step for s in found.drop_offs()],
        **{ch: [s.step for s in found.drop_offs(ch)] for ch in found.by_channel},
    }
    return body


@router.get(
    "/drivers",
    description="Moments of truth: yes/no journey events as drivers of per-respondent NPS "
    "scores (+100/0/-100). For each driver: the raw difference and the effect adjusted for "
    "the other drivers and the controls (ordinary least squares, statsmodels) with 95% "
    "intervals, the NPS points it costs overall (its impact, which ranks them) and its "
    "exact LMG share of explained variance (pingouin) with a bootstrap interval. Built-in "
    f"drivers: {', '.join(BUILT_IN)}; any touchpoint code is a driver too (the order had it).",
)
async def drivers_route(
    request: Request,
    client: ApiClient,
    driver: Annotated[list[str] | None, Query(description="Drivers; repeat the parameter.")] = None,
    loop_contacts: int = Query(default=3, ge=2, le=20),
    delivered_only: bool = True,
    controls: bool = True,
    bootstrap: int = Query(default=200, ge=0, le=2000),
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    q = DriverQuery(
        tuple(driver or (*BUILT_IN, "delay_notice")),
        loop_contacts,
        delivered_only,
        controls,
        bootstrap,
        store,
        channel,
        since,
        until,
    )
    found = await run_in_threadpool(
        _run, request.app.state.analytics, client.organization_id, analyse, q
    )
    return asdict(found)
