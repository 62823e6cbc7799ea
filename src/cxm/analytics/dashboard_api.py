"""JSON routes of the dashboard's cross-tab (stage x channel) and weekly trend."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.dashboard import heatmap, weekly_trend
from cxm.analytics.measures import KpiFilter
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/kpis", tags=["kpis"])
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


@router.get(
    "/heatmap",
    description="NPS (points) or CSAT (top-2-box, %) per journey stage x channel for a "
    "period (default: the last complete month with answers), each cell with n, its 95% "
    "margin and a small-sample flag. Answers without a touchpoint count under stage "
    "`(unknown)`. Filters as for the other KPIs.",
)
async def kpi_heatmap(
    request: Request,
    client: ApiClient,
    metric: Literal["nps", "csat"] = "nps",
    period: str | None = Query(default=None, pattern=PERIOD, description="YYYY-MM, YYYY-Qn, YYYY"),
    store: str | None = None,
    region: str | None = None,
    language: str | None = None,
    survey: str | None = None,
) -> dict[str, Any]:
    where = KpiFilter(None, store, region, None, None, language, survey)
    found = await run_in_threadpool(
        heatmap, request.app.state.analytics, client.organization_id, metric, period, where
    )
    return found.as_dict() | {"filters": where.as_dict()}


@router.get(
    "/weekly",
    description="NPS or CSAT per week (Monday to Sunday, organization time) over the period, "
    "or the 13 weeks ending with it when it is shorter; each week with n and its 95% margin.",
)
async def kpi_weekly(
    request: Request,
    client: ApiClient,
    metric: Literal["nps", "csat"] = "nps",
    period: str | None = Query(default=None, pattern=PERIOD, description="YYYY-MM, YYYY-Qn, YYYY"),
    channel: str | None = None,
    store: str | None = None,
    region: str | None = None,
    touchpoint: str | None = None,
    stage: str | None = None,
    language: str | None = None,
    survey: str | None = None,
) -> dict[str, Any]:
    where = KpiFilter(channel, store, region, touchpoint, stage, language, survey)
    points = await run_in_threadpool(
        weekly_trend, request.app.state.analytics, client.organization_id, metric, period, where
    )
    return {
        "metric": metric,
        "period": period,
        "filters": where.as_dict(),
        "weeks": [p.as_dict(metric) for p in points],
    }
