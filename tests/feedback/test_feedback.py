"""Feedback intake: API and file import, links to customers and orders, idempotency, errors."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.feedback.imports import store_feedback
from cxm.feedback.models import Feedback
from cxm.ingest.events import ingest_batch
from cxm.ingest.imports import run_import
from cxm.ingest.models import Customer
from cxm.ingest.touchpoints import add_touchpoint
from cxm.web.app import create_app
from tests.factories import api_key, organization, track


@pytest.fixture
def api(db: Database, tmp_path: Path) -> Iterator[tuple[TestClient, int, dict[str, str]]]:
    org = organization(db)
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        yield client, org, {"Authorization": f"Bearer {api_key(db, org)}"}


COMPLAINT = {
    "kind": "complaint",
    "text": "Посилка запізнилася на тиждень! <b>Жах</b>",
    "occurred_at": "2026-10-03T12:00:00+03:00",
    "channel": "contact_centre",
    "touchpoint": "cc",
    "customer": {"user_id": "c-1"},
    "order_id": "D-1",
    "category": "delivery",
}


def test_feedback_is_linked_to_customer_order_and_touchpoint(
    db: Database, api: tuple[TestClient, int, dict[str, str]]
) -> None:
    client, org, headers = api
    with db.writer() as conn:
        tp = add_touchpoint(conn, org, "cc", "Contact centre", "contact_centre", "after_sales")
    ingest_batch(db, org, [track("o", "Order Completed", user_id="c-1", order_id="D-1", total=10)])
    r = client.post("/api/v1/feedback", headers=headers, json={"feedback": [COMPLAINT]})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    again = client.post("/api/v1/feedback", headers=headers, json=COMPLAINT)
    assert again.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    with db.session() as s:
        item = s.scalars(select(Feedback)).one()
        customer = s.scalars(select(Customer)).one()
    assert item.text == COMPLAINT["text"]  # stored as sent; pages escape it
    assert (item.customer_id, item.touchpoint_id, item.category) == (customer.id, tp, "delivery")
    assert item.order_id is not None


def test_bad_feedback_items_name_index_and_field(
    api: tuple[TestClient, int, dict[str, str]],
) -> None:
    client, _, headers = api
    items = [
        {"kind": "complaint", "text": "   ", "occurred_at": "2026-10-03T12:00:00Z"},
        {"kind": "rant", "text": "x", "occurred_at": "2026-10-03T12:00:00Z"},
        {"kind": "comment", "text": "x", "occurred_at": "2999-01-01T00:00:00Z"},
        {"kind": "comment", "text": "x", "occurred_at": "2026-10-03T12:00:00Z", "order_id": "nope"},
        {
            "kind": "employee_comment",
            "text": "Графік змін незручний",
            "occurred_at": "2026-10-03T12:00:00Z",
            "location": None,
        },
    ]
    r = client.post("/api/v1/feedback", headers=headers, json={"feedback": items})
    assert r.status_code == 207
    faults = {(f["index"], f["field"]) for f in r.json()["rejected"]}
    assert faults == {(0, "text"), (1, "kind"), (2, "occurred_at"), (3, "order_id")}
    assert r.json()["accepted"] == 1


def test_feedback_file_import_with_rejects_reaches_the_analytics_store(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    path = tmp_path / "notes.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["kind", "text", "occurred_at", "email"])
        w.writerow(
            [
                "contact_centre_note",
                "Клиент звонит третий раз, очень зол",
                "2026-10-01T10:00:00Z",
                "a@b.example",
            ]
        )
        w.writerow(["chat", "", "2026-10-01T10:00:00Z", ""])
        w.writerow(["social_post", "Great service in Lviv!", "2026-10-02T10:00:00Z", ""])
    summary = run_import(
        "feedback",
        path,
        None,
        {},
        tmp_path / "r.csv",
        lambda f, o, out: store_feedback(db, org, f, o, out),
    )
    assert (summary.stored, summary.rejected) == (2, 1)
    again = run_import(
        "feedback",
        path,
        None,
        {},
        tmp_path / "r2.csv",
        lambda f, o, out: store_feedback(db, org, f, o, out),
    )
    assert (again.stored, again.duplicates) == (0, 2)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        kinds = sorted(con.table("feedback").kind.to_pyarrow().to_pylist())
    analytics.close()
    assert kinds == ["contact_centre_note", "social_post"]


def test_review_ratings_are_validated_stored_and_imported(
    db: Database, tmp_path: Path, api: tuple[TestClient, int, dict[str, str]]
) -> None:
    client, org, headers = api
    when = "2026-10-05T09:00:00Z"
    items = [
        {"kind": "review", "text": "Швидко і зручно", "occurred_at": when, "rating": 5},
        {"kind": "review", "text": "x", "occurred_at": when, "rating": 0},
        {"kind": "review", "text": "x", "occurred_at": when, "rating": 6},
        {"kind": "review", "text": "x", "occurred_at": when, "rating": 4.5},
        {"kind": "review", "text": "Без оцінки", "occurred_at": when},
    ]
    r = client.post("/api/v1/feedback", headers=headers, json={"feedback": items})
    assert r.status_code == 207 and r.json()["accepted"] == 2
    assert {(f["index"], f["field"]) for f in r.json()["rejected"]} == {
        (1, "rating"), (2, "rating"), (3, "rating")
    }  # fmt: skip
    path = tmp_path / "reviews.csv"
    path.write_text(
        "kind,text,occurred_at,rating\n"
        "review,Товар прийшов битий,2026-10-06T10:00:00Z,1\n"
        "review,Норм,2026-10-06T11:00:00Z,seven\n",
        "utf-8",
    )
    summary = run_import(
        "feedback", path, None, {}, tmp_path / "r.csv",
        lambda f, o, out: store_feedback(db, org, f, o, out),
    )  # fmt: skip
    assert (summary.stored, summary.rejected) == (1, 1)
    with (tmp_path / "r.csv").open(encoding="utf-8") as fh:
        [reject] = list(csv.DictReader(fh))
    assert reject["field"] == "rating"
    with db.session() as s:
        stored = {f.text: f.rating for f in s.scalars(select(Feedback))}
    assert stored == {"Швидко і зручно": 5, "Без оцінки": None, "Товар прийшов битий": 1}
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        rows = con.table("feedback").select("text", "rating").to_pyarrow().to_pylist()
    synced = {r["text"]: r["rating"] for r in rows}
    analytics.close()
    assert synced == stored
