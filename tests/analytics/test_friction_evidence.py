"""The evidence behind a friction point: by hand (which orders, customers, answers and
comments), the contact loop's angry detractors in the demo world, the API's links, and the
page test lives in tests/web/test_moments_pages.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.friction import FrictionQuery
from cxm.analytics.friction_evidence import FrictionEvidence, friction_evidence
from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.settings import Settings
from cxm.feedback.models import Feedback
from cxm.ingest.models import Order
from cxm.web.app import create_app
from tests.analytics.driver_world import driver_world
from tests.factories import api_key
from tests.worlds import World

HAD_T0 = (np.random.default_rng(5).random((240, 3)) < 0.4)[:, 0]


def comment(db: Database, org: int, order: str, text: str) -> None:
    with db.writer() as conn:
        oid, cid = conn.execute(
            select(table(Order).c.id, table(Order).c.customer_id).where(
                table(Order).c.external_id == order
            )
        ).one()
        when = datetime(2026, 4, 7, tzinfo=UTC)
        insert_rows(
            conn,
            table(Feedback),
            [{"organization_id": org, "external_id": f"f-{order}", "kind": "complaint",
              "text": text, "channel": "web", "customer_id": cid, "order_id": oid,
              "occurred_at": when, "received_at": when, "sync_mark": change_mark(conn)}],
        )  # fmt: skip


def _run(db: Database, tmp_path: Path, org: int, name: str) -> FrictionEvidence:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return friction_evidence(con, org, FrictionQuery(), name)
    finally:
        analytics.close()


def test_the_orders_customers_answers_and_comments_by_hand(db: Database, tmp_path: Path) -> None:
    org = driver_world(db, drivers=3)
    first = int(np.flatnonzero(HAD_T0)[0])
    comment(db, org, f"W{first}", "Still waiting")
    comment(db, org, f"W{int(np.flatnonzero(~HAD_T0)[0])}", "All fine")  # not behind t0
    found = _run(db, tmp_path, org, "t0")
    k = int(HAD_T0.sum())
    assert (found.orders, found.customers, found.responses, found.comments) == (k, k, k, 1)
    assert len(found.customer_ids) == k and len(found.order_ids) == k
    assert all(r.nps == 0 for r in found.shown_responses)  # t0's answers are all 0
    assert [c.text for c in found.shown_comments] == ["Still waiting"]
    nobody = _run(db, tmp_path, org, "returned")
    assert nobody.orders == 0 and nobody.message


def test_the_contact_loop_is_angry_detractors(small_world: World, tmp_path: Path) -> None:
    found = _run(small_world.db, tmp_path, small_world.summary.organization_id, "contact_loop")
    scores = [r.nps for r in found.shown_responses if r.nps is not None]
    assert len(scores) >= 10
    assert sum(s <= 6 for s in scores) / len(scores) > 0.6  # mostly detractors
    assert found.comments >= 10  # most of them complained
    orders = set(found.order_ids)
    assert all(c.order_id in orders for c in found.shown_comments)


def test_api_links_each_friction_point_to_its_evidence(sqlite_db: Database, tmp_path: Path) -> None:
    org = driver_world(sqlite_db, drivers=3)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        listed = client.get(
            "/api/v1/analytics/friction", params={"touchpoint": "t0"}, headers=headers
        ).json()
        t0 = next(p for p in listed["points"] if p["name"] == "t0")
        assert t0["evidence_url"] == "/api/v1/analytics/friction/evidence?name=t0&loop_contacts=3"
        behind = client.get(t0["evidence_url"], headers=headers).json()
        assert behind["customers"] == int(HAD_T0.sum()) == len(behind["customer_ids"])
        bad = client.get(
            "/api/v1/analytics/friction/evidence", params={"name": "teleported"}, headers=headers
        )
        assert bad.status_code == 422 and "teleported" in bad.text
