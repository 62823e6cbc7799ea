"""Enriching feedback: language, sentiment, emotions and aspects stored per item and model
version.

New feedback is enriched by a background job queued in the same transaction that stored it;
``cxm text enrich`` works through a backlog. Both skip items the current model has already
read, so they can run again (and at once) without doing anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select

from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.jobs import Job, JobContext, enqueue, handler
from cxm.feedback.models import Feedback
from cxm.text.aspect_store import aspect_rows, read_pending_aspects, store_aspects
from cxm.text.backends import (
    TextBackend,
    forget_models,
    load_model,
    model_path,
    take_fallbacks,
    text_backend,
)
from cxm.text.language import detect
from cxm.text.models import Enrichment

if TYPE_CHECKING:
    from cxm.core.settings import Settings

BATCH = 2_000
log = logging.getLogger("cxm.text")
JOB = "text.enrich"
__all__ = ["forget_models", "load_model", "model_path"]  # kept here for older imports


def analyse(model: TextBackend, texts: list[str]) -> list[dict[str, Any]]:
    """Language, sentiment and emotions of each text (defined for empty and odd texts), and
    the version of the model that read it."""
    scores = model.score(texts)
    out = []
    for text, s in zip(texts, scores, strict=True):
        language, language_confidence = detect(text)
        if not text.strip() or language == "und":
            # Nothing to read: neutral, with no emotion, and said to be unsure.
            out.append(
                {"language": language or "", "language_confidence": language_confidence,
                 "sentiment": "neutral", "sentiment_score": 0.0, "confidence": 0.0,
                 "emotions": dict.fromkeys(s.emotions, 0.0), "labels": "none",
                 "model_version": s.version or model.version}
            )  # fmt: skip
            continue
        out.append(
            {"language": language, "language_confidence": round(language_confidence, 4),
             "sentiment": s.sentiment, "sentiment_score": round(s.sentiment_score, 4),
             "confidence": round(s.confidence, 4), "emotions": s.emotions,
             "labels": " ".join(s.labels), "model_version": s.version or model.version}
        )  # fmt: skip
    return out


def _pending(
    conn: Connection, org_id: int, version: str, limit: int, after: int
) -> list[tuple[int, str]]:
    fb, en = table(Feedback), table(Enrichment)
    done = and_(en.c.feedback_id == fb.c.id, en.c.model_version == version)
    rows = conn.execute(
        select(fb.c.id, fb.c.text)
        .outerjoin(en, done)
        .where(fb.c.organization_id == org_id, en.c.id.is_(None), fb.c.id > after)
        .order_by(fb.c.id)
        .limit(limit)
    ).all()
    return [(int(i), str(t)) for i, t in rows]


def backlog(db: Database, org_id: int, model: TextBackend) -> int:
    fb, en = table(Feedback), table(Enrichment)
    done = and_(en.c.feedback_id == fb.c.id, en.c.model_version == model.version)
    with db.engine.connect() as conn:
        n = conn.execute(
            select(func.count())
            .select_from(fb.outerjoin(en, done))
            .where(fb.c.organization_id == org_id, en.c.id.is_(None))
        ).scalar_one()
    return int(n)


def enrich_pending(
    db: Database,
    org_id: int,
    model: TextBackend,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Enrich feedback the model has not read yet, a batch per transaction; returns how many.

    Texts its fallback read instead (an LLM endpoint down) are stored under the fallback's
    version and stay pending for the model itself, to be read on a later run."""
    done, after = 0, 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        with db.engine.connect() as conn:
            todo = _pending(conn, org_id, model.version, size, after)
        if not todo:
            break
        after = todo[-1][0]
        results = analyse(model, [t for _, t in todo])
        now = datetime.now(UTC)
        read = [
            (fid, t, str(r["model_version"])) for (fid, t), r in zip(todo, results, strict=True)
        ]
        counts, aspect_rows_ = aspect_rows(org_id, read, model, now)
        with db.writer() as conn:
            mark = change_mark(conn)
            rows = [
                {"organization_id": org_id, "feedback_id": fid, "created_at": now,
                 "sync_mark": mark, "aspects": n, **r}
                for (fid, _), r, n in zip(todo, results, counts, strict=True)
            ]  # fmt: skip
            insert_rows(conn, table(Enrichment), rows, ("feedback_id", "model_version"))
            store_aspects(conn, aspect_rows_, mark)
        done += len(todo)
        if progress:
            progress(done)
    return done


def queue_enrichment(conn: Connection, org_id: int, data_dir: Path | None) -> int:
    """Ask for new feedback to be enriched (once per organization while a job is queued);
    the job's id. A running job may have taken its last look at what is pending before this
    write, or loaded a model since replaced, so a follow-up is queued behind it."""
    payload = {"org": org_id, "data_dir": str(data_dir) if data_dir else None}
    return enqueue(conn, JOB, payload, organization_id=org_id, key="pending", follow_running=True)


@handler(JOB)
def _enrich_job(ctx: JobContext) -> dict[str, Any]:
    from cxm.core.settings import get_settings

    take_fallbacks()  # causes seen before this run belong to other work
    org_id = int(ctx.payload["org"])
    given = ctx.payload.get("data_dir")
    settings: Settings = get_settings()
    if given:
        settings = settings.model_copy(update={"data_dir": Path(given)})
    model = text_backend(settings, org_id)
    from cxm.text.theme_store import read_pending_themes

    enriched = enrich_pending(ctx.db, org_id, model)
    return {
        "enriched": enriched,
        "aspects": read_pending_aspects(ctx.db, org_id, model),
        "model": model.version,
        "themes": read_pending_themes(ctx.db, org_id),
        # Why texts were read by the builtin model instead (an unreachable endpoint ...).
        "fallbacks": take_fallbacks(),
    }


def last_run(db: Database, org_id: int) -> dict[str, Any] | None:
    """The organization's latest finished enrichment job: when, what it read, with which
    model, and why texts were read by the builtin model instead (``fallbacks``)."""
    jobs = table(Job)
    query = (
        select(jobs.c.finished_at, jobs.c.status, jobs.c.result, jobs.c.last_error)
        .where(jobs.c.organization_id == org_id, jobs.c.kind == JOB,
               jobs.c.finished_at.is_not(None))
        .order_by(jobs.c.finished_at.desc(), jobs.c.id.desc())
        .limit(1)
    )  # fmt: skip
    with db.engine.connect() as conn:
        found = conn.execute(query).first()
    if found is None:
        return None
    finished, status, result, error = found
    return {"finished_at": finished.isoformat() if finished else None, "status": status,
            "error": error, **(result or {})}  # fmt: skip


def readings_for(db: Database, org_id: int, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each given item's newest stored reading: the model that made it, when, the language
    with its confidence, the sentiment's confidence and every emotion's intensity."""
    if not ids:
        return {}
    en = table(Enrichment)
    newest = (
        select(func.max(en.c.id))
        .where(en.c.organization_id == org_id, en.c.feedback_id.in_(ids))
        .group_by(en.c.feedback_id)
    )
    query = select(
        en.c.feedback_id, en.c.model_version, en.c.created_at, en.c.language_confidence,
        en.c.confidence, en.c.emotions,
    ).where(en.c.id.in_(newest))  # fmt: skip
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    return {
        int(fid): {"model": model, "read_at": when.isoformat(), "language_confidence": lang,
                   "confidence": confidence, "emotion_intensities": dict(emotions or {})}
        for fid, model, when, lang, confidence, emotions in rows
    }  # fmt: skip
