"""JSON route for a background job's status: analyses answer 202 with a job to poll."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cxm.core.jobs import get_job
from cxm.web.deps import ApiClient, DbDep

router = APIRouter(prefix="/api/v1", tags=["jobs"])


class JobOut(BaseModel):
    id: int
    kind: str
    status: str
    attempts: int
    max_attempts: int
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None
    result: dict[str, Any] | None


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    description="A background job of your organization: queued, running, done (with its "
    "result) or dead (with its last error).",
)
async def job_status(job_id: int, client: ApiClient, db: DbDep) -> JobOut:
    job = await run_in_threadpool(get_job, db, job_id, client.organization_id)
    return JobOut.model_validate(job, from_attributes=True)
