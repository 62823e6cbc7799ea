"""Storing a respondent's answers page by page: partial responses, single use, the journey link."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from cxm.core.bulk import dialect_insert
from cxm.core.changes import Tombstone, change_mark
from cxm.core.db import Database, table
from cxm.surveys import limits
from cxm.surveys.answering import Values, answer_rows, values_from_rows
from cxm.surveys.comments import copy_comments
from cxm.surveys.definition import (
    LINKED_HIDDEN,
    PAIRED_SIDES,
    Definition,
    MatrixQuestion,
    Page,
    PairedQuestion,
)
from cxm.surveys.links import LinkProblem
from cxm.surveys.models import Answer, Response, SurveyLink


@dataclass(frozen=True)
class Progress:
    response_id: int | None
    status: str | None
    next_page: str | None
    values: Values


@dataclass
class Respondent:
    """Who is answering which version, and what the answers belong to."""

    org_id: int
    survey_id: int
    version_id: int
    definition: Definition
    language: str
    link: SurveyLink | None = None
    response_id: int | None = None
    hidden: dict[str, str] = field(default_factory=dict)  # anonymous links' query fields
    location_id: int | None = None
    known: Progress | None = None  # the response's state when it was read with the link


def progress(db: Database, response_id: int | None, definition: Definition) -> Progress:
    """Where a response stands and its answers so far (nothing yet: all None)."""
    if response_id is None:
        return Progress(None, None, None, {})
    rt, at = table(Response), table(Answer)
    with db.session() as s:
        row = s.execute(select(rt.c.status, rt.c.next_page).where(rt.c.id == response_id)).first()
        if row is None:
            return Progress(None, None, None, {})
        answers = s.execute(
            select(at.c.question, at.c.kind, at.c.value, at.c.text)
            .where(at.c.response_id == response_id)
            .order_by(at.c.id)
        ).all()
    rows = [(str(a[0]), str(a[1]), a[2], a[3]) for a in answers]
    return Progress(response_id, str(row[0]), row[1], values_from_rows(definition, rows))


def link_response(db: Database, link_id: int) -> int | None:
    with db.session() as s:
        found = s.scalar(select(Response.id).where(Response.link_id == link_id))
    return int(found) if found is not None else None


def _page_keys(page: Page) -> set[str]:
    keys: set[str] = set()
    for q in page.questions:
        if isinstance(q, MatrixQuestion):
            keys.update(f"{q.id}.{row.value}" for row in q.rows)
        elif isinstance(q, PairedQuestion):
            keys.update(a.id for a in q.attributes)
        else:
            keys.add(q.id)
    return keys


def _page_kinds(page: Page) -> set[str]:
    kinds: set[str] = set()
    for q in page.questions:
        kinds.update(PAIRED_SIDES.get(q.type, (q.type,)))
    kinds.discard("text")
    return kinds | {"text"}


def _new_response(conn: Connection, r: Respondent, now: datetime, mark: int) -> int:
    link = r.link
    row: dict[str, Any] = {
        "organization_id": r.org_id,
        "survey_id": r.survey_id,
        "version_id": r.version_id,
        "customer_id": link.customer_id if link else None,
        "order_id": link.order_id if link else None,
        "touchpoint_id": link.touchpoint_id if link else None,
        "location_id": link.location_id if link else r.location_id,
        "event_id": link.event_id if link else None,
        "channel": (link.channel if link else None) or r.hidden.get("channel"),
        "language": r.language,
        "status": "partial",
        "link_id": link.id if link else None,
        "started_at": now,
        "sync_mark": mark,
    }
    rt = table(Response)
    stmt = dialect_insert(conn, rt).values(**row)
    if link is not None:
        # A second submit of the same link (even concurrent) finds the first one's row.
        stmt = stmt.on_conflict_do_nothing(index_elements=[rt.c.link_id])
    found = conn.execute(stmt.returning(rt.c.id)).scalar()
    if found is None:
        assert link is not None
        found = conn.execute(select(rt.c.id).where(rt.c.link_id == link.id)).scalar_one()
    hidden = dict(link.hidden if link else {})
    hidden.update({k: v for k, v in r.hidden.items() if k not in LINKED_HIDDEN})
    if hidden:
        conn.execute(
            insert(table(Answer)),
            [{"organization_id": r.org_id, "response_id": found, "question": k, "kind": "hidden",
              "value": None, "text": str(v)[:2000], "sync_mark": mark}
             for k, v in hidden.items()],
        )  # fmt: skip
    return int(found)


def save_page(
    db: Database,
    r: Respondent,
    page_index: int,
    values: Values,
    following: str | None,
    now: datetime | None = None,
    rate: tuple[str, int] | None = None,
) -> int:
    """Store one page's answers; ``following`` is the next page's id (None: the response is done).

    Raises LinkProblem("used") when the response was already completed, so a link is
    answered once even when two submits race. With ``rate`` (key, limit), the post is counted
    in the same transaction and limits.RateLimited raised when over the limit.
    """
    now = now or datetime.now(UTC)
    page = r.definition.pages[page_index]
    rt, at = table(Response), table(Answer)
    with db.writer() as conn:
        if rate is not None and limits.count(conn, rate[0]) > rate[1]:
            raise limits.RateLimited()
        mark = change_mark(conn)
        rid = r.response_id or _new_response(conn, r, now, mark)
        done = following is None
        changed = conn.execute(
            update(rt)
            .where(rt.c.id == rid, rt.c.status == "partial")
            .values(
                next_page=following,
                status="complete" if done else "partial",
                completed_at=now if done else None,
                language=r.language,
                sync_mark=mark,
            )
        ).rowcount
        if changed == 0:
            raise LinkProblem("used")
        keys = _page_keys(page)
        old = list(
            conn.execute(
                select(at.c.id).where(
                    at.c.response_id == rid,
                    at.c.question.in_(keys),
                    at.c.kind.in_(_page_kinds(page)),
                )
            ).scalars()
        )
        if old:
            conn.execute(delete(at).where(at.c.id.in_(old)))
            conn.execute(
                insert(Tombstone),
                [{"table_name": "survey_answer", "row_id": i, "sync_mark": mark} for i in old],
            )
        rows = [
            {"organization_id": r.org_id, "response_id": rid, "sync_mark": mark, **row}
            for qid, value in values.items()
            for row in answer_rows(r.definition, qid, value)
        ]
        if rows:
            conn.execute(insert(at), rows)
        if done:  # its comments are feedback from now on, read like every other text
            copy_comments(conn, r.org_id, [rid], now, mark=mark)
    return rid
