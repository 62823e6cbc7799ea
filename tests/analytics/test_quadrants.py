"""Importance x performance: a hand-computed touchpoint rating (embedded and portable), the
planted late delivery in the quadrant to fix first, far-city stores doing worse on it, the
portable form equal to the embedded one on the demo world, the CLI and the API."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.order_facts import EMBEDDED, OrderQuery, OrderSource, order_facts
from cxm.analytics.portable_orders import PORTABLE
from cxm.analytics.quadrants import QuadrantQuery, Quadrants, quadrants
from cxm.cli import main
from cxm.core.db import Database
from cxm.core.settings import Settings, get_settings
from cxm.demo.truths import LATE_DELIVERY
from cxm.web.app import create_app
from tests.analytics.driver_world import driver_world, ratings
from tests.analytics.engines import same_figures
from tests.factories import api_key
from tests.worlds import World


def _run(
    db: Database, tmp_path: Path, org: int, q: QuadrantQuery, source: OrderSource = EMBEDDED
) -> Quadrants:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return quadrants(con, org, q, source)
    finally:
        analytics.close()


@pytest.mark.parametrize("source", [EMBEDDED, PORTABLE], ids=["embedded", "portable"])
def test_a_touchpoint_rating_by_hand(db: Database, tmp_path: Path, source: OrderSource) -> None:
    org = driver_world(db, drivers=3)
    ratings(db, org, "t1", [5, 5, 4, 2, 1])  # top-2-box: 3 of 5, given on 6 April
    found = _run(db, tmp_path, org, QuadrantQuery("stage", ("t0", "t1", "t2")), source)
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
    # The ratings' days are the organization's (Kyiv): 6 April is in until 6 April only.
    for until, base in ((date(2026, 4, 5), 0), (date(2026, 4, 6), 5)):
        q = QuadrantQuery("stage", ("t0", "t1"), until=until)
        upto = _run(db, tmp_path / str(until), org, q, source)
        t1 = next(p for panel in upto.panels for p in panel.points if p.driver == "t1")
        assert t1.performance_base == base
    # No store has ratings: each store panel's t1 has none.
    stores = _run(db, tmp_path / "stores", org, QuadrantQuery("store", ("t0", "t1")), source)
    assert all(
        p.performance is None for panel in stores.panels for p in panel.points if p.driver == "t1"
    )


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


PORTABLE_QUERIES = (
    QuadrantQuery("stage"),
    QuadrantQuery("stage", ("late", "contact_loop", "delay_notice", "store_purchase")),
    QuadrantQuery(
        "stage", ("late", "contact_loop", "store_purchase"), first="web_product", gap_days=3
    ),
    QuadrantQuery("store", ("late", "contact_loop", "store_purchase")),
    QuadrantQuery(
        "store",
        ("late", "delay_notice", "store_purchase"),
        since=date(2026, 1, 1),
        segment="loyalty",
        first="store_visit",
    ),
)


def test_portable_quadrants_on_duckdb_equal_the_embedded_ones(
    small_world: World, tmp_path: Path
) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            found = [(quadrants(con, org, q), quadrants(con, org, q, PORTABLE))
                     for q in PORTABLE_QUERIES]  # fmt: skip
    finally:
        analytics.close()
    for q, (embedded, portable) in zip(PORTABLE_QUERIES, found, strict=True):
        assert embedded.panels, q
        same_figures(asdict(portable), asdict(embedded), f"quadrants {q}")
    points = [[p for panel in e.panels for p in panel.points] for e, _ in found]
    assert any(p.quadrant == "concentrate" for p in points[0])
    # The CSAT of store purchases, in all and per store, and under the first touchpoint.
    for i in (1, 2, 3, 4):
        assert any(p.driver == "store_purchase" and p.performance_base for p in points[i])
    assert found[2][0].panels[0].respondents < found[0][0].panels[0].respondents


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
