"""JSON routes for ingestion: the Segment-style batch, orders and shipments."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cxm.ingest.catalogue import (
    RuleIn,
    TouchpointIn,
    TouchpointOut,
    create_rule,
    create_touchpoint,
    list_touchpoints,
    remap_unmapped,
)
from cxm.ingest.events import IngestLimits, ingest_batch
from cxm.ingest.orders import ingest_orders, ingest_shipments
from cxm.ingest.schemas import BatchResult
from cxm.web.bodies import answer, items_of, json_body
from cxm.web.deps import ApiClient, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["ingest"])

BATCH_DOC = """Store a batch of Segment-spec messages (identify, track, page, screen, alias).

Every message needs a `messageId`; a message re-sent with the same id is stored once and
counted under `duplicates`. Good messages are stored even when others in the batch are bad:
the answer is 200 when all were good, 207 when some were refused (listed under `rejected`
with their index, field and reason) and 422 when none was stored. Never re-send the good
ones; fix and re-send only the refused ones. The answer comes after the commit.
"""


@router.post(
    "/batch",
    description=BATCH_DOC,
    response_model=BatchResult,
    responses={207: {"model": BatchResult}, 422: {"description": "Nothing stored"}},
)
async def batch(
    request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    payload = await json_body(request, settings.max_body_bytes)
    items = items_of(payload, "batch", settings.max_batch_messages)
    limits = IngestLimits(timedelta(hours=settings.future_tolerance_hours))
    result = await run_in_threadpool(ingest_batch, db, client.organization_id, items, limits)
    return answer(result)


@router.post(
    "/orders",
    response_model=BatchResult,
    description="Create or update orders by `order_id` (one object or `{orders: [...]}`).",
)
async def orders(
    request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    payload = await json_body(request, settings.max_body_bytes)
    items = items_of(payload, "orders", settings.max_batch_messages)
    result = await run_in_threadpool(ingest_orders, db, client.organization_id, items)
    return answer(result)


@router.post(
    "/shipments",
    response_model=BatchResult,
    description="Record shipment updates (shipped, delayed with `new_eta`, "
    "out_for_delivery, delivered, returned); idempotent by `message_id`.",
)
async def shipments(
    request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    payload = await json_body(request, settings.max_body_bytes)
    items = items_of(payload, "shipments", settings.max_batch_messages)
    result = await run_in_threadpool(ingest_shipments, db, client.organization_id, items)
    return answer(result)


@router.get(
    "/touchpoints",
    response_model=list[TouchpointOut],
    tags=["touchpoints"],
    description="The touchpoint catalogue with the rules that map events to each.",
)
async def touchpoints(client: ApiClient, db: DbDep) -> list[TouchpointOut]:
    return await run_in_threadpool(list_touchpoints, db, client.organization_id)


@router.post(
    "/touchpoints",
    status_code=201,
    tags=["touchpoints"],
    description="Add a touchpoint (and, with `event`, a rule mapping that event name).",
)
async def new_touchpoint(spec: TouchpointIn, client: ApiClient, db: DbDep) -> dict[str, int]:
    return {"id": await run_in_threadpool(create_touchpoint, db, client.organization_id, spec)}


@router.post(
    "/touchpoint-rules",
    status_code=201,
    tags=["touchpoints"],
    description="Add a rule: events matching all its conditions map to the touchpoint; "
    "among matching rules the lowest priority wins.",
)
async def new_rule(spec: RuleIn, client: ApiClient, db: DbDep) -> dict[str, int]:
    return {"id": await run_in_threadpool(create_rule, db, client.organization_id, spec)}


@router.post(
    "/touchpoints/remap",
    tags=["touchpoints"],
    description="Apply the current rules to events no rule matched so far.",
)
async def remap(client: ApiClient, db: DbDep) -> dict[str, int]:
    return {"mapped": await run_in_threadpool(remap_unmapped, db, client.organization_id)}
