"""The emotion curve by stage and channel: stages from touchpoints or the last event before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.emotion_curve import emotion_curve
from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.feedback.models import Feedback
from cxm.feedback.service import ingest_feedback
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.text.labels import EMOTIONS
from cxm.text.models import Enrichment
from tests.factories import organization, survey_answers, track

READINGS = {  # text -> (sentiment, score, labels)
    "f1": ("negative", -0.8, "anger"),
    "f2": ("positive", 0.6, "joy"),
    "f3": ("neutral", 0.0, "none"),
    "f4": ("negative", -0.4, "sadness"),
}


def _world(db: Database, slug: str = "acme") -> int:
    org = organization(db, slug)
    with db.writer() as conn:
        shipped = add_touchpoint(conn, org, "parcel", "Parcel", "delivery", "delivery")
        add_rule(conn, org, shipped, event_name="Parcel")
        cart = add_touchpoint(conn, org, "cart", "Cart", "web", "purchase")
        add_rule(conn, org, cart, event_name="Cart")
    ingest_batch(db, org, [track("e1", "Cart", user_id="c1", timestamp="2026-03-01T10:00:00Z")])
    comment = "2026-03-{day}T10:00:00Z"
    ingest_feedback(
        db,
        org,
        [
            # written a day after the cart: about the purchase stage
            {"kind": "comment", "text": "f1", "occurred_at": comment.format(day="02"),
             "customer": {"user_id": "c1"}},
            # names its touchpoint: delivery
            {"kind": "comment", "text": "f2", "occurred_at": comment.format(day="03"),
             "touchpoint": "parcel", "channel": "delivery", "customer": {"user_id": "c1"}},
            # a customer with no events: unknown
            {"kind": "comment", "text": "f3", "occurred_at": comment.format(day="04"),
             "customer": {"user_id": "c2"}},
            # the cart was 28 days before: too long ago to say
            {"kind": "comment", "text": "f4", "occurred_at": comment.format(day="29"),
             "customer": {"user_id": "c1"}},
        ],
    )  # fmt: skip
    with db.writer() as conn:
        ids = dict(conn.execute(select(Feedback.text, Feedback.id)).all())
        mark = change_mark(conn)
        insert_rows(
            conn,
            table(Enrichment),
            [
                {"organization_id": org, "feedback_id": ids[text], "model_version": "hand",
                 "language": "en", "language_confidence": 1.0, "sentiment": s,
                 "sentiment_score": score, "confidence": 1.0,
                 "emotions": dict.fromkeys(EMOTIONS, 0.0), "labels": labels,
                 "created_at": datetime(2026, 4, 1, tzinfo=UTC), "sync_mark": mark}
                for text, (s, score, labels) in READINGS.items()
            ],
        )  # fmt: skip
    survey_answers(db, org, datetime(2026, 3, 5, tzinfo=UTC), "nps", [10, 2], "delivery")
    return org


def test_curve_by_stage_by_hand(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        points = {p.key: p.as_dict() for p in emotion_curve(analytics, org, "stage")}
        channels = {p.key: p.as_dict() for p in emotion_curve(analytics, org, "channel")}
        march = emotion_curve(analytics, org, "stage", until=datetime(2026, 3, 10).date())
    finally:
        analytics.close()
    assert list(points) == ["purchase", "delivery", "unknown"]  # journey order
    assert points["purchase"]["comments"] == 1 and points["purchase"]["sentiment"] == -0.8
    assert points["purchase"]["emotions"]["anger"] == 1.0
    assert points["delivery"]["sentiment"] == 0.6 and points["delivery"]["emotions"]["joy"] == 1
    unknown = points["unknown"]
    assert unknown["comments"] == 2 and unknown["sentiment"] == pytest.approx(-0.2)
    assert unknown["negative_share"] == 0.5
    assert channels["unknown"]["comments"] == 3 and channels["delivery"]["comments"] == 1
    # NPS beside the comments: one promoter and one detractor answered about delivery.
    assert channels["delivery"]["nps"] == 0.0 and channels["delivery"]["nps_n"] == 2
    assert sum(p.comments for p in march) == 3  # the 29 March comment is outside


def test_bad_breakdowns_are_refused() -> None:
    with pytest.raises(ValidationError, match="by must be stage or channel"):
        emotion_curve(None, 1, "weather")  # type: ignore[arg-type]
