"""The KPIs page: NPS, CSAT, CES and eNPS with intervals, a breakdown table and filters,
and the emotions of the period's comments by journey stage or channel."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cxm.analytics.dashboard import (
    HEATMAP_METRICS,
    DashboardData,
    dashboard_data,
    emotion_overview,
)
from cxm.analytics.measures import BREAKDOWNS, METRICS, SCALES, KpiFilter
from cxm.ingest.models import CHANNELS
from cxm.text.labels import ALL_EMOTIONS
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language
from cxm.web.progress import computing, within

router = APIRouter(include_in_schema=False)
SALES_TITLES = {
    "conversion": "Conversion",
    "aov": "Average order value",
    "repeat": "Repeat purchases",
    "returns": "Returns",
    "churn": "Churn",
}
PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")
EMOTION_GROUPS = ("stage", "channel")


def drill(metric: str, period: str | None, **filters: str | None) -> str:
    """The explorer's address for the responses behind a figure: the same period and
    filters, and an answer to ``metric`` (its whole scale)."""
    lo, hi = SCALES.get(metric, (0, 10))
    params = {"period": period or "", "kpi": metric, "score_min": lo, "score_max": hi}
    params |= {k: v for k, v in filters.items() if v}
    return "/responses?" + urlencode({k: v for k, v in params.items() if v != ""})


def _row_link(f: Any, by: str, where: KpiFilter) -> str | None:
    """A breakdown row's responses: its segment (or month) with the page's channel filter."""
    if by == "month":
        return drill(f.metric, f.period, channel=where.channel)
    filters = {"channel": where.channel, by: f.key}
    return drill(f.metric, f.period, **filters)


def trend_charts(data: DashboardData) -> dict[str, Any]:
    """The trends as the page's charts read them (charts.js), with their table views."""
    k = 100.0 if data.metric == "csat" else 1.0
    trend_metric = data.metric if data.metric in HEATMAP_METRICS else "nps"
    kw = 100.0 if trend_metric == "csat" else 1.0
    return {
        "monthly": {
            "labels": [f.period for f in data.monthly],
            "series": [{"name": data.metric.upper(), "values": [
                None if f.estimate.value is None else round(f.estimate.value * k, 1)
                for f in data.monthly]}],
        },
        "weekly": {
            "labels": [p.week.isoformat() for p in data.weekly],
            "series": [{"name": trend_metric.upper(), "values": [
                None if p.estimate.value is None else round(p.estimate.value * kw, 1)
                for p in data.weekly]}],
        },
    }  # fmt: skip


def emotion_chart(points: list[dict[str, Any]]) -> dict[str, Any]:
    """The emotion overview as charts.js reads it: per stage or channel, the share of its
    comments showing each emotion, in percent."""
    return {
        "labels": [p["key"] for p in points],
        "series": [
            {"name": e, "values": [round(100 * p["emotions"][e], 1) for p in points]}
            for e in ALL_EMOTIONS
        ],
    }


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
    heat: str = "nps",
    emotions: str = "stage",
) -> Response:
    lang = request_language(request, user.language)
    metric = metric if metric in METRICS else "nps"
    by_value = by if by in BREAKDOWNS else "store"
    period_value = period.strip() if PERIOD.match(period.strip()) else None
    where = KpiFilter(channel=channel if channel in CHANNELS or channel == "employee" else None)
    analytics = request.app.state.analytics
    heat_metric = heat if heat in HEATMAP_METRICS else "nps"
    emotions_by = emotions if emotions in EMOTION_GROUPS else "stage"
    org_id = user.organization_id

    def figures() -> tuple[DashboardData, list[dict[str, Any]]]:
        data = dashboard_data(
            analytics, org_id, period_value, metric, by_value, where, heat_metric, True
        )
        return data, emotion_overview(analytics, org_id, data.period, emotions_by, where.channel)

    found = await within(
        request,
        ("kpis-page", org_id, period_value, metric, by_value, where, heat_metric, emotions_by),
        figures,
    )
    if found is None:
        return computing(request, user, "kpis", "Experience KPIs")
    data, overview = found
    charts = trend_charts(data) | {"emotions": emotion_chart(overview)}
    low, high = _scale(metric)
    ctx = page_context(
        request,
        user,
        active="kpis",
        cards=data.cards,
        sales_cards=data.sales,
        sales_titles=SALES_TITLES,
        rows=[(f, f.as_dict(), _row_link(f, by_value, where)) for f in data.table],
        heat=data.heat,
        heat_metric=heat_metric,
        charts=charts,
        drill=drill,
        report_query=urlencode(
            {
                k: v
                for k, v in (("period", data.period or ""), ("channel", where.channel or ""))
                if v
            }
        ),
        metric=metric,
        by=by_value,
        period=period_value or "",
        period_refused=bool(period.strip()) and period_value is None,
        channel=where.channel or "",
        metrics=METRICS,
        breakdowns=BREAKDOWNS,
        channels=(*CHANNELS, "employee"),
        gaps=data.gaps,
        overview=overview,
        emotions_by=emotions_by,
        emotion_period=data.period,
        emotion_groups=EMOTION_GROUPS,
        emotion_names=ALL_EMOTIONS,
        axis_low=low,
        axis_high=high,
    )
    return render(request, "kpis.html", ctx, lang)
