"""Sales KPIs: hand-computed conversion, AOV, repeat, returns and churn, and the demo's churn."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from statsmodels.stats.proportion import proportions_ztest

from cxm.analytics.backend import Analytics
from cxm.analytics.measures import KpiFilter
from cxm.analytics.sales import sales_figures
from cxm.cli import main
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.demo import truths as T
from cxm.ingest.models import Customer, Event, Order, ShipmentUpdate
from cxm.ingest.touchpoints import add_touchpoint
from cxm.web.app import create_app
from tests.factories import api_key, organization, store_location
from tests.worlds import World


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def shop(db: Database, slug: str = "acme") -> int:
    """Five customers (p5 merged into p2), their orders, a return, a refund and events.

    p1: 2026-03-10 100, 2026-09-10 200 (KYIV-1), 2026-10-05 300 at KYIV-1, returned
    p2: 2026-10-12 500 web, refunded (and p5's 2026-04-01 80: the same person)
    p3: 2026-01-15 50 only;  p4: 2026-10-20 100 EUR (another currency)
    October events: p1 browse 2, buy 5, delivered 8; p2 buy 11, browse 12; p4 browse 20.
    """
    org = organization(db, slug)
    kyiv = store_location(db, org, "KYIV-1")
    with db.writer() as conn:
        mark = change_mark(conn)
        people = insert_returning_ids(
            conn,
            table(Customer),
            [{"organization_id": org, "language": "uk", "segment": "regular",
              "first_seen_at": _at("2026-01-01"), "sync_mark": mark} for _ in range(5)],
        )  # fmt: skip
        p1, p2, p3, p4, p5 = people
        conn.execute(table(Customer).update().where(table(Customer).c.id == p5).values(
            merged_into=p2))  # fmt: skip
        orders = [
            (p1, "2026-03-10", 100, "UAH", "web", None, False),
            (p1, "2026-09-10", 200, "UAH", "store", kyiv, False),
            (p1, "2026-10-05", 300, "UAH", "store", kyiv, False),
            (p2, "2026-10-12", 500, "UAH", "web", None, True),
            (p3, "2026-01-15", 50, "UAH", "web", None, False),
            (p4, "2026-10-20", 100, "EUR", "web", None, False),
            (p5, "2026-04-01", 80, "UAH", "web", None, False),
        ]
        ids = insert_returning_ids(
            conn,
            table(Order),
            [{"organization_id": org, "external_id": f"O{i}", "customer_id": c,
              "channel": ch, "location_id": loc, "amount": amount, "currency": cur,
              "placed_at": _at(day), "status": "placed", "refunded": refunded,
              "sync_mark": mark}
             for i, (c, day, amount, cur, ch, loc, refunded) in enumerate(orders)],
        )  # fmt: skip
        insert_rows(
            conn,
            table(ShipmentUpdate),
            [{"organization_id": org, "order_id": ids[2], "status": "returned",
              "occurred_at": _at("2026-10-09"), "message_id": "ret", "sync_mark": mark}],
        )  # fmt: skip
        tps = {
            stage: add_touchpoint(conn, org, stage, stage, channel, stage)
            for stage, channel in (("pre_purchase", "web"), ("purchase", "web"),
                                   ("delivery", "delivery"))
        }  # fmt: skip
        events = [
            (p1, "pre_purchase", "2026-10-02"), (p1, "purchase", "2026-10-05"),
            (p1, "delivery", "2026-10-08"), (p2, "purchase", "2026-10-11"),
            (p2, "pre_purchase", "2026-10-12"), (p4, "pre_purchase", "2026-10-20"),
        ]  # fmt: skip
        insert_rows(
            conn,
            table(Event),
            [{"organization_id": org, "message_id": f"e{i}", "type": "track", "name": stage,
              "customer_id": c, "touchpoint_id": tps[stage], "channel": "web",
              "occurred_at": _at(day), "received_at": _at(day), "unmapped": False,
              "sync_mark": mark} for i, (c, stage, day) in enumerate(events)],
        )  # fmt: skip
    return org


def _figures(db: Database, tmp_path: Path, org: int, metric: str, by: str | None = None,
             **kw: object) -> dict[str, dict[str, object]]:  # fmt: skip
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        found = sales_figures(analytics, org, metric, by, "2026-10", **kw)  # type: ignore[arg-type]
    finally:
        analytics.close()
    return {f"{f.stage}|{f.key}" if f.stage else f.key: f.as_dict() for f in found}


def test_average_order_value_counts_only_the_organizations_currency(
    db: Database, tmp_path: Path
) -> None:
    org = shop(db)
    aov = _figures(db, tmp_path, org, "aov")["all"]
    # October in UAH: 300 and 500; mean 400, sd sqrt(20,000), t(0.975, 1) = 12.7062.
    assert aov["n"] == 2 and aov["value"] == pytest.approx(400.0)
    assert aov["currency"] == "UAH" and aov["excluded"] == 1
    assert aov["margin"] == pytest.approx(12.7062 * math.sqrt(20_000 / 2), rel=1e-4)
    assert aov["previous"] == pytest.approx(200.0)  # September: one order of 200
    by_channel = _figures(db, tmp_path, org, "aov", "channel")
    assert by_channel["store"]["value"] == pytest.approx(300.0)
    assert by_channel["web"]["value"] == pytest.approx(500.0)


def test_returns_and_repeat_purchases_with_wilson_intervals(db: Database, tmp_path: Path) -> None:
    org = shop(db)
    returns = _figures(db, tmp_path, org, "returns")["all"]
    assert returns["n"] == 3 and returns["value"] == pytest.approx(200 / 3)  # returned, refunded
    # Wilson for 2 of 3 by hand: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    z, p, n = 1.959964, 2 / 3, 3
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert returns["low"] == pytest.approx(100 * (centre - half) / (1 + z * z / n), abs=1e-3)
    assert returns["high"] == pytest.approx(100 * (centre + half) / (1 + z * z / n), abs=1e-3)
    repeat = _figures(db, tmp_path, org, "repeat")["all"]
    # Buyers: p1 (ordered before), p2 (p5's April order is p2's), p4 (first order): 2 of 3.
    assert repeat["n"] == 3 and repeat["value"] == pytest.approx(200 / 3)
    kyiv = _figures(db, tmp_path, org, "returns", where=KpiFilter(store="KYIV-1"))["all"]
    assert kyiv["n"] == 1 and kyiv["value"] == pytest.approx(100.0)


def test_churn_leaves_out_customers_newer_than_n_days(db: Database, tmp_path: Path) -> None:
    org = shop(db)
    churn = _figures(db, tmp_path, org, "churn", days=180)["all"]
    # As of the newest order (2026-10-20): the cut is 2026-04-24. Counted: p1, p2 (via p5's
    # April order), p3; p4 is newer than 180 days. Only p3 bought nothing since the cut.
    assert churn["as_of"] == "2026-10-20" and churn["days"] == 180
    assert churn["n"] == 3 and churn["value"] == pytest.approx(100 / 3)
    # September, as of 2026-09-30: cut 2026-04-03; p2's last order (April 1) was before it.
    assert churn["previous"] == pytest.approx(200 / 3)
    assert churn["change"] == pytest.approx(-100 / 3)
    assert churn["test"] == "two-proportion z"
    short = _figures(db, tmp_path, org, "churn", days=30)["all"]
    assert short["n"] == 3 and short["value"] == pytest.approx(100 / 3)  # p4 still too new


def test_conversion_from_each_stage_to_the_next(db: Database, tmp_path: Path) -> None:
    org = shop(db)
    conv = _figures(db, tmp_path, org, "conversion")
    # pre_purchase: p1 (bought after), p2 (bought before browsing: no), p4 (no): 1 of 3
    assert conv["pre_purchase|all"]["n"] == 3
    assert conv["pre_purchase|all"]["value"] == pytest.approx(100 / 3)
    assert conv["pre_purchase|all"]["next_stage"] == "purchase"
    assert conv["purchase|all"]["n"] == 2 and conv["purchase|all"]["value"] == 50.0
    assert conv["delivery|all"]["n"] == 1 and conv["delivery|all"]["value"] == 0.0


def test_sales_kpis_refuse_filters_and_breakdowns_they_do_not_have(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with pytest.raises(ValidationError) as bad:
        sales_figures(analytics, org, "aov", where=KpiFilter(survey="post"))
    assert bad.value.faults[0].field == "survey"
    with pytest.raises(ValidationError):
        sales_figures(analytics, org, "conversion", "delivery")
    with pytest.raises(ValidationError):
        sales_figures(analytics, org, "churn", days=0)
    assert sales_figures(analytics, org, "aov") == []  # no orders: nothing, not an error


def test_sales_kpis_through_the_cli_and_the_api(sqlite_db: Database, tmp_path: Path) -> None:
    # The CLI opens the store by URL: SQLite is enough here (the figures run on both above).
    db = sqlite_db
    org = shop(db)
    url = str(db.engine.url)
    out = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path), "--database-url", url, "kpi", "churn", "--days", "180",
         "--period", "2026-10", "--org", "acme", "--json"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    [churn] = json.loads(out.output)
    assert churn["n"] == 3 and churn["value"] == pytest.approx(100 / 3)
    text = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path), "--database-url", url, "kpi", "aov", "--period",
         "2026-10", "--org", "acme"],
    )  # fmt: skip
    assert text.exit_code == 0 and "400" in text.output and "UAH" in text.output
    app = create_app(Settings(data_dir=tmp_path / "web", worker_threads=0), db=db)
    key = api_key(db, org)
    with TestClient(app) as client:
        h = {"Authorization": f"Bearer {key}"}
        got = client.get("/api/v1/kpis/returns?period=2026-10&by=channel", headers=h).json()
        assert {f["key"]: f["n"] for f in got["figures"]} == {"store": 1, "web": 2}
        bad = client.get("/api/v1/kpis/aov?touchpoint=x", headers=h)
        assert bad.status_code == 422 and "touchpoint" in bad.text
        assert client.get("/api/v1/kpis/nps?period=2026-10", headers=h).status_code == 200
        assert "/api/v1/kpis/churn" in client.get("/api/v1/openapi.json").json()["paths"]


def test_the_demo_customers_whose_last_parcel_came_late_churn_more(
    small_world: World, tmp_path: Path
) -> None:
    """Planted: a late delivery raises the chance to stop buying from 0.22 to 0.42 per order
    (0.7x for loyalty members, 1.3x for new customers). Measured per customer with N = 120
    days (the truths' follow-up after CHURN_CUTOFF), customers who merely paused longer dilute
    the gap, so it must be clearly positive and at least half the observed per-order one."""
    days = (T.END_DATE - T.CHURN_CUTOFF).days - 3
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    org = small_world.summary.organization_id
    found = {f.key: f for f in sales_figures(analytics, org, "churn", "delivery", "2026-10",
                                             days=days)}  # fmt: skip
    late, on_time = found["late"].estimate, found["on_time"].estimate
    assert late.value is not None and on_time.value is not None
    difference = late.value - on_time.value
    assert T.LATE_DELIVERY.churn_effect_raw / 2 <= difference <= T.LATE_DELIVERY.churn_effect_raw
    hits = [round(late.value * late.n), round(on_time.value * on_time.n)]
    assert proportions_ztest(hits, [late.n, on_time.n])[1] < 0.01
    segments = {f.key: f.estimate.value for f in sales_figures(
        analytics, org, "churn", "segment", "2026-10", days=days)}  # fmt: skip
    assert segments["loyalty"] < segments["regular"] < segments["new"]  # 0.7x, 1x, 1.3x
