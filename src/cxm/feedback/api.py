"""JSON route for feedback intake."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cxm.feedback.service import ingest_feedback
from cxm.ingest.schemas import BatchResult
from cxm.web.bodies import answer, items_of, json_body
from cxm.web.deps import ApiClient, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["feedback"])


@router.post(
    "/feedback",
    response_model=BatchResult,
    description="Store complaints, contact-centre notes, chats, social posts, employee "
    "comments and reviews (with their stars in `rating`, 1-5): one object or "
    "`{feedback: [...]}`. Each item is stored once "
    "(by `id`, or by its content when it has none); bad items are refused with their "
    "index, field and reason while the good ones are stored.",
)
async def feedback(
    request: Request, client: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    payload = await json_body(request, settings.max_body_bytes)
    items = items_of(payload, "feedback", settings.max_batch_messages)
    result = await run_in_threadpool(
        ingest_feedback, db, client.organization_id, items, None, settings.data_dir
    )
    return answer(result)
