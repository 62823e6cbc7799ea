"""POST /api/v1/batch, /orders and /shipments: storage, idempotency and every bad input."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxm.core.auth import revoke_api_key
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.ingest.models import Customer, CustomerIdentity, Event, Order, ShipmentUpdate
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.web.app import create_app
from tests.factories import api_key, organization, track


class Api:
    def __init__(self, client: TestClient, key: str, db: Database, org_id: int) -> None:
        self.client, self.key, self.db, self.org_id = client, key, db, org_id

    def post(self, path: str, body: Any, key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        return self.client.post(
            path, content=content, headers=headers | {"content-type": "application/json"}
        )

    def count(self, model: Any) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def api(db: Database, tmp_path: Path) -> Iterator[Api]:
    settings = Settings(data_dir=tmp_path, max_batch_messages=50, max_body_bytes=64_000)
    app = create_app(settings, db)
    org_id = organization(db)
    with TestClient(app) as client:
        yield Api(client, api_key(db, org_id), db, org_id)


def test_batch_is_stored_and_acknowledged_after_commit(api: Api) -> None:
    r = api.post("/api/v1/batch", {"batch": [track("a1"), track("a2", user_id="u2")]})
    assert r.status_code == 200
    assert r.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert api.count(Event) == 2
    assert api.count(Customer) == 2


def test_resent_messages_are_stored_once(api: Api) -> None:
    batch = {"batch": [track("r1"), track("r2")]}
    api.post("/api/v1/batch", batch)
    again = api.post("/api/v1/batch", batch)
    assert again.status_code == 200
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 2
    assert api.count(Event) == 2


def test_same_message_twice_in_one_batch_is_stored_once(api: Api) -> None:
    r = api.post("/api/v1/batch", {"batch": [track("d1"), track("d1")]})
    assert r.json()["accepted"] == 1 and r.json()["duplicates"] == 1


def test_good_records_are_stored_and_bad_ones_named_by_index_and_field(api: Api) -> None:
    batch = [
        track("g1"),
        {"type": "track", "event": "X", "timestamp": "2026-03-01T10:00:00Z", "userId": "u"},
        {
            "type": "track",
            "messageId": "f1",
            "event": "X",
            "userId": "u",
            "timestamp": "2999-01-01T00:00:00Z",
        },
        {"type": "fly", "messageId": "t1", "userId": "u", "timestamp": "2026-03-01T10:00:00Z"},
        {"type": "track", "messageId": "n1", "event": "X", "timestamp": "2026-03-01T10:00:00Z"},
        {"type": "track", "messageId": "s1", "userId": "u", "timestamp": "yesterday", "event": "X"},
        track("g2"),
    ]
    r = api.post("/api/v1/batch", {"batch": batch})
    assert r.status_code == 207
    body = r.json()
    assert body["accepted"] == 2
    faults = {(f["index"], f["field"]) for f in body["rejected"]}
    assert faults == {
        (1, "messageId"),
        (2, "timestamp"),
        (3, "type"),
        (4, "userId"),
        (5, "timestamp"),
    }
    assert api.count(Event) == 2


def test_batch_with_only_bad_records_is_a_problem_document(api: Api) -> None:
    r = api.post("/api/v1/batch", {"batch": [{"type": "track"}]})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in r.json()["errors"]} >= {"messageId", "timestamp", "event"}


def test_malformed_json_is_refused_with_the_parser_message(api: Api) -> None:
    r = api.post("/api/v1/batch", b'{"batch": [')
    assert r.status_code == 422
    assert "not valid JSON" in r.json()["detail"]


def test_batch_over_the_record_limit_is_refused(api: Api) -> None:
    r = api.post("/api/v1/batch", {"batch": [track(f"m{i}") for i in range(51)]})
    assert r.status_code == 413
    assert "limit is 50" in r.json()["detail"]
    assert api.count(Event) == 0


def test_body_over_the_byte_limit_is_refused(api: Api) -> None:
    r = api.post("/api/v1/batch", {"batch": [track("big", note="x" * 70_000)]})
    assert r.status_code == 413


def test_body_without_a_batch_array_is_refused(api: Api) -> None:
    assert api.post("/api/v1/batch", {"messages": []}).status_code == 422
    assert api.post("/api/v1/batch", {"batch": []}).status_code == 422


def test_missing_wrong_and_revoked_keys_are_refused(api: Api, db: Database) -> None:
    no_key = api.client.post("/api/v1/batch", json={"batch": [track("k")]})
    assert no_key.status_code == 401
    assert api.post("/api/v1/batch", {"batch": [track("k")]}, key="cxm_nope").status_code == 401
    assert api.post("/api/v1/batch", {"batch": [track("k")]}, key="nope").status_code == 401
    with db.session() as s:
        from cxm.core.auth import create_api_key

        issued = create_api_key(s, api.org_id, "temp")
    assert api.post("/api/v1/batch", {"batch": [track("k1")]}, key=issued.key).status_code == 200
    with db.session() as s:
        revoke_api_key(s, api.org_id, issued.id)
    r = api.post("/api/v1/batch", {"batch": [track("k2")]}, key=issued.key)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_basic_auth_with_the_key_as_user_name_is_accepted(api: Api) -> None:
    token = base64.b64encode(f"{api.key}:".encode()).decode()
    r = api.client.post(
        "/api/v1/batch", json={"batch": [track("b1")]}, headers={"Authorization": f"Basic {token}"}
    )
    assert r.status_code == 200


def test_identify_links_anonymous_visitor_to_the_known_customer(api: Api) -> None:
    api.post(
        "/api/v1/batch",
        {
            "batch": [
                track("v1", "Page Viewed", user_id=None, anonymous_id="anon-1"),
                track("v2", "Order Completed", user_id="client-9", order_id="o-1", total=100),
            ]
        },
    )
    assert api.count(Customer) == 2
    r = api.post(
        "/api/v1/batch",
        {
            "batch": [
                {
                    "type": "identify",
                    "messageId": "i1",
                    "userId": "client-9",
                    "anonymousId": "anon-1",
                    "timestamp": "2026-03-02T10:00:00Z",
                    "traits": {"email": "X@Example.com", "name": "Ira"},
                }
            ]
        },
    )
    assert r.status_code == 200
    with api.db.session() as s:
        rows = s.execute(select(Customer.id, Customer.merged_into, Customer.name)).all()
        identities = dict(
            s.execute(select(CustomerIdentity.kind, CustomerIdentity.customer_id)).all()
        )
    survivors = [r for r in rows if r.merged_into is None]
    assert len(survivors) == 1 and survivors[0].name == "Ira"
    merged = [r for r in rows if r.merged_into is not None]
    assert merged[0].merged_into == survivors[0].id
    assert set(identities.values()) == {survivors[0].id}
    assert identities.keys() == {"user_id", "anonymous_id", "email"}


def test_events_are_mapped_by_rules_and_unmatched_ones_flagged(api: Api) -> None:
    with api.db.writer() as conn:
        tp = add_touchpoint(conn, api.org_id, "web_product", "Product page", "web", "pre_purchase")
        add_rule(conn, api.org_id, tp, event_name="Product Viewed", channel="web")
    api.post("/api/v1/batch", {"batch": [track("m1", channel="web"), track("m2", "Odd Thing")]})
    with api.db.session() as s:
        rows = dict(s.execute(select(Event.message_id, Event.touchpoint_id)).all())
        flags = dict(s.execute(select(Event.message_id, Event.unmapped)).all())
    assert rows == {"m1": tp, "m2": None}
    assert flags == {"m1": False, "m2": True}


def test_order_completed_creates_the_order_and_links_the_event(api: Api) -> None:
    api.post(
        "/api/v1/batch",
        {
            "batch": [
                track(
                    "oc1",
                    "Order Completed",
                    order_id="A-1",
                    total="1299.50",
                    promised_delivery_date="2026-03-05",
                    channel="web",
                )
            ]
        },
    )
    with api.db.session() as s:
        order = s.scalars(select(Order)).one()
        event = s.scalars(select(Event)).one()
    assert (order.external_id, str(order.amount), order.currency) == ("A-1", "1299.50", "UAH")
    assert str(order.promised_delivery_date) == "2026-03-05"
    assert event.order_id == order.id


def test_order_completed_without_order_id_is_refused(api: Api) -> None:
    r = api.post("/api/v1/batch", {"batch": [track("oc2", "Order Completed")]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "properties.order_id"


def test_orders_and_shipments_endpoints_are_idempotent(api: Api) -> None:
    order = {
        "order_id": "W-7",
        "customer": {"email": "a@b.example"},
        "channel": "web",
        "amount": 99.9,
        "placed_at": "2026-03-01T09:00:00+02:00",
        "promised_delivery_date": "2026-03-04",
    }
    assert api.post("/api/v1/orders", {"orders": [order]}).json()["accepted"] == 1
    assert api.post("/api/v1/orders", order).json()["duplicates"] == 1
    updates = {
        "shipments": [
            {"order_id": "W-7", "status": "shipped", "occurred_at": "2026-03-02T10:00:00Z"},
            {
                "order_id": "W-7",
                "status": "delayed",
                "occurred_at": "2026-03-03T10:00:00Z",
                "new_eta": "2026-03-06",
            },
        ]
    }
    assert api.post("/api/v1/shipments", updates).json()["accepted"] == 2
    assert api.post("/api/v1/shipments", updates).json()["duplicates"] == 2
    assert api.count(Order) == 1 and api.count(ShipmentUpdate) == 2


def test_bad_orders_and_shipments_name_the_field(api: Api) -> None:
    r = api.post(
        "/api/v1/orders",
        {
            "orders": [
                {
                    "order_id": "W-8",
                    "customer": {},
                    "channel": "moon",
                    "amount": -1,
                    "placed_at": "2026-03-01T09:00:00Z",
                }
            ]
        },
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"customer", "channel", "amount"} <= fields
    r = api.post(
        "/api/v1/shipments",
        {
            "shipments": [
                {"order_id": "nope", "status": "delivered", "occurred_at": "2026-03-02T10:00:00Z"}
            ]
        },
    )
    assert r.status_code == 422 and "unknown order" in r.json()["errors"][0]["reason"]


def test_an_unknown_location_is_reported_at_the_orders_own_index(api: Api) -> None:
    orders = [
        {
            "order_id": "X1",
            "customer": {"user_id": "u"},
            "channel": "web",
            "amount": "nope",
            "placed_at": "2026-03-01T09:00:00Z",
        },
        {
            "order_id": "X2",
            "customer": {"user_id": "u"},
            "channel": "store",
            "amount": 5,
            "placed_at": "2026-03-01T09:00:00Z",
            "location": "NOWHERE",
        },
    ]
    r = api.post("/api/v1/orders", {"orders": orders})
    assert r.status_code == 422
    assert {(e["index"], e["field"]) for e in r.json()["errors"]} == {
        (0, "amount"),
        (1, "location"),
    }
