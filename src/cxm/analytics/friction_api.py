"""JSON routes for the friction list and the evidence behind one friction point."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.backend import Analytics
from cxm.analytics.friction import FrictionQuery, friction
from cxm.analytics.friction_dropoff import WINDOW_HOURS
from cxm.analytics.friction_evidence import friction_evidence
from cxm.analytics.insight_api import FIRST, GAP, OUTCOME, Outcome, run_on
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/analytics", tags=["journeys"])


@router.get(
    "/friction",
    description="Friction points ranked by customers affected times the NPS points lost "
    "(the adjusted effect from the driver analysis), each with its evidence: orders, "
    "respondents, raw and adjusted effects with intervals, churn with and without it, and "
    "days past the promised date for late deliveries; each links to its evidence "
    "(`evidence_url`). Beside them, `drop_offs.steps`: the steps of multi-step touchpoints "
    "(events with a `step` property, read as a funnel in the touchpoint's channel) ranked "
    "by attempts lost beyond a typical step (attempts reaching it x its drop rate minus the "
    "median drop rate of the other steps; only steps significantly above the others are "
    "scored), with attempts, drop-offs, customers who left there, the drop rate's Wilson "
    "interval, the peers' median rate, the Benjamini-Hochberg adjusted p-value, and "
    "`funnel_url`: the funnel behind it. The filters apply to the attempts' first event. "
    "And `effort.points`: touchpoints whose CES answers (1-7, 7 = very easy) are worse than "
    "the other touchpoints' (Welch t test against their pooled answers, Benjamini-Hochberg), "
    "with respondents, mean and its 95% interval, the others' mean, the shares of easy "
    "answers (5-7), customers with an event at the touchpoint, and a score for the "
    "significantly harder ones: those customers x (the others' easy share - its easy "
    "share); `responses_url` lists the hard answers (1-4) behind it. And `emotion.points`: "
    "journey stages whose comments (their newest text enrichment; the stage as on the "
    "emotion curve) are more often negative than the other stages' (two-proportion z test, "
    "Benjamini-Hochberg), with comments, negative share and its Wilson interval, the "
    "others' share, mean sentiment, the most frequent emotion, customers who commented, and "
    "a score for the significantly more negative ones: those customers x (its negative "
    "share - the others'); `evidence_url` lists the negative comments behind it.",
)
async def friction_route(
    request: Request,
    client: ApiClient,
    touchpoint: Annotated[list[str] | None, Query(description="Extra candidates.")] = None,
    loop_contacts: int = Query(default=3, ge=2, le=20),
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    funnel: Annotated[
        list[str] | None,
        Query(
            description="A funnel to weigh for drop-off besides the ones found, its steps "
            "separated by ` > ` (repeat), e.g. `Checkout Step Viewed[step=5] > Order Completed`; "
            "unknown steps are refused with the reason."
        ),
    ] = None,
    segment: str | None = Query(default=None, description="only customers in this segment"),
    first: str | None = Query(default=None, description=FIRST),
    outcome: Annotated[Outcome | None, Query(description=OUTCOME)] = None,
    gap_days: int = Query(default=30, ge=1, le=365, description=GAP),
) -> dict[str, Any]:
    q = FrictionQuery(
        tuple(touchpoint or ()),
        loop_contacts,
        store,
        channel,
        since,
        until,
        tuple(funnel or ()),
        segment,
        first,
        outcome,
        gap_days,
    )
    found = await run_in_threadpool(
        run_on, request.app.state.analytics, client.organization_id, friction, q
    )
    body = asdict(found)
    filters = {
        k: v
        for k, v in {
            "loop_contacts": loop_contacts,
            "store": store,
            "channel": channel,
            "since": since,
            "until": until,
            "segment": segment,
            "first": first,
            "outcome": outcome,
            "gap_days": gap_days if first else None,
        }.items()
        if v is not None
    }
    people = {k: v for k, v in filters.items() if k in ("first", "outcome", "gap_days")}
    for point in body["points"]:
        point["evidence_url"] = "/api/v1/analytics/friction/evidence?" + urlencode(
            {"name": point["name"], **filters}
        )
    dates = {
        k: v
        for k, v in (("store", store), ("since", since), ("until", until), ("segment", segment))
        if v
    }
    for step in body["drop_offs"]["steps"]:
        step["funnel_url"] = "/api/v1/analytics/funnel?" + urlencode(
            [("step", s) for s in step["funnel"]]
            + [("window_hours", WINDOW_HOURS)]
            + ([("channel", step["channel"])] if step["channel"] else [])
            + list(dates.items())
            + list(people.items())
        )
    for point in body["effort"]["points"]:
        point["responses_url"] = "/api/v1/responses?" + urlencode(
            {"touchpoint": point["touchpoint"], "kpi": "ces", "score_max": 4}
            | ({"store": store} if store else {})
            | ({"segment": segment} if segment else {})
            | people
        )
    for point in body["emotion"]["points"]:
        point["evidence_url"] = "/api/v1/analytics/friction/evidence?" + urlencode(
            {"name": f"emotion:{point['stage']}", **filters}
        )
    return body


@router.get(
    "/friction/evidence",
    description="The evidence behind one friction point (`name`: late, contact_loop, "
    "returned, a touchpoint code, or `emotion:<stage>` for a stage's negative comments and "
    "the customers who wrote them), with the same filters as the list: the ids of the "
    "customers and orders that had it, and the survey responses (lowest NPS first) and "
    "comments (newest first, with their sentiment) about those orders; counts are complete, "
    "the listed responses and comments stop at 200 each.",
)
async def friction_evidence_route(
    request: Request,
    client: ApiClient,
    name: str,
    loop_contacts: int = Query(default=3, ge=2, le=20),
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = Query(default=None, description="only customers in this segment"),
    first: str | None = Query(default=None, description=FIRST),
    outcome: Annotated[Outcome | None, Query(description=OUTCOME)] = None,
    gap_days: int = Query(default=30, ge=1, le=365, description=GAP),
) -> dict[str, Any]:
    q = FrictionQuery(
        (), loop_contacts, store, channel, since, until, segment=segment, first=first,
        outcome=outcome, gap_days=gap_days,
    )  # fmt: skip
    found = await run_in_threadpool(
        _evidence, request.app.state.analytics, client.organization_id, q, name
    )
    return asdict(found)


def _evidence(analytics: Analytics, org_id: int, q: FrictionQuery, name: str) -> Any:
    with analytics.fresh() as con:
        return friction_evidence(con, org_id, q, name)
