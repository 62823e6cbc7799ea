"""Rework, loops and outcomes per path: hand-computed journeys and the demo's contact loop."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from cxm.analytics.backend import Analytics
from cxm.analytics.outcomes import OutcomeQuery, Outcomes, outcomes
from cxm.analytics.rework import ReworkQuery, rework
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.demo.truths import CONTACT_LOOP, LATE_DELIVERY
from cxm.ingest.events import ingest_batch
from cxm.ingest.models import Customer, Order
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.surveys.models import Answer, Response
from cxm.web.app import create_app
from tests.factories import _survey, api_key, organization, track
from tests.worlds import World


def _world(db: Database) -> int:
    """u1: order W1 (web), three calls about it (a loop), answers 2.
    u2: A (web), B (store), order W2, one call, A again (a revisit), answers 10."""
    org = organization(db)
    with db.writer() as conn:
        for code, event, channel in (
            ("A", "A", "web"),
            ("B", "B", "store"),
            ("order", "Order Completed", "web"),
            ("call", "Call", "contact_centre"),
        ):
            tp = add_touchpoint(conn, org, code, code, channel, "purchase")
            add_rule(conn, org, tp, event_name=event)

    def at(hour: int) -> str:
        return f"2026-03-01T{hour:02d}:00:00Z"

    order = {"total": 10, "promised_delivery_date": "2026-03-05", "channel": "web"}
    ingest_batch(
        db,
        org,
        [
            track("1", "Order Completed", user_id="u1", timestamp=at(1), order_id="W1", **order),
            *(track(f"c{i}", "Call", user_id="u1", timestamp=at(2 + i), order_id="W1")
              for i in range(3)),
            track("2", "A", user_id="u2", timestamp=at(1)),
            track("3", "B", user_id="u2", timestamp=at(2)),
            track("4", "Order Completed", user_id="u2", timestamp=at(3), order_id="W2", **order),
            track("5", "Call", user_id="u2", timestamp=at(4), order_id="W2"),
            track("6", "A", user_id="u2", timestamp=at(5)),
        ],
    )  # fmt: skip
    with db.writer() as conn:
        ids = dict(conn.execute(select(table(Order).c.external_id, table(Order).c.id)).all())
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "post", mark)
        when = datetime(2026, 3, 6, tzinfo=UTC)
        rids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid, "channel": "web",
              "order_id": ids[o], "status": "complete", "started_at": when,
              "completed_at": when, "sync_mark": mark} for o in ("W1", "W2")],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": "nps", "kind": "nps",
              "value": v, "text": None, "sync_mark": mark}
             for rid, v in zip(rids, (2.0, 10.0), strict=True)],
        )  # fmt: skip
    return org


def _outcomes(db: Database, tmp_path: Path, org: int, q: OutcomeQuery) -> Outcomes:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return outcomes(con, org, q)
    finally:
        analytics.close()


def test_rework_by_hand(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    found = rework(analytics, org, ReworkQuery())
    analytics.close()
    assert found.journeys == 2
    loops = found.loops
    assert (loops.orders, loops.customers, loops.share_of_contacted) == (1, 1, 0.5)
    assert loops.by_contacts == {1: 1, 3: 1}
    assert (loops.respondents, loops.nps, loops.detractor_share) == (1, -100.0, 1.0)
    assert loops.other_nps == 100.0
    # Back-to-back calls are not revisits; u2's second A is.
    assert [(r.touchpoint, r.revisits, r.customers) for r in found.revisits] == [("A", 1, 1)]
    # u1 starts on the web and ends at the contact centre; u2 starts and ends on the web.
    assert [(s.first, s.last, s.journeys, s.share) for s in found.switches] == [
        ("web", "contact_centre", 1, 0.5)
    ]
    none = Analytics(db, Settings(data_dir=tmp_path))
    empty = rework(none, org, ReworkQuery(store="NOWHERE"))
    none.close()
    assert empty.journeys == 0 and empty.message and "No journeys" in empty.message


def test_outcomes_by_variant_and_by_event_by_hand(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    by_variant = _outcomes(db, tmp_path, org, OutcomeQuery())
    # Both orders: placed, then called about (repeated calls count once in a variant).
    [group] = by_variant.groups
    assert (group.label, group.orders, group.respondents, group.nps) == (
        "order\u2192call",
        2,
        2,
        0.0,
    )
    assert group.churn is None and group.followed_up == 0  # no follow-up yet
    split = _outcomes(db, tmp_path, org, OutcomeQuery(event="contact_loop"))
    assert [(g.label, g.orders, g.nps) for g in split.groups] == [
        ("with contact_loop", 1, -100.0),
        ("without contact_loop", 1, 100.0),
    ]
    assert split.nps_difference == -200.0
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        headers = {"Authorization": f"Bearer {api_key(db, org)}"}
        body = client.get(
            "/api/v1/analytics/outcomes", params={"event": "call"}, headers=headers
        ).json()
        assert [g["orders"] for g in body["groups"]] == [2, 0]
        bad = client.get("/api/v1/analytics/outcomes", params={"event": "x"}, headers=headers)
        assert bad.status_code == 422
        loops = client.get("/api/v1/analytics/rework", headers=headers).json()
        assert loops["loops"]["orders"] == 1


def test_outcomes_filtered_by_segment_outcome_and_first_touchpoint_by_hand(
    db: Database, tmp_path: Path
) -> None:
    org = _world(db)
    with db.writer() as conn:
        orders = table(Order)
        owner = dict(conn.execute(select(orders.c.external_id, orders.c.customer_id)).all())
        responses = table(Response)
        for external in ("W1", "W2"):
            conn.execute(
                update(responses)
                .where(responses.c.order_id == select(orders.c.id)
                       .where(orders.c.external_id == external).scalar_subquery())
                .values(customer_id=owner[external], sync_mark=change_mark(conn))
            )  # fmt: skip
        customers = table(Customer)
        conn.execute(
            update(customers)
            .where(customers.c.id == owner["W2"])
            .values(segment="loyalty", sync_mark=change_mark(conn))
        )
    # u1 answered 2 (a detractor), u2 answered 10 (a promoter, in the loyalty segment).
    [detractors] = _outcomes(db, tmp_path, org, OutcomeQuery(outcome="detractor")).groups
    assert (detractors.orders, detractors.nps) == (1, -100.0)
    [loyal] = _outcomes(db, tmp_path, org, OutcomeQuery(segment="loyalty")).groups
    assert (loyal.orders, loyal.nps) == (1, 100.0)
    split = _outcomes(db, tmp_path, org, OutcomeQuery(event="contact_loop", outcome="promoter"))
    assert [(g.label, g.orders) for g in split.groups] == [
        ("with contact_loop", 0),
        ("without contact_loop", 1),
    ]
    # Both orders' paths start at the order itself; none starts at A.
    assert _outcomes(db, tmp_path, org, OutcomeQuery(first="order")).groups[0].orders == 2
    none = _outcomes(db, tmp_path, org, OutcomeQuery(first="A"))
    assert none.groups == [] and none.message == "No orders match these filters."
    with pytest.raises(ValidationError, match="outcome must be one of"):
        _outcomes(db, tmp_path, org, OutcomeQuery(outcome="angry"))
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        headers = {"Authorization": f"Bearer {api_key(db, org)}"}
        url = "/api/v1/analytics/outcomes"
        body = client.get(url, params={"segment": "loyalty"}, headers=headers).json()
        assert [(g["orders"], g["nps"]) for g in body["groups"]] == [(1, 100.0)]
        assert client.get(url, params={"outcome": "angry"}, headers=headers).status_code == 422


def test_the_contact_loop_shows_with_its_angry_detractors(
    small_world: World, tmp_path: Path
) -> None:
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    found = rework(analytics, small_world.summary.organization_id, ReworkQuery())
    analytics.close()
    loops = found.loops
    assert loops.orders > 50 and loops.customers > 50
    assert loops.nps is not None and loops.other_nps is not None and loops.nps_high is not None
    assert loops.nps_high < loops.other_nps  # far below the rest, beyond its margin
    assert loops.nps < CONTACT_LOOP.nps_effect_adjusted + loops.other_nps + 15
    assert loops.detractor_share is not None and loops.detractor_share > 0.5
    assert loops.difference_p_value is not None and loops.difference_p_value < 0.001
    # Most loop customers write in (the demo's angry complaints).
    assert loops.comments >= 0.6 * loops.orders


def test_late_orders_churn_more_and_score_lower(small_world: World, tmp_path: Path) -> None:
    found = _outcomes(
        small_world.db, tmp_path, small_world.summary.organization_id, OutcomeQuery(event="late")
    )
    assert found.churn_difference == pytest.approx(
        LATE_DELIVERY.churn_effect_raw, abs=LATE_DELIVERY.churn_tolerance
    )
    assert found.churn_p_value is not None and found.churn_p_value < 0.001
    assert found.nps_difference is not None and found.nps_difference < -20
    assert found.nps_p_value is not None and found.nps_p_value < 0.001
