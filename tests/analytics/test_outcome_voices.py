"""Outcome per path with what customers said: CSAT and comment sentiment per event and per
variant, by hand (the newest enrichment of a comment counts), through the CLI and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.outcomes import OutcomeQuery, Outcomes, outcomes
from cxm.cli import main
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.settings import Settings, get_settings
from cxm.feedback.models import Feedback
from cxm.ingest.models import Order
from cxm.surveys.models import Answer, Response
from cxm.text.models import Enrichment
from cxm.web.app import create_app
from tests.analytics.driver_world import driver_world
from tests.factories import _survey, api_key
from tests.worlds import World

HAD_T0 = (np.random.default_rng(5).random((240, 3)) < 0.4)[:, 0]
WITH = [int(i) for i in np.flatnonzero(HAD_T0)[:2]]
WITHOUT = int(np.flatnonzero(~HAD_T0)[0])
WHEN = datetime(2026, 4, 8, tzinfo=UTC)


def _said(db: Database, org: int) -> None:
    """CSAT 2 and 4 on two t0 orders, 5 on another; comments read -0.8 and -0.4 (negative)
    on the t0 orders and +0.6 on the other (whose first reading, -0.9, was superseded)."""
    with db.writer() as conn:
        ids = dict(conn.execute(select(table(Order).c.external_id, table(Order).c.id)).all())
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "csat", mark)
        orders = [ids[f"W{WITH[0]}"], ids[f"W{WITH[1]}"], ids[f"W{WITHOUT}"]]
        rids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid, "channel": "web",
              "order_id": o, "status": "complete", "started_at": WHEN, "completed_at": WHEN,
              "sync_mark": mark} for o in orders],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": "csat", "kind": "csat",
              "value": v, "text": None, "sync_mark": mark}
             for rid, v in zip(rids, (2.0, 4.0, 5.0), strict=True)],
        )  # fmt: skip
        fids = insert_returning_ids(
            conn,
            table(Feedback),
            [{"organization_id": org, "external_id": f"c{o}", "kind": "complaint", "text": "x",
              "channel": "web", "order_id": o, "occurred_at": WHEN, "received_at": WHEN,
              "sync_mark": mark} for o in orders],
        )  # fmt: skip
        readings = [
            (fids[2], "negative", -0.9, "v1"),
            (fids[0], "negative", -0.8, "v2"),
            (fids[1], "negative", -0.4, "v2"),
            (fids[2], "positive", 0.6, "v2"),
        ]
        insert_rows(
            conn,
            table(Enrichment),
            [{"organization_id": org, "feedback_id": f, "model_version": m, "language": "en",
              "language_confidence": 1.0, "sentiment": s, "sentiment_score": v,
              "confidence": 1.0, "emotions": {}, "labels": "", "created_at": WHEN,
              "sync_mark": mark} for f, s, v, m in readings],
        )  # fmt: skip


def _run(db: Database, tmp_path: Path, org: int, q: OutcomeQuery) -> Outcomes:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return outcomes(con, org, q)
    finally:
        analytics.close()


def test_csat_and_sentiment_with_and_without_an_event_by_hand(db: Database, tmp_path: Path) -> None:
    org = driver_world(db, drivers=3)
    _said(db, org)
    found = _run(db, tmp_path, org, OutcomeQuery(event="t0"))
    with_it, without = found.groups
    assert (with_it.csat, with_it.csat_n) == (pytest.approx(3.0), 2)
    assert (without.csat, without.csat_n) == (pytest.approx(5.0), 1)
    assert with_it.comments == 2 and with_it.sentiment == pytest.approx(-0.6)
    assert with_it.negative_share == pytest.approx(1.0)
    assert without.comments == 1 and without.sentiment == pytest.approx(0.6)  # the newest
    assert without.negative_share == pytest.approx(0.0)
    assert found.csat_difference == pytest.approx(-2.0)
    assert found.sentiment_difference == pytest.approx(-1.2)
    by_path = _run(db, tmp_path, org, OutcomeQuery())
    assert sum(g.comments for g in by_path.groups) == 3
    assert sum(g.csat_n for g in by_path.groups) == 3


def test_cli_and_api_carry_csat_and_sentiment(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = driver_world(sqlite_db, drivers=3)
    _said(sqlite_db, org)
    with TestClient(create_app(Settings(data_dir=tmp_path / "api"), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get(
            "/api/v1/analytics/outcomes", params={"event": "t0"}, headers=headers
        ).json()
        assert body["groups"][0]["csat"] == pytest.approx(3.0)
        assert body["sentiment_difference"] == pytest.approx(-1.2)
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CXM_DATABASE_URL", url)
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    ran = CliRunner().invoke(main, ["journeys", "outcomes", "--org", "acme", "--event", "t0"])
    get_settings.cache_clear()
    assert ran.exit_code == 0, ran.output
    assert "CSAT 3.00" in ran.output and "sentiment -0.60" in ran.output


def test_store_purchases_carry_their_csat_in_the_demo(small_world: World, tmp_path: Path) -> None:
    found = _run(
        small_world.db,
        tmp_path,
        small_world.summary.organization_id,
        OutcomeQuery(channel="store", top=3),
    )
    assert found.groups and all(g.csat_n > 0 for g in found.groups[:1])
    assert 1 <= (found.groups[0].csat or 0) <= 5
    assert json.dumps(found.groups[0].__dict__)  # plain values only
