"""The KPIs page: NPS, CSAT, CES and eNPS with intervals, a breakdown table and filters."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.backend import Analytics
from cxm.analytics.emotion_curve import emotion_curve
from cxm.analytics.gaps import gap_figures
from cxm.analytics.measures import BREAKDOWNS, METRICS, KpiFilter, kpi_figures
from cxm.analytics.sales import SALES_METRICS, sales_figures
from cxm.ingest.models import CHANNELS
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)
SALES_TITLES = {
    "conversion": "Conversion",
    "aov": "Average order value",
    "repeat": "Repeat purchases",
    "returns": "Returns",
    "churn": "Churn",
}
PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")


def _cards(analytics: Analytics, org_id: int, period: str | None, where: KpiFilter) -> list[Any]:
    cards = []
    for metric in METRICS:
        figures = kpi_figures(analytics, org_id, metric, None, period, where)
        cards.append((metric, figures[0] if figures else None))
    return cards


def _sales_cards(
    analytics: Analytics, org_id: int, period: str | None, where: KpiFilter
) -> list[tuple[str, dict[str, Any] | None]]:
    """One card per sales KPI; conversion's card is the step from browsing to buying."""
    cards: list[tuple[str, dict[str, Any] | None]] = []
    for metric in SALES_METRICS:
        figures = sales_figures(analytics, org_id, metric, None, period, where)
        if metric == "conversion":
            figures = [f for f in figures if f.stage == "pre_purchase"]
        cards.append((metric, figures[0].as_dict() if figures else None))
    return cards


def _gaps(
    analytics: Analytics, org_id: int, period: str | None, where: KpiFilter
) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (gap, [f.as_dict() for f in gap_figures(analytics, org_id, gap, None, period, where)])
        for gap in ("expectation", "sacrifice")
    ]


def _scale(metric: str) -> tuple[float, float]:
    """The axis of the interval bars: the metric's whole range."""
    return {"nps": (-100.0, 100.0), "enps": (-100.0, 100.0), "csat": (0.0, 100.0)}.get(
        metric, (1.0, 7.0)
    )


@router.get("/kpis", response_class=HTMLResponse)
async def kpis_page(
    request: Request,
    user: CurrentUser,
    metric: str = "nps",
    by: str = "store",
    period: str = "",
    channel: str = "",
) -> Response:
    lang = request_language(request, user.language)
    metric = metric if metric in METRICS else "nps"
    by_value = by if by in BREAKDOWNS else "store"
    period_value = period.strip() if PERIOD.match(period.strip()) else None
    where = KpiFilter(channel=channel if channel in CHANNELS or channel == "employee" else None)
    analytics = request.app.state.analytics
    cards = await run_in_threadpool(_cards, analytics, user.organization_id, period_value, where)
    sales = await run_in_threadpool(
        _sales_cards, analytics, user.organization_id, period_value, KpiFilter(where.channel)
    )
    rows = await run_in_threadpool(
        kpi_figures, analytics, user.organization_id, metric, by_value, period_value, where
    )
    gaps = await run_in_threadpool(_gaps, analytics, user.organization_id, period_value, where)
    curve = await run_in_threadpool(emotion_curve, analytics, user.organization_id, "stage")
    low, high = _scale(metric)
    ctx = page_context(
        request,
        user,
        active="kpis",
        cards=cards,
        sales_cards=sales,
        sales_titles=SALES_TITLES,
        rows=[(f, f.as_dict()) for f in rows],
        metric=metric,
        by=by_value,
        period=period_value or "",
        period_refused=bool(period.strip()) and period_value is None,
        channel=where.channel or "",
        metrics=METRICS,
        breakdowns=BREAKDOWNS,
        channels=(*CHANNELS, "employee"),
        gaps=gaps,
        curve=[p.as_dict() for p in curve],
        axis_low=low,
        axis_high=high,
    )
    return render(request, "kpis.html", ctx, lang)
