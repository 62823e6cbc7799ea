"""JSON routes for sales KPIs: conversion by stage, AOV, repeat purchases, returns and churn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.measures import KpiFilter
from cxm.analytics.sales import DEFAULT_CHURN_DAYS, SalesBreakdown, sales_figures
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/kpis", tags=["kpis"])

DESCRIPTIONS = {
    "conversion": "Conversion by journey stage: of the customers with an event at a stage in "
    "the period, the share (in %) with an event at the next stage later in the period "
    "(`stage`, `next_stage`).",
    "aov": "Average order value of the period's orders in the organization's currency "
    "(`currency`), with its t interval; orders in another currency are counted in "
    "`excluded`, never converted.",
    "repeat": "Repeat purchase rate: of the customers who ordered in the period, the share "
    "(in %) with at least two orders up to its end.",
    "returns": "Return rate: the share (in %) of the period's orders that were returned or "
    "refunded.",
    "churn": "Churn: at the period's end (`as_of`), of the customers whose first order is at "
    "least `days` old, the share (in %) with no order in the last `days` days; newer "
    "customers are not counted either way. `by` applies to each customer's last order.",
}
COMMON = (
    " Same periods as the experience KPIs (default: the last complete month with orders), "
    "every figure with n, a 95% interval (Wilson for shares, t for AOV), the change since "
    "the period before with its test (two-proportion z, Welch t) and p-value, "
    "Benjamini-Hochberg adjusted when several segments are compared, and a small-sample flag."
)


def _route(metric: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def sales_kpi(
        request: Request,
        client: ApiClient,
        by: SalesBreakdown | None = None,
        period: str | None = Query(
            default=None,
            pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$",
            description="YYYY-MM, YYYY-Qn or YYYY",
        ),
        channel: str | None = None,
        store: str | None = None,
        region: str | None = None,
        language: str | None = None,
        touchpoint: str | None = Query(default=None, description="refused: not for sales"),
        stage: str | None = Query(default=None, description="refused: not for sales"),
        survey: str | None = Query(default=None, description="refused: not for sales"),
        days: int = Query(default=DEFAULT_CHURN_DAYS, ge=1, le=730, description="churn's N"),
    ) -> dict[str, Any]:
        where = KpiFilter(channel, store, region, touchpoint, stage, language, survey)
        figures = await run_in_threadpool(
            sales_figures,
            request.app.state.analytics,
            client.organization_id,
            metric,
            by,
            period,
            where,
            days,
        )
        return {
            "kpi": metric,
            "by": by,
            "period": figures[-1].period if figures else period,
            "filters": where.as_dict(),
            "figures": [f.as_dict() for f in figures],
            "message": None if figures else "No orders or events match in this period.",
        }

    sales_kpi.__name__ = f"sales_kpi_{metric}"
    return sales_kpi


for _metric, _text in DESCRIPTIONS.items():
    router.add_api_route(
        f"/{_metric}",
        _route(_metric),
        methods=["GET"],
        name=f"kpi_{_metric}",
        summary=f"Sales KPI: {_metric}",
        description=_text + COMMON,
    )
