"""JSON routes for journey analytics: directly-follows graphs and variants."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.journey_kernels import load_throughput
from cxm.analytics.journeys import JourneyQuery, load_dfg, load_variants
from cxm.web.deps import ApiClient

journeys_router = APIRouter(prefix="/api/v1/analytics", tags=["journeys"])


class JourneyFilters:
    """The journey filters every journey route takes."""

    def __init__(
        self,
        gap_days: int = Query(default=30, ge=1, le=365),
        store: str | None = None,
        since: date | None = None,
        until: date | None = None,
        segment: str | None = Query(default=None, description="Customers in this segment."),
        channel: str | None = Query(default=None, description="Journeys with an event here."),
        first: str | None = Query(default=None, description="Journeys starting at this code."),
        outcome: Literal["promoter", "passive", "detractor"] | None = Query(
            default=None, description="Customers whose latest NPS answer is in this group."
        ),
        split: Literal["gap", "order"] = Query(
            default="gap",
            description="Cut journeys by inactivity (`gap`: longer than `gap_days`) or by order "
            "cycle (`order`: from the first event since the previous cycle to the end of an "
            "order's after-sales; `gap_days` is then ignored).",
        ),
    ) -> None:
        self.query = JourneyQuery(
            gap_days, store, since, until, segment, channel, first, outcome, split
        )


@journeys_router.get(
    "/dfg",
    description="Directly-follows graph of touchpoints: for each "
    "edge its count, the journeys and share of journeys it appears in, and "
    "the median and 90th-percentile hours between the two touchpoints.",
)
async def dfg(
    request: Request,
    client: ApiClient,
    filters: Annotated[JourneyFilters, Depends()],
) -> dict[str, Any]:
    edges = await run_in_threadpool(
        load_dfg, request.app.state.analytics, client.organization_id, filters.query
    )
    return {
        "edges": [asdict(e) for e in edges],
        "message": None if edges else "No journeys match these filters.",
    }


@journeys_router.get(
    "/variants",
    description="The most frequent touchpoint sequences with their number of journeys, share "
    "and median duration in days, and the outcome of their journeys. NPS (`nps`, 95% interval "
    "`nps_low`-`nps_high`, `respondents` answers): complete NPS answers of the journeys' "
    "customers given from a journey's first event to 14 days after its last (or `gap_days`, "
    "if shorter). Conversion (`conversion` with its Wilson interval, `converted` journeys): "
    "the share of journeys during which the customer placed an order. Churn (`churn` with "
    "its Wilson interval, `churned` of `followed_up`): of the journeys ending at least "
    "`churn_days` before the data's latest event, the share after which the customer had "
    "no further event within `churn_days`.",
)
async def journey_variants(
    request: Request,
    client: ApiClient,
    filters: Annotated[JourneyFilters, Depends()],
    top: int = Query(default=20, ge=1, le=500),
    churn_days: int = Query(
        default=90, ge=1, le=365, description="Days without an event that count as churn."
    ),
) -> dict[str, Any]:
    found = await run_in_threadpool(
        load_variants,
        request.app.state.analytics,
        client.organization_id,
        filters.query,
        top,
        churn_days,
    )
    return {
        "variants": [asdict(v) for v in found],
        "message": None if found else "No journeys match these filters.",
    }


@journeys_router.get(
    "/throughput",
    description="Throughput time: hours from each journey's first to its last event (whole "
    "seconds), its mean, median and 90th percentile, the journeys of one event, and the same "
    "by the journeys' first touchpoint.",
)
async def journey_throughput(
    request: Request,
    client: ApiClient,
    filters: Annotated[JourneyFilters, Depends()],
) -> dict[str, Any]:
    found = await run_in_threadpool(
        load_throughput, request.app.state.analytics, client.organization_id, filters.query
    )
    return {
        **asdict(found),
        "message": None if found.journeys else "No journeys match these filters.",
    }
