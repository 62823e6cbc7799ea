"""Routes of the PDF report: the API's download and the dashboard's download button."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.measures import METRICS, KpiFilter
from cxm.reports.pdf import dashboard_pdf
from cxm.web.auth import CurrentUser
from cxm.web.deps import ApiClient
from cxm.web.i18n import request_language

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
page_router = APIRouter(include_in_schema=False)
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


async def _pdf(
    request: Request, org_id: int, period: str | None, language: str, channel: str | None,
    metric: str,
) -> Response:  # fmt: skip
    body = await run_in_threadpool(
        dashboard_pdf, request.app.state.analytics, org_id, period, language,
        KpiFilter(channel=channel or None), metric,
    )  # fmt: skip
    name = f"dashboard-{period or 'latest'}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/dashboard.pdf",
    description="The dashboard for a period as a PDF (A4): KPI cards with margins of error "
    "and tested changes, sales KPIs, monthly and weekly trend charts, the stage x channel "
    "heatmap and the store league table, in Ukrainian or English.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def dashboard_report(
    request: Request,
    client: ApiClient,
    period: str | None = Query(default=None, pattern=PERIOD, description="YYYY-MM, YYYY-Qn, YYYY"),
    language: str = Query(default="uk", pattern="^(uk|en)$"),
    channel: str | None = None,
    metric: str = Query(default="nps", pattern=f"^({'|'.join(METRICS)})$"),
) -> Response:
    return await _pdf(request, client.organization_id, period, language, channel, metric)


@page_router.get("/reports/dashboard.pdf")
async def dashboard_report_download(
    request: Request,
    user: CurrentUser,
    period: str | None = Query(default=None, pattern=PERIOD),
    channel: str | None = None,
    metric: str = Query(default="nps", pattern=f"^({'|'.join(METRICS)})$"),
) -> Response:
    language = request_language(request, user.language)
    return await _pdf(request, user.organization_id, period, language, channel, metric)
