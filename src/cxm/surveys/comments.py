"""Survey comments are feedback: each free-text answer of a completed response is copied
into the feedback table as kind ``survey_comment``, tied to the response's customer,
order, touchpoint, store, channel and language, so that it is read (language, sentiment,
emotions, themes), searched and counted like every other text a customer writes. The
comments of an employee survey (eNPS) are copied as ``employee_comment``: they are
staff's words, not customers'.

The copy is made in the transaction that completes the response and queues enrichment
there, so a comment is never stored without being read. Its external id,
``survey:<response id>:<question>``, makes copying idempotent: ``copy_comments`` can run
again over any responses (``cxm text enrich`` does, for responses completed before this
copy existed or imported another way) and stores each comment once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.feedback.models import Feedback
from cxm.surveys.models import Answer, Response, Survey

KIND = "survey_comment"
EMPLOYEE_KIND = "employee_comment"  # an employee survey's comments are not customers' words


def external_id(response_id: int, question: str) -> str:
    return f"survey:{response_id}:{question}"


def copy_comments(
    conn: Connection,
    org_id: int,
    response_ids: list[int] | None = None,
    now: datetime | None = None,
    data_dir: Path | None = None,
    mark: int | None = None,
    queue: bool = True,
) -> int:
    """Copy the text answers of the organization's completed responses (``response_ids``,
    or all) into feedback; how many were new. Enrichment is queued when any were (unless
    ``queue`` is false: the caller reads them itself). ``mark`` is the transaction's change
    mark when the caller has taken one."""
    from cxm.text.enrichment import queue_enrichment

    rt, at, st = table(Response), table(Answer), table(Survey)
    query = (
        select(
            rt.c.id, at.c.question, at.c.text, rt.c.customer_id, rt.c.order_id,
            rt.c.touchpoint_id, rt.c.location_id, rt.c.channel, rt.c.language,
            rt.c.completed_at, st.c.kind,
        )
        .join(at, at.c.response_id == rt.c.id)
        .join(st, st.c.id == rt.c.survey_id)
        .where(
            rt.c.organization_id == org_id,
            rt.c.status == "complete",
            at.c.kind == "text",
            at.c.text.is_not(None),
        )
        .order_by(rt.c.id, at.c.id)
    )  # fmt: skip
    if response_ids is not None:
        query = query.where(rt.c.id.in_(response_ids))
    now = now or datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for (
        rid,
        question,
        text,
        customer,
        order,
        touchpoint,
        location,
        channel,
        language,
        done,
        survey_kind,
    ) in conn.execute(query):
        if not str(text).strip():
            continue
        if mark is None:
            mark = change_mark(conn)
        rows.append({
            "organization_id": org_id, "external_id": external_id(int(rid), str(question)),
            "kind": EMPLOYEE_KIND if survey_kind == "employee" else KIND, "text": str(text),
            "channel": channel, "touchpoint_id": touchpoint,
            "location_id": location, "customer_id": customer, "order_id": order,
            "category": None, "language": language, "occurred_at": done or now,
            "received_at": now, "sync_mark": mark,
        })  # fmt: skip
    if not rows:
        return 0
    stored = insert_rows(
        conn, table(Feedback), rows, ignore_conflicts_on=("organization_id", "external_id")
    )
    if stored and queue:
        queue_enrichment(conn, org_id, data_dir)
    return stored


def copy_all_comments(db: Database, org_id: int, data_dir: Path | None = None) -> int:
    """Every completed response's comments not copied yet (a catch-up; idempotent)."""
    with db.writer() as conn:
        return copy_comments(conn, org_id, None, data_dir=data_dir)
