"""JSON routes of the response explorer: filtered responses with their answers, and exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.explorer import PAGE_SIZE, ResponseQuery, find_responses
from cxm.analytics.explorer_export import export
from cxm.core.errors import Fault, ValidationError
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/responses", tags=["responses"])
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def response_query(
    period: str | None = Query(default=None, description="YYYY-MM, YYYY-Qn or YYYY"),
    survey: str | None = Query(default=None, description="survey code(s), comma-separated"),
    channel: str | None = None,
    stage: str | None = None,
    touchpoint: str | None = Query(default=None, description="touchpoint code"),
    store: str | None = Query(default=None, description="location code"),
    region: str | None = None,
    language: str | None = None,
    nps_group: str | None = Query(default=None, description="promoter, passive or detractor"),
    kpi: str = Query(default="nps", description="the answer score_min/score_max apply to"),
    score_min: str | None = Query(default=None, description="a number on the KPI's scale"),
    score_max: str | None = Query(default=None, description="a number on the KPI's scale"),
    text: str | None = Query(default=None, description="words that must occur in open answers"),
    customer: str | None = Query(default=None, description="customer id"),
    segment: str | None = Query(default=None, description="the respondent's customer segment"),
    delivery: str | None = Query(
        default=None,
        description="the response's order: on_time, late, (no delivery) or (no order)",
    ),
    first: str | None = Query(
        default=None,
        description="touchpoint code: respondents with a journey in the period starting there",
    ),
    outcome: str | None = Query(
        default=None,
        description="promoter, passive or detractor: the respondent's latest NPS answer's group",
    ),
    gap_days: str | None = Query(
        default=None,
        description="days of inactivity that end a journey, for `first` (default 30)",
    ),
) -> ResponseQuery:
    """The explorer's filters from the query string (empty values mean no filter)."""
    return query_from(locals())


def query_from(params: Mapping[str, Any]) -> ResponseQuery:
    """The filters from text values; a value that is not a number where one is needed is
    refused, naming its field."""
    faults: list[Fault] = []

    def clean(name: str) -> str | None:
        v = params.get(name)
        return (str(v).strip() or None) if v is not None else None

    def number(name: str, kind: type[float] | type[int]) -> Any:
        v = clean(name)
        try:
            return None if v is None else kind(v)
        except ValueError:
            faults.append(Fault(f"must be a{'n integer' if kind is int else ' number'}", name))
            return None

    low, high = number("score_min", float), number("score_max", float)
    who = number("customer", int)
    gap = number("gap_days", int)
    if faults:
        raise ValidationError("The response filters are not valid.", faults)
    return ResponseQuery(
        clean("period"), clean("survey"), clean("channel"), clean("stage"), clean("touchpoint"),
        clean("store"), clean("region"), clean("language"), clean("nps_group"),
        clean("kpi") or "nps", low, high, clean("text"), who, clean("segment"),
        clean("delivery"), clean("first"), clean("outcome"), 30 if gap is None else gap,
    )  # fmt: skip


Filters = Annotated[ResponseQuery, Depends(response_query)]


@router.get(
    "",
    description="Complete survey responses matching the filters (the KPIs' filters, the NPS "
    "group, a score range on one KPI's answer, and words in the open answers), newest "
    "first, each with every answer, its customer and order. `total` counts every match.",
)
async def list_responses(
    request: Request,
    client: ApiClient,
    q: Filters,
    offset: int = Query(default=0, ge=0),
    limit: int = Query(default=PAGE_SIZE, ge=1, le=1000),
) -> dict[str, Any]:
    page = await run_in_threadpool(
        find_responses, request.app.state.analytics, client.organization_id, q, offset, limit
    )
    return {
        "filters": q.as_params(),
        "total": page.total,
        "offset": page.offset,
        "responses": [r.as_dict() for r in page.rows],
    }


@router.get(
    "/export",
    description="Every response matching the filters as CSV (UTF-8) or Excel (xlsx): one row "
    "per response, one column per question. Cells that a spreadsheet would run as a formula "
    "are prefixed with an apostrophe.",
    response_class=Response,
)
async def export_responses(
    request: Request,
    client: ApiClient,
    q: Filters,
    format: str = Query(default="csv", pattern="^(csv|xlsx)$"),
) -> Response:
    return await export_response(request, client.organization_id, q, format)


async def export_response(request: Request, org_id: int, q: ResponseQuery, fmt: str) -> Response:
    """The export file as a download (shared with the explorer page's buttons)."""

    def build() -> bytes:
        page = find_responses(request.app.state.analytics, org_id, q, 0, None)
        return export(page.rows, fmt)

    body = await run_in_threadpool(build)
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="responses.{fmt}"'},
    )
