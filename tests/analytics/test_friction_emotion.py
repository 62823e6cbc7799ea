"""Emotion friction: hand-read comments at three stages (one mostly negative), its evidence,
the filters, the API's links and the CLI; the demo world's complaints after sales."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from cxm.analytics.backend import Analytics
from cxm.analytics.friction import FrictionQuery, friction
from cxm.analytics.friction_emotion import EmotionList, negative_emotion
from cxm.analytics.friction_evidence import friction_evidence
from cxm.cli import main
from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.jobs import Job
from cxm.core.schema import upgrade
from cxm.core.settings import Settings
from cxm.demo.world import generate
from cxm.feedback.models import Feedback
from cxm.feedback.service import ingest_feedback
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.text.enrichment import JOB
from cxm.text.labels import EMOTIONS
from cxm.text.models import Enrichment
from tests.factories import api_key, organization

# Per stage's touchpoint: comments and how many of them (the first ones) are negative.
COMMENTS = {"parcel": (20, 15), "cart": (20, 2), "call": (20, 3)}
STAGES = {"parcel": "delivery", "cart": "purchase", "call": "after_sales"}


def emotion_world(db: Database, org: int | None = None, text: str = "Where is it") -> int:
    org = org or organization(db)
    with db.writer() as conn:
        for code, stage in STAGES.items():
            tp = add_touchpoint(conn, org, code, code, "web", stage)
            add_rule(conn, org, tp, event_name=code.title())
    items = [
        # Two comments per customer at each stage.
        {"kind": "comment", "text": f"{text} {code} {i}", "touchpoint": code, "channel": "web",
         "occurred_at": f"2026-03-{1 + i:02d}T10:00:00Z",
         "customer": {"user_id": f"{code}-c{i // 2}"}}
        for code, (n, _) in COMMENTS.items()
        for i in range(n)
    ]  # fmt: skip
    ingest_feedback(db, org, items)
    with db.writer() as conn:
        # The hand readings stand in for the model's: no worker reads these comments again.
        conn.execute(delete(table(Job)).where(table(Job).c.kind == JOB))
        ids = dict(conn.execute(select(Feedback.text, Feedback.id)).all())
        mark = change_mark(conn)
        rows = []
        for code, (n, bad) in COMMENTS.items():
            for i in range(n):
                s, score, label = (
                    ("negative", -0.6, "anger") if i < bad else ("positive", 0.5, "joy")
                )
                rows.append(
                    {"organization_id": org, "feedback_id": ids[f"{text} {code} {i}"],
                     "model_version": "hand", "language": "en", "language_confidence": 1.0,
                     "sentiment": s, "sentiment_score": score, "confidence": 1.0,
                     "emotions": dict.fromkeys(EMOTIONS, 0.0), "labels": label,
                     "created_at": datetime(2026, 4, 1, tzinfo=UTC), "sync_mark": mark}
                )  # fmt: skip
        insert_rows(conn, table(Enrichment), rows)
    return org


def _run(db: Database, tmp_path: Path, org: int, **filters: object) -> EmotionList:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return negative_emotion(con, org, **filters)  # type: ignore[arg-type]
    finally:
        analytics.close()


def test_the_mostly_negative_stage_is_ranked_with_its_evidence(
    db: Database, tmp_path: Path
) -> None:
    org = emotion_world(db)
    found = _run(db, tmp_path, org)
    assert found.comments == 60
    top = found.points[0]
    assert (top.stage, top.comments, top.negative, top.customers) == ("delivery", 20, 15, 10)
    assert top.negative_share == pytest.approx(0.75)
    assert top.others_negative_share == pytest.approx(5 / 40)
    assert top.harmful and top.p_value is not None and top.p_value < 0.05
    assert top.score == pytest.approx(10 * (0.75 - 5 / 40))
    assert top.top_emotion == "anger" and top.top_emotion_share == pytest.approx(0.75)
    assert top.sentiment == pytest.approx((15 * -0.6 + 5 * 0.5) / 20)
    assert top.negative_low is not None and top.negative_low < 0.75 < (top.negative_high or 0)
    assert [p.stage for p in found.points[1:]] == ["after_sales", "purchase"]
    assert all(p.score is None and not p.harmful and p.note for p in found.points[1:])
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        behind = friction_evidence(con, org, FrictionQuery(), "emotion:delivery")
        nothing = friction_evidence(con, org, FrictionQuery(), "emotion:use")
    analytics.close()
    # The 15 negative comments, by customers c0..c7 (two each, the last one once).
    assert (behind.comments, behind.customers, behind.orders) == (15, 8, 0)
    assert len(behind.shown_comments) == 15 and len(behind.customer_ids) == 8
    assert all(c.sentiment == "negative" for c in behind.shown_comments)
    assert behind.shown_comments[0].text == "Where is it parcel 14"  # newest first
    assert nothing.comments == 0 and nothing.message


def test_emotion_filters_that_match_nothing_say_so(db: Database, tmp_path: Path) -> None:
    org = emotion_world(db)
    from datetime import date

    later = _run(db, tmp_path, org, since=date(2026, 5, 1))
    assert later.points == [] and later.message and "comments" in later.message
    nowhere = _run(db, tmp_path, org, store="NO-SUCH-STORE")
    assert nowhere.points == [] and nowhere.message


def test_api_and_cli_link_each_stage_to_its_negative_comments(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxm.core.settings import get_settings
    from cxm.web.app import create_app

    org = emotion_world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get("/api/v1/analytics/friction", headers=headers).json()
        top = body["emotion"]["points"][0]
        assert top["stage"] == "delivery" and top["score"] == pytest.approx(6.25)
        url = top["evidence_url"]
        assert url == "/api/v1/analytics/friction/evidence?name=emotion%3Adelivery&loop_contacts=3"
        behind = client.get(url, headers=headers).json()
        assert behind["comments"] == 15 and behind["customers"] == 8
    monkeypatch.setenv("CXM_DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["friction", "--org", "acme", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["emotion"]["points"][0]["stage"] == "delivery"
    table_out = CliRunner().invoke(main, ["friction", "--org", "acme"])
    assert table_out.exit_code == 0 and "Negative emotion" in table_out.output
    assert "15 of 20 comments negative" in table_out.output


def test_the_demo_worlds_complaints_make_after_sales_the_unhappy_stage(tmp_path: Path) -> None:
    from cxm.text.enrichment import enrich_pending, load_model, model_path

    db = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(db.engine)
    summary = generate(db, "small", seed=3)
    org = summary.organization_id
    enrich_pending(db, org, load_model(model_path(None, org)))
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        found = friction(con, org, FrictionQuery())
    analytics.close()
    db.dispose()
    top = found.emotion.points[0]
    # Contact loops' complaints are angry and late orders' sad (truths.COMPLAINTS); both are
    # written as complaints, after sales. The other stages hold praise and the reasons given
    # in the survey after a delivery, a quarter of them about a late one or a contact loop.
    assert (top.stage, top.harmful) == ("after_sales", True)
    others = top.others_negative_share
    assert top.negative_share > 0.6 and others is not None and others < 0.3
    assert top.top_emotion in ("anger", "sadness")
