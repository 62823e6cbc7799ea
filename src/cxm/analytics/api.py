"""JSON routes for analytics: KPIs with their margins of error and significance."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.kpis import nps_figures
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/kpis", tags=["kpis"])


@router.get(
    "/nps",
    description="NPS for a month (default: the last complete month), overall "
    "or by store, channel or language, each with n, the 95% margin of error, the "
    "change since the month before and its p-value (Benjamini-Hochberg adjusted when "
    "several segments are compared).",
)
async def nps(
    request: Request,
    client: ApiClient,
    by: Literal["store", "channel", "language"] | None = None,
    period: str | None = Query(
        default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM"
    ),
) -> dict[str, Any]:
    figures = await run_in_threadpool(
        nps_figures, request.app.state.analytics, client.organization_id, by, period
    )
    return {
        "kpi": "nps",
        "by": by,
        "period": figures[0].period if figures else period,
        "figures": [f.as_dict() for f in figures],
        "message": None if figures else "No NPS answers in this period.",
    }
