"""Journeys: hand-computed directly-follows graph and variants, ties, gaps, store filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.journeys import JourneyQuery, load_dfg, load_variants
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_location, add_rule, add_touchpoint
from cxm.web.app import create_app
from tests.factories import api_key, organization, track


def _world(db: Database) -> int:
    org = organization(db)
    with db.writer() as conn:
        add_location(conn, org, "S1", "Store 1")
        for code, event in (("A", "A"), ("B", "B"), ("C", "C")):
            tp = add_touchpoint(conn, org, code, code, "web", "purchase")
            add_rule(conn, org, tp, event_name=event)
    ingest_batch(
        db,
        org,
        [
            # u1: A 10:00, B and C at the same second (arrival decides: B then C), and 40 days
            # later A again: a second journey.
            track("1", "A", user_id="u1", timestamp="2026-03-01T10:00:00Z"),
            track("2", "B", user_id="u1", timestamp="2026-03-01T12:00:00Z"),
            track("3", "C", user_id="u1", timestamp="2026-03-01T12:00:00Z", location="S1"),
            track("4", "A", user_id="u1", timestamp="2026-04-10T10:00:00Z"),
            # u2: A then B two hours apart, plus an unmapped event that is left out.
            track("5", "A", user_id="u2", timestamp="2026-03-02T08:00:00Z"),
            track("6", "Unknown", user_id="u2", timestamp="2026-03-02T09:00:00Z"),
            track("7", "B", user_id="u2", timestamp="2026-03-02T12:00:00Z"),
        ],
    )
    return org


def test_directly_follows_graph_by_hand(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    edges = {(e.source, e.target): e for e in load_dfg(analytics, org, JourneyQuery())}
    assert set(edges) == {("A", "B"), ("B", "C")}
    ab = edges[("A", "B")]
    assert (ab.count, ab.journeys) == (2, 2)
    assert ab.share == pytest.approx(2 / 3)  # three journeys: u1 twice, u2 once
    assert ab.median_hours == pytest.approx(3.0)  # 2 h and 4 h
    assert ab.p90_hours == pytest.approx(3.8)
    assert edges[("B", "C")].median_hours == 0
    analytics.close()


def test_variants_by_hand_and_a_longer_gap_joins_journeys(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    found = [(v.steps, v.journeys) for v in load_variants(analytics, org, JourneyQuery())]
    assert found == [(["A"], 1), (["A", "B"], 1), (["A", "B", "C"], 1)]
    long_gap = load_variants(analytics, org, JourneyQuery(gap_days=60))
    assert [v.steps for v in long_gap] == [["A", "B"], ["A", "B", "C", "A"]]
    assert long_gap[1].median_days == pytest.approx(40.0)
    analytics.close()


def test_store_filter_and_empty_results(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    at_store = load_variants(analytics, org, JourneyQuery(store="S1"))
    assert [v.steps for v in at_store] == [["A", "B", "C"]]
    assert load_dfg(analytics, org, JourneyQuery(store="NOWHERE")) == []
    with pytest.raises(ValidationError):
        load_dfg(analytics, org, JourneyQuery(gap_days=0))
    analytics.close()


def test_journey_api_with_filters(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        headers = {"Authorization": f"Bearer {api_key(db, org)}"}
        body = client.get("/api/v1/analytics/dfg?since=2026-03-02", headers=headers).json()
        assert [(e["source"], e["target"], e["count"]) for e in body["edges"]] == [("A", "B", 1)]
        none = client.get("/api/v1/analytics/variants?store=X", headers=headers).json()
        assert none["variants"] == [] and "No journeys" in none["message"]
        bad = client.get("/api/v1/analytics/dfg?gap_days=0", headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "gap_days"
