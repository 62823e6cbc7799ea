"""Storing aspects: what each feedback item says about each aspect, kept with its enrichment.

Aspects are read in the same pass and transaction as sentiment and emotions, under the same
model version, and the enrichment row records how many were found. Items enriched before
aspects were stored (their count is NULL) are read by ``cxm text enrich`` and the background
job, so the backlog empties without reading sentiment again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.feedback.models import Feedback
from cxm.text.aspects import aspects
from cxm.text.backends import TextBackend
from cxm.text.models import AspectMention, Enrichment

BATCH = 2_000


def clause_reader(model: TextBackend) -> TextBackend:
    """The model that scores clauses: the backend itself, except an LLM's, whose fallback
    (the builtin model) does, so aspects cost no extra requests."""
    return getattr(model, "fallback", model) if model.name == "llm" else model


def aspect_rows(
    org_id: int,
    read: list[tuple[int, str, str]],  # (feedback id, text, model version of its enrichment)
    model: TextBackend,
    now: datetime,
) -> tuple[list[int], list[dict[str, Any]]]:
    """How many aspects each text names, and the rows to store (without their change mark)."""
    found = aspects(clause_reader(model), [t for _, t, _ in read])
    rows = [
        {"organization_id": org_id, "feedback_id": fid, "model_version": version,
         "aspect": a.aspect, "sentiment": a.sentiment, "score": a.score,
         "clause_start": a.start, "clause_end": a.end, "created_at": now}
        for (fid, _, version), readings in zip(read, found, strict=True) for a in readings
    ]  # fmt: skip
    return [len(f) for f in found], rows


def store_aspects(conn: Connection, rows: list[dict[str, Any]], mark: int) -> None:
    for row in rows:
        row["sync_mark"] = mark
    insert_rows(conn, table(AspectMention), rows, ("feedback_id", "model_version", "aspect"))


def _unread(org_id: int, version: str) -> Any:
    en = table(Enrichment)
    return and_(en.c.organization_id == org_id, en.c.model_version == version,
                en.c.aspects.is_(None))  # fmt: skip


def aspect_backlog(db: Database, org_id: int, model: TextBackend) -> int:
    """Items the model enriched before aspects were stored."""
    with db.engine.connect() as conn:
        where = _unread(org_id, model.version)
        return int(conn.execute(select(func.count()).where(where)).scalar_one())


def read_pending_aspects(
    db: Database,
    org_id: int,
    model: TextBackend,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Read and store the aspects of items the model enriched without them; how many."""
    en, fb = table(Enrichment), table(Feedback)
    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        with db.engine.connect() as conn:
            todo = conn.execute(
                select(en.c.id, en.c.feedback_id, fb.c.text)
                .join(fb, fb.c.id == en.c.feedback_id)
                .where(_unread(org_id, model.version))
                .order_by(en.c.id)
                .limit(size)
            ).all()
        if not todo:
            break
        counts, rows = aspect_rows(
            org_id, [(int(f), str(t), model.version) for _, f, t in todo], model,
            datetime.now(UTC),
        )  # fmt: skip
        with db.writer() as conn:
            store_aspects(conn, rows, change_mark(conn))
            for (eid, _, _), n in zip(todo, counts, strict=True):
                conn.execute(update(en).where(en.c.id == eid).values(aspects=n))
        done += len(todo)
        if progress:
            progress(done)
    return done


def aspects_for(db: Database, org_id: int, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The aspects of each given item's newest enrichment, in the order of the text."""
    if not ids:
        return {}
    en, asp = table(Enrichment), table(AspectMention)
    newest = (
        select(func.max(en.c.id))
        .where(en.c.organization_id == org_id, en.c.feedback_id.in_(ids))
        .group_by(en.c.feedback_id)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(
                asp.c.feedback_id,
                asp.c.aspect,
                asp.c.sentiment,
                asp.c.score,
                asp.c.clause_start,
                asp.c.clause_end,
            )  # fmt: skip
            .join(
                en,
                and_(
                    en.c.feedback_id == asp.c.feedback_id, en.c.model_version == asp.c.model_version
                ),
            )  # fmt: skip
            .where(en.c.id.in_(newest), asp.c.organization_id == org_id)
            .order_by(asp.c.feedback_id, asp.c.clause_start, asp.c.aspect)
        ).all()
    out: dict[int, list[dict[str, Any]]] = {}
    for fid, aspect, sentiment, score, start, end in rows:
        out.setdefault(int(fid), []).append(
            {"aspect": aspect, "sentiment": sentiment, "score": float(score),
             "start": int(start), "end": int(end)}
        )  # fmt: skip
    return out
