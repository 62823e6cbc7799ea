"""JSON routes for experience KPIs: NPS, CSAT, CES and eNPS with filters and breakdowns."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.api import JourneyFilters
from cxm.analytics.emotion_curve import emotion_curve
from cxm.analytics.gaps import gap_figures
from cxm.analytics.measures import Breakdown, KpiFilter, kpi_figures
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/kpis", tags=["kpis"])


@router.get(
    "/{metric}",
    description="An experience KPI for a period (a month `2026-10`, a quarter `2026-Q3` or a "
    "year `2026`; default the last complete month), overall or broken down (`by=month` "
    "gives the trend). Every figure has n, its 95% interval and margin, the change since "
    "the period before with its test and p-value (Benjamini-Hochberg adjusted when several "
    "segments are compared), and a small-sample flag. In a breakdown each segment is also "
    "compared with all the others together (`versus_rest`: difference, test, p-value and "
    "Benjamini-Hochberg adjusted p-value). `by=delivery` groups answers by the punctuality of "
    "the response's order: `on_time`, `late`, `(no delivery)` (nothing promised) or `(no "
    "order)`. `paired_change` is the change among customers who answered in both periods "
    "(the mean of their per-person differences, paired t test, with the number of pairs `n`), "
    "beside the unpaired `change`. NPS and eNPS are in points, CSAT is "
    "the top-2-box share in percent (with `mean` on 1-5), CES the mean on 1-7 (with "
    "`easy_share`). eNPS groups of fewer than five respondents are suppressed.",
)
async def kpi(
    request: Request,
    client: ApiClient,
    metric: Literal["nps", "csat", "ces", "enps"],
    by: Breakdown | None = None,
    period: str | None = Query(
        default=None,
        pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$",
        description="YYYY-MM, YYYY-Qn or YYYY",
    ),
    channel: str | None = None,
    store: str | None = None,
    region: str | None = None,
    touchpoint: str | None = None,
    stage: str | None = None,
    language: str | None = None,
    survey: str | None = None,
    segment: str | None = None,
) -> dict[str, Any]:
    where = KpiFilter(channel, store, region, touchpoint, stage, language, survey, segment)
    figures = await run_in_threadpool(
        kpi_figures,
        request.app.state.analytics,
        client.organization_id,
        metric,
        by,
        period,
        where,
        by != "month",
    )
    return {
        "kpi": metric,
        "by": by,
        "period": (figures[-1] if by == "month" else figures[0]).period if figures else period,
        "filters": where.as_dict(),
        "figures": [f.as_dict() for f in figures],
        "message": None if figures else f"No {metric.upper()} answers match in this period.",
    }


@router.get(
    "/gaps/{gap}",
    description="Expectation gap (perception - expectation) or customer sacrifice gap (ideal "
    "- accepted) per attribute, on the surveys' 1-7 scales: the mean paired difference with "
    "its t interval and n, both sides' means, and the change since the period before. "
    "Same periods, filters and breakdowns as the other KPIs.",
)
async def gaps(
    request: Request,
    client: ApiClient,
    gap: Literal["expectation", "sacrifice"],
    by: Breakdown | None = None,
    period: str | None = Query(
        default=None,
        pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$",
        description="YYYY-MM, YYYY-Qn or YYYY",
    ),
    channel: str | None = None,
    store: str | None = None,
    region: str | None = None,
    language: str | None = None,
    survey: str | None = None,
    segment: str | None = None,
) -> dict[str, Any]:
    where = KpiFilter(channel, store, region, None, None, language, survey, segment)
    figures = await run_in_threadpool(
        gap_figures,
        request.app.state.analytics,
        client.organization_id,
        gap,
        by,
        period,
        where,
    )
    return {
        "gap": gap,
        "by": by,
        "period": figures[-1].period if figures else period,
        "filters": where.as_dict(),
        "figures": [f.as_dict() for f in figures],
        "message": None if figures else "No paired answers match in this period.",
    }


@router.get(
    "/emotions/curve",
    description="The emotion curve: for each journey stage (in journey order) or channel, the "
    "comments' mean sentiment score (-1 to 1) with its interval, the share of negative "
    "comments (Wilson interval), the share showing each emotion, and the NPS answered at "
    "that stage's touchpoints. A comment without a touchpoint counts at the stage of the "
    "customer's last event in the 14 days before it was written. The journey filters narrow "
    "comments and answers to customers: in the segment, with the outcome, or with a journey "
    "in the period touching the store, with an event in the channel or starting at `first`.",
)
async def emotions_curve(
    request: Request,
    client: ApiClient,
    filters: Annotated[JourneyFilters, Depends()],
    by: Literal["stage", "channel"] = "stage",
) -> dict[str, Any]:
    q = filters.query
    points = await run_in_threadpool(
        partial(emotion_curve, journeys=q),
        request.app.state.analytics,
        client.organization_id,
        by,
        q.since,
        q.until,
    )
    return {
        "by": by,
        "points": [p.as_dict() for p in points],
        "message": None if points else "No enriched comments in this period.",
    }
