"""Customer pages: find a customer by an identity, and one customer's timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxm.analytics.timeline import customer_timeline, find_customers
from cxm.core.errors import NotFound
from cxm.web.auth import CurrentUser, page_context
from cxm.web.i18n import render, request_language

router = APIRouter(include_in_schema=False)
KINDS = ("event", "order", "shipment", "response", "feedback")


@router.get("/customers", response_class=HTMLResponse)
async def customers_page(request: Request, user: CurrentUser, q: str = "") -> Response:
    lang = request_language(request, user.language)
    text = q.strip()[:320]
    found = await run_in_threadpool(
        find_customers, request.app.state.db, user.organization_id, text
    )
    if len(found) == 1:
        return RedirectResponse(f"/customers/{found[0]}", status_code=303)
    ctx = page_context(request, user, active="customers", q=text, found=found)
    return render(request, "customers.html", ctx, lang)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
async def customer_page(
    request: Request, user: CurrentUser, customer_id: int, kind: str = ""
) -> Response:
    lang = request_language(request, user.language)
    try:
        timeline = await run_in_threadpool(
            customer_timeline, request.app.state.analytics, user.organization_id, customer_id
        )
    except NotFound:
        ctx = page_context(request, user, active="customers", q=str(customer_id), found=[])
        return render(request, "customers.html", ctx, lang, status_code=404)
    shown = [e for e in timeline.entries if not kind or e.kind == kind]
    counts = {k: sum(1 for e in timeline.entries if e.kind == k) for k in KINDS}
    ctx = page_context(
        request,
        user,
        active="customers",
        t=timeline,
        entries=shown,
        kind=kind if kind in KINDS else "",
        kinds=KINDS,
        counts=counts,
    )
    return render(request, "customer.html", ctx, lang)
