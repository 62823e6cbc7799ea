"""The emotion curve by stage and channel: stages from touchpoints or the last event before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.emotion_curve import emotion_curve
from cxm.analytics.journeys import JourneyQuery
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


def _customer_id(db: Database, org: int, user: str) -> int:
    from cxm.ingest.models import CustomerIdentity

    ident = table(CustomerIdentity)
    with db.writer() as conn:
        found = conn.execute(
            select(ident.c.customer_id).where(
                (ident.c.organization_id == org) & (ident.c.value == user)
            )
        ).scalar_one()
    return int(found)


def test_curve_takes_the_journey_filters_by_hand(db: Database, tmp_path: Path) -> None:
    from tests.analytics.test_funnels import _segment

    org = _world(db)
    _segment(db, org, {"c1": "loyalty", "c2": "new"})
    # c1 answers 2 (a detractor) in the unknown stage; the world's two answers have no customer.
    survey_answers(db, org, datetime(2026, 3, 6, tzinfo=UTC), "nps", [2], "web",
                   survey="s2", customer_id=_customer_id(db, org, "c1"))  # fmt: skip
    analytics = Analytics(db, Settings(data_dir=tmp_path))

    def curve(**filters: str) -> dict[str, dict[str, object]]:
        q = JourneyQuery(**filters)  # type: ignore[arg-type]
        return {p.key: p.as_dict() for p in emotion_curve(analytics, org, journeys=q)}

    try:
        web = curve(channel="web")  # c1's cart journey: c1's comments and answers only
        none = curve(channel="delivery")  # no journey has a delivery event
        new = curve(segment="new")
        detractors = curve(outcome="detractor")
        promoters = curve(outcome="promoter")
        first = curve(first="cart")
        everyone = curve()
    finally:
        analytics.close()
    assert list(web) == ["purchase", "delivery", "unknown"]
    assert web["unknown"]["comments"] == 1 and web["unknown"]["sentiment"] == -0.4  # f4
    assert web["unknown"]["nps"] == -100.0 and web["unknown"]["nps_n"] == 1
    assert web["purchase"]["nps"] is None  # the world's two answers are nobody's
    assert none == {} and promoters == {}
    assert list(new) == ["unknown"] and new["unknown"]["sentiment"] == 0.0  # f3, c2's
    assert new["unknown"]["nps"] is None
    assert detractors == web == first
    assert sum(int(p["comments"]) for p in everyone.values()) == 4  # type: ignore[call-overload]
    assert everyone["unknown"]["nps_n"] == 3  # no filter: nobody's answers count too


def test_curve_filters_on_the_api_and_cli(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from cxm.cli import main
    from cxm.core.settings import get_settings
    from cxm.web.app import create_app
    from tests.factories import api_key

    org = _world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        url = "/api/v1/kpis/emotions/curve"
        web = client.get(url, params={"channel": "web"}, headers=headers).json()
        assert [(p["key"], p["comments"]) for p in web["points"]] == [
            ("purchase", 1), ("delivery", 1), ("unknown", 1)
        ]  # fmt: skip
        none = client.get(url, params={"first": "parcel"}, headers=headers).json()
        assert none["points"] == [] and none["message"]
        bad = client.get(url, params={"outcome": "happy"}, headers=headers)
        assert bad.status_code == 422
    monkeypatch.setenv("CXM_DATABASE_URL", sqlite_db.engine.url.render_as_string(False))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    done = CliRunner().invoke(
        main, ["kpi", "emotions", "--org", "acme", "--first", "cart", "--json"]
    )
    assert done.exit_code == 0, done.output
    assert [p["comments"] for p in json.loads(done.output)] == [1, 1, 1]
