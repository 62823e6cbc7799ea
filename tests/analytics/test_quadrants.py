"""Importance x performance: a hand-computed touchpoint rating, the planted late delivery in
the quadrant to fix first, far-city stores doing worse on it, the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.order_facts import OrderQuery, order_facts
from cxm.analytics.quadrants import QuadrantQuery, Quadrants, quadrants
from cxm.cli import main
from cxm.core.db import Database
from cxm.core.settings import Settings, get_settings
from cxm.demo.truths import LATE_DELIVERY
from cxm.web.app import create_app
from tests.analytics.driver_world import driver_world, ratings
from tests.factories import api_key
from tests.worlds import World


def _run(db: Database, tmp_path: Path, org: int, q: QuadrantQuery) -> Quadrants:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return quadrants(con, org, q)
    finally:
        analytics.close()


def test_a_touchpoint_rating_by_hand(db: Database, tmp_path: Path) -> None:
    org = driver_world(db, drivers=3)
    ratings(db, org, "t1", [5, 5, 4, 2, 1])  # top-2-box: 3 of 5
    found = _run(db, tmp_path, org, QuadrantQuery("stage", ("t0", "t1", "t2")))
    assert found.importance_method == "lmg"
    points = {p.driver: p for panel in found.panels for p in panel.points}
    assert {panel.key for panel in found.panels} == {"delivery", "after_sales", "use"}
    assert points["t1"].performance == pytest.approx(0.6) and points["t1"].performance_base == 5
    assert points["t0"].performance is None and points["t0"].quadrant is None
    assert points["t0"].note == "no CSAT ratings at this touchpoint"
    # Only t1 is drawn, so the lines pass through it: important enough and good enough.
    assert found.importance_cut == pytest.approx(points["t1"].importance)
    assert found.performance_cut == pytest.approx(0.6)
    assert points["t1"].quadrant == "keep_up"


def test_late_delivery_is_the_one_to_fix_first(small_world: World, tmp_path: Path) -> None:
    org = small_world.summary.organization_id
    found = _run(small_world.db, tmp_path, org, QuadrantQuery("stage"))
    points = {p.driver: p for panel in found.panels for p in panel.points}
    late = points["late"]
    assert late.stage == "delivery" and late.quadrant == "concentrate" and late.significant
    assert 1 - late.performance == pytest.approx(  # type: ignore[operator]
        LATE_DELIVERY.share_of_delivered_orders, abs=0.03
    )
    assert not points["returned"].significant
    assert points["returned"].quadrant in ("low_priority", "overkill")


def test_far_city_stores_deliver_late_more_often(small_world: World, tmp_path: Path) -> None:
    org = small_world.summary.organization_id
    found = _run(small_world.db, tmp_path, org, QuadrantQuery("store", ("late", "contact_loop")))
    late = {
        panel.key: next(p for p in panel.points if p.driver == "late") for panel in found.panels
    }
    far = [late[s].performance for s in ("ODESA-1", "KHARKIV-1", "ZAPORIZHZHIA-1")]
    kyiv = [late[s].performance for s in ("KYIV-1", "KYIV-2")]
    assert max(far) < min(kyiv)  # type: ignore[type-var]
    # A store with few respondents is read against the organization's weights, and says so.
    small = next(panel for panel in found.panels if panel.respondents < 100)
    assert small.importance_from == "organization" and "Too few respondents" in (
        small.message or ""
    )
    # The store's performance is its customers' own: the share of their orders not late.
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        odesa = order_facts(con, org, OrderQuery(home_store="ODESA-1")).filter(pl.col("delivery"))
    analytics.close()
    assert late["ODESA-1"].performance == pytest.approx(1 - odesa["late"].mean())  # type: ignore[operator]


def test_cli_and_api_give_the_quadrants(
    small_world: World, sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = small_world.db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CXM_DATABASE_URL", url)
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    ran = CliRunner().invoke(main, ["drivers", "quadrants", "--by", "stage", "--json"])
    assert ran.exit_code == 0, ran.output
    body = json.loads(ran.output)
    assert body["by"] == "stage" and body["importance_method"] == "lmg"
    assert any(p["quadrant"] == "concentrate" for panel in body["panels"] for p in panel["points"])
    get_settings.cache_clear()
    org = driver_world(sqlite_db, drivers=3)
    with TestClient(create_app(Settings(data_dir=tmp_path / "api"), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        ok = client.get(
            "/api/v1/analytics/drivers/quadrants",
            params={"driver": ["t0", "t1"], "by": "store"},
            headers=headers,
        )
        assert ok.status_code == 200 and ok.json()["by"] == "store"
        bad = client.get(
            "/api/v1/analytics/drivers/quadrants", params={"by": "city"}, headers=headers
        )
        assert bad.status_code == 422 and "by" in bad.text
