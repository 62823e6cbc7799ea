"""KPIs broken down by delivery punctuality, each segment tested against the rest."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import scipy.stats as sps
from click.testing import CliRunner
from fastapi.testclient import TestClient
from statsmodels.stats.multitest import multipletests

from cxm.analytics.backend import Analytics
from cxm.analytics.measures import kpi_figures
from cxm.analytics.order_facts import OrderQuery, order_facts
from cxm.analytics.punctuality import order_punctuality
from cxm.cli import main
from cxm.core.auth import create_user
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.settings import Settings
from cxm.demo import truths as T
from cxm.ingest.models import Customer, Order, ShipmentUpdate
from cxm.web.app import create_app
from tests.factories import api_key, organization, survey_answers
from tests.web.conftest import PASSWORD, log_in
from tests.worlds import World

OCT = datetime(2026, 10, 20, 12, tzinfo=UTC)


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def parcels(db: Database) -> int:
    """Four orders promised for 5 October, and NPS answers about each.

    O1 delivered on 4 October (on time): 10, 10, 9, 7, 3
    O2 delivered on 8 October (late): 0, 3, 6
    O3 reported delayed, then delivered on 5 October (late all the same): 7, 9
    O4 a store purchase, no delivery promised: 10, 8;  and one answer tied to no order: 5
    """
    org = organization(db)
    with db.writer() as conn:
        mark = change_mark(conn)
        [who] = insert_returning_ids(
            conn,
            table(Customer),
            [{"organization_id": org, "first_seen_at": _at("2026-09-01"), "sync_mark": mark}],
        )
        ids = insert_returning_ids(
            conn,
            table(Order),
            [
                {
                    "organization_id": org,
                    "external_id": f"O{i}",
                    "customer_id": who,
                    "channel": "web" if promised else "store",
                    "amount": 100,
                    "currency": "UAH",
                    "placed_at": _at("2026-10-01"),
                    "status": "placed",
                    "promised_delivery_date": promised,
                    "refunded": False,
                    "sync_mark": mark,
                }
                for i, promised in enumerate([date(2026, 10, 5)] * 3 + [None], start=1)
            ],
        )
        updates = [
            (ids[0], "delivered", "2026-10-04"),
            (ids[1], "delivered", "2026-10-08"),
            (ids[2], "delayed", "2026-10-03"),
            (ids[2], "delivered", "2026-10-05"),
        ]
        insert_rows(
            conn,
            table(ShipmentUpdate),
            [
                {
                    "organization_id": org,
                    "order_id": o,
                    "status": status,
                    "occurred_at": _at(day),
                    "message_id": f"s{i}",
                    "sync_mark": mark,
                }
                for i, (o, status, day) in enumerate(updates)
            ],
        )
    # fmt: skip
    for order, scores in zip(ids, ([10, 10, 9, 7, 3], [0, 3, 6], [7, 9], [10, 8]), strict=True):
        survey_answers(db, org, OCT, "nps", scores, order_id=order)
    survey_answers(db, org, OCT, "nps", [5])
    return org


def _nps(scores: list[int]) -> tuple[float, float]:
    """NPS and its standard error, by hand."""
    n = len(scores)
    p, d = sum(s >= 9 for s in scores) / n, sum(s <= 6 for s in scores) / n
    return 100 * (p - d), 100 * math.sqrt((p + d - (p - d) ** 2) / n)


def test_nps_by_delivery_compares_each_group_with_the_rest_by_hand(
    db: Database, tmp_path: Path
) -> None:
    org = parcels(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        found = {f.key: f.as_dict() for f in kpi_figures(analytics, org, "nps", "delivery",
                                                          "2026-10")}  # fmt: skip
    finally:
        analytics.close()
    groups = {
        "on_time": [10, 10, 9, 7, 3],
        "late": [0, 3, 6, 7, 9],
        "(no delivery)": [10, 8],
        "(no order)": [5],
    }
    assert set(found) == set(groups)
    p_values = {}
    for key, scores in groups.items():
        rest = [s for k, v in groups.items() if k != key for s in v]
        (value, se), (rest_value, rest_se) = _nps(scores), _nps(rest)
        fig = found[key]
        assert fig["n"] == len(scores) and fig["value"] == pytest.approx(value)
        low, high = max(-100, value - 1.959964 * se), min(100, value + 1.959964 * se)
        assert fig["margin"] == pytest.approx((high - low) / 2, abs=1e-3)  # clipped to ±100
        z = (value - rest_value) / math.hypot(se, rest_se)
        assert fig["versus_rest"]["difference"] == pytest.approx(value - rest_value)
        assert fig["versus_rest"]["test"] == "two-sample z"
        if len(scores) >= 2:
            assert fig["versus_rest"]["p_value"] == pytest.approx(2 * sps.norm.sf(abs(z)))
            p_values[key] = fig["versus_rest"]["p_value"]
    # late: NPS -40 (1 promoter, 3 detractors of 5) against 25 for the other 8 answers.
    assert found["late"]["value"] == pytest.approx(-40.0)
    assert found["late"]["versus_rest"]["difference"] == pytest.approx(-65.0)
    keys = sorted(p_values)
    adjusted = multipletests([p_values[k] for k in keys], method="fdr_bh")[1]
    for key, q in zip(keys, adjusted, strict=True):
        assert found[key]["versus_rest"]["adjusted_p"] == pytest.approx(q)
    assert found["(no order)"]["versus_rest"]["p_value"] is None  # one answer: no spread


def test_punctuality_agrees_with_the_order_facts_on_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    org = small_world.summary.organization_id
    try:
        with analytics.fresh() as con:
            mine = order_punctuality(con, org).to_pyarrow().to_pylist()
            facts = order_facts(con, org, OrderQuery()).select("order_id", "delivery", "late")
    finally:
        analytics.close()
    expected = {
        r["order_id"]: ("late" if r["late"] else "on_time") if r["delivery"] else "(no delivery)"
        for r in facts.to_dicts()
    }
    assert {r["punctual_order"]: r["delivery"] for r in mine} == expected
    assert {"late", "on_time", "(no delivery)"} <= set(expected.values())


def test_late_delivery_lowers_nps_significantly_in_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    """Planted: late orders' NPS lies about 46 points under on-time orders' (raw). The small
    world has a few hundred answers, so the measured gap is held to its own 99% interval."""
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    org = small_world.summary.organization_id
    try:
        found = {f.key: f for f in kpi_figures(analytics, org, "nps", "delivery", "2026")}
    finally:
        analytics.close()
    late, on_time = found["late"].estimate, found["on_time"].estimate
    assert late.value is not None and on_time.value is not None
    assert late.se is not None and on_time.se is not None
    gap, se = late.value - on_time.value, math.hypot(late.se, on_time.se)
    assert abs(gap - T.LATE_DELIVERY.nps_effect_raw) <= 2.576 * se
    assert late.n >= 50 and on_time.n >= 200
    versus = found["late"].as_dict()["versus_rest"]
    assert versus["difference"] < -20 and versus["adjusted_p"] < 0.01 and versus["significant"]


def test_delivery_breakdown_through_the_cli_the_api_and_the_page(
    sqlite_db: Database, tmp_path: Path
) -> None:
    org = parcels(sqlite_db)
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "kpi", "nps",
            "--org", "acme", "--by", "delivery", "--period", "2026-10"]  # fmt: skip
    runner = CliRunner()
    as_json = runner.invoke(main, [*base, "--json"])
    assert as_json.exit_code == 0, as_json.output
    late = {f["key"]: f for f in json.loads(as_json.output)}["late"]
    assert late["nps"] == pytest.approx(-40.0) and late["versus_rest"]["difference"] == -65.0
    table_out = runner.invoke(main, base)
    assert "late" in table_out.output and "vs rest -65.0" in table_out.output
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get("/api/v1/kpis/nps?by=delivery&period=2026-10", headers=headers).json()
        assert {f["key"]: f["n"] for f in body["figures"]} == {
            "on_time": 5, "late": 5, "(no delivery)": 2, "(no order)": 1
        }  # fmt: skip
        gaps = client.get("/api/v1/kpis/gaps/expectation?by=delivery", headers=headers)
        assert gaps.status_code == 200
        with sqlite_db.session() as s:
            create_user(s, org, "taras@example.com", PASSWORD, name="Taras", language="en")
        log_in(client, "taras@example.com")
        page = client.get("/kpis?metric=nps&by=delivery&period=2026-10").text
        assert "vs the rest" in page and "(no delivery)" in page
        cells = page.split('data-testid="versus-rest">')[1:]
        assert any(c.startswith("-65.0 (p ") for c in cells)


def test_the_responses_behind_each_delivery_row(db: Database, tmp_path: Path) -> None:
    from cxm.analytics.explorer import ResponseQuery, find_responses

    org = parcels(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        counts = {
            group: find_responses(analytics, org, ResponseQuery(delivery=group)).total
            for group in ("on_time", "late", "(no delivery)", "(no order)")
        }
        late = find_responses(analytics, org, ResponseQuery(delivery="late"))
    finally:
        analytics.close()
    # The same answers the NPS breakdown counts for each row (see ``parcels``).
    assert counts == {"on_time": 5, "late": 5, "(no delivery)": 2, "(no order)": 1}
    assert sorted(r.nps for r in late.rows if r.nps is not None) == [0, 3, 6, 7, 9]
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        headers = {"Authorization": f"Bearer {api_key(db, org)}"}
        body = client.get("/api/v1/responses?delivery=late", headers=headers).json()
        assert body["total"] == 5 and body["filters"]["delivery"] == "late"
        bad = client.get("/api/v1/responses?delivery=soon", headers=headers)
        assert bad.status_code == 422 and "delivery" in bad.text
        with db.session() as s:
            create_user(s, org, "olena@example.com", PASSWORD, name="Olena", language="en")
        log_in(client, "olena@example.com")
        page = client.get("/kpis?metric=nps&by=delivery&period=2026-10").text
        assert "delivery=late" in page  # each row links to its responses
        listed = client.get("/responses?delivery=late&period=2026-10")
        assert listed.status_code == 200
        assert '<option value="late" selected>' in listed.text
