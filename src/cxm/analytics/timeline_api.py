"""JSON routes for customers: find one by an identity, and one customer's timeline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.timeline import customer_timeline, find_customers
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


@router.get(
    "",
    description="Customers whose id equals `q` or one of whose identities (e-mail, phone, "
    "loyalty card, anonymous id, CRM id) equals or starts with `q`; merged customers "
    "answer as the customer they were merged into.",
)
async def find(
    request: Request, client: ApiClient, q: str = Query(min_length=1, max_length=320)
) -> dict[str, Any]:
    ids = await run_in_threadpool(find_customers, request.app.state.db, client.organization_id, q)
    return {"customers": ids}


@router.get(
    "/{customer_id}/timeline",
    description="Everything one customer did and said across channels, newest first: "
    "events (with touchpoint and stage), orders, shipment updates, survey answers and "
    "feedback, in organization time, with the customer's identities and merged customers.",
)
async def timeline(request: Request, client: ApiClient, customer_id: int) -> dict[str, Any]:
    found = await run_in_threadpool(
        customer_timeline, request.app.state.analytics, client.organization_id, customer_id
    )
    return found.as_dict()
