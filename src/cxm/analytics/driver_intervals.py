"""Bootstrap intervals of driver importance as cached background jobs.

Point estimates are quick; a bootstrap of 200 resamples is not (a second or more on a
medium world, far more with Johnson's weights over many drivers). Pages and the API answer
with the point estimates at once and ask for the intervals here: a job keyed by the query
and a fingerprint of the data it reads (the respondents' scores and drivers), so the same
request on the same data reuses the finished job's result, and new answers make a new job.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cxm.analytics.drivers import DriverQuery, DriverResult, importance_intervals
from cxm.core.db import Database, table
from cxm.core.jobs import Job, JobContext, enqueue, handler

KIND = "analytics.driver_intervals"
RESAMPLES = 200


@dataclass(frozen=True)
class Intervals:
    status: str  # none (nothing to bootstrap), pending, ready, failed
    job_id: int | None = None
    resamples: int = 0
    error: str | None = None


def _payload(q: DriverQuery) -> dict[str, Any]:
    body = asdict(q)
    body["drivers"] = list(q.drivers)
    for name in ("since", "until"):
        body[name] = body[name].isoformat() if body[name] else None
    return body


def _query(body: dict[str, Any]) -> DriverQuery:
    fields = dict(body)
    fields["drivers"] = tuple(fields["drivers"])
    for name in ("since", "until"):
        fields[name] = date.fromisoformat(fields[name]) if fields[name] else None
    return DriverQuery(**fields)


def request_intervals(
    db: Database, analytics_path: Path, org_id: int, q: DriverQuery, found: DriverResult
) -> tuple[DriverResult, Intervals]:
    """The result with its importance intervals when a finished job has them; otherwise
    the job that will (enqueued once per query and data)."""
    if found.message or not found.data_key or not found.drivers:
        return found, Intervals("none")
    boot = replace(q, bootstrap=q.bootstrap or RESAMPLES)
    payload = _payload(boot)
    key = hashlib.sha1(
        (json.dumps(payload, sort_keys=True) + found.data_key).encode(), usedforsecurity=False
    ).hexdigest()
    jobs = table(Job)
    with db.engine.connect() as conn:
        row = conn.execute(
            select(jobs.c.id, jobs.c.status, jobs.c.result, jobs.c.last_error)
            .where(jobs.c.organization_id == org_id, jobs.c.kind == KIND, jobs.c.key == key)
            .order_by(jobs.c.id.desc())
            .limit(1)
        ).first()
    if row is None:
        with db.writer() as conn:
            job_id = enqueue(
                conn,
                KIND,
                {"query": payload, "org": org_id, "analytics_path": str(analytics_path)},
                organization_id=org_id,
                key=key,
                max_attempts=2,
            )
        return found, Intervals("pending", job_id, boot.bootstrap)
    if row.status == "done" and row.result is not None:
        bounds = row.result.get("intervals", {})
        drivers = [
            replace(d, importance_low=bounds[d.name][0], importance_high=bounds[d.name][1])
            if d.name in bounds
            else d
            for d in found.drivers
        ]
        return replace(found, drivers=drivers), Intervals("ready", row.id, boot.bootstrap)
    if row.status == "dead":
        return found, Intervals("failed", row.id, boot.bootstrap, row.last_error)
    return found, Intervals("pending", row.id, boot.bootstrap)


@handler(KIND)
def _bootstrap(ctx: JobContext) -> dict[str, Any]:
    """Run the bootstrap of one driver query over the synced analytics store."""
    from cxm.analytics.backend import Analytics
    from cxm.core.settings import Settings

    path = Path(ctx.payload["analytics_path"])
    analytics = Analytics(ctx.db, Settings(data_dir=path.parent, analytics_path=path))
    try:
        with analytics.fresh() as con:
            bounds = importance_intervals(
                con, int(ctx.payload["org"]), _query(ctx.payload["query"])
            )
    finally:
        analytics.close()
    return {"intervals": {d: list(b) for d, b in bounds.items()}}


__all__ = ["KIND", "Intervals", "request_intervals"]
