"""Weak sentiment labels from the organization's own rated texts.

A review stored with its stars (feedback ``rating``) is labelled by them: 1-2 negative,
3 neutral, 4-5 positive. Likewise a customer who gives a CSAT or NPS score and writes a
comment on the same survey response has, roughly, labelled the comment: CSAT 1-2
negative, 3 neutral, 4-5 positive; NPS 0-6 negative, 7-8 neutral, 9-10 positive
(detractors, passives, promoters). Where a response
has both, CSAT decides (it is asked about the experience the comment describes). The
labels are noisy (a promoter may still complain about one thing), so they suit training on
many texts, not judging a model.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from cxm.core.db import Database, table
from cxm.feedback.models import Feedback
from cxm.surveys.models import Answer
from cxm.text.labels import Labelled, star_sentiment
from cxm.text.models import Enrichment

SCORES = ("csat", "nps")


def sentiment_of(kind: str, value: float) -> str | None:
    """The weak label of one score (None outside the scale)."""
    if kind == "csat" and 1 <= value <= 5:
        return star_sentiment(value)
    if kind == "nps" and 0 <= value <= 10:
        return "negative" if value <= 6 else "neutral" if value < 9 else "positive"
    return None


def rated_texts(db: Database, org_id: int) -> Labelled:
    """Each rated feedback text (a review with its stars) and each survey comment that has a
    CSAT or NPS score on its response, with its label."""
    out = Labelled()
    fb = table(Feedback)
    reviews = (
        select(fb.c.text, fb.c.rating)
        .where(fb.c.organization_id == org_id, fb.c.rating.is_not(None))
        .order_by(fb.c.id)
    )
    with db.engine.connect() as conn:
        for text, rating in conn.execute(reviews):
            if str(text).strip() and 1 <= rating <= 5:
                out.add(str(text).strip(), star_sentiment(rating), None, "")
    a = table(Answer)
    query = (
        select(a.c.response_id, a.c.kind, a.c.value, a.c.text)
        .where(
            a.c.organization_id == org_id,
            or_(a.c.kind.in_(SCORES), (a.c.kind == "text") & a.c.text.is_not(None)),
        )
        .order_by(a.c.response_id, a.c.id)
    )
    texts: dict[int, list[str]] = {}
    scores: dict[int, dict[str, float]] = {}
    with db.engine.connect() as conn:
        for response_id, kind, value, text in conn.execute(query):
            if kind == "text":
                if text and text.strip():
                    texts.setdefault(int(response_id), []).append(str(text).strip())
            elif value is not None:
                scores.setdefault(int(response_id), {}).setdefault(str(kind), float(value))
    for response_id, comments in texts.items():
        given = scores.get(response_id, {})
        label = next(
            (sentiment_of(k, given[k]) for k in SCORES if k in given and sentiment_of(k, given[k])),
            None,
        )
        if label is not None:
            for comment in comments:
                out.add(comment, label, None, "")
    return out


def rating_agreement(db: Database, org_id: int) -> dict[str, Any] | None:
    """How the stored sentiment (each review's newest reading) agrees with the stars the
    reviews gave (1-2 negative, 3 neutral, 4-5 positive): the sentiment report over the
    rated reviews read so far, or None when there are none. Rough labels, so a check to
    watch, not an accuracy figure."""
    from cxm.text.evaluation import sentiment_report

    fb, en = table(Feedback), table(Enrichment)
    rated = select(fb.c.id).where(fb.c.organization_id == org_id, fb.c.rating.is_not(None))
    newest = (  # the readings of rated reviews only: the Voice page asks on every view
        select(en.c.feedback_id, func.max(en.c.id).label("id"))
        .where(en.c.organization_id == org_id, en.c.feedback_id.in_(rated))
        .group_by(en.c.feedback_id)
        .subquery()
    )
    query = (
        select(fb.c.rating, en.c.sentiment, en.c.sentiment_score)
        .join(newest, newest.c.feedback_id == fb.c.id)
        .join(en, en.c.id == newest.c.id)
        .where(fb.c.organization_id == org_id, fb.c.rating.between(1, 5))
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    if not rows:
        return None
    truth = [star_sentiment(r) for r, _, _ in rows]
    report = sentiment_report(truth, [str(s) for _, s, _ in rows], [float(v) for *_, v in rows])
    return {k: report[k] for k in ("n", "reading", "accuracy", "macro_f1", "confusion")} | (
        {"two_way": report["two_way"]} if "two_way" in report else {}
    )
