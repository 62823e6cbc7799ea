"""One customer's timeline: every kind of record, merged identities, search, CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from cxm.analytics.backend import Analytics
from cxm.analytics.timeline import customer_timeline, find_customers
from cxm.cli import main
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import NotFound
from cxm.core.settings import Settings
from cxm.feedback.service import ingest_feedback
from cxm.ingest.events import ingest_batch
from cxm.ingest.orders import ingest_orders, ingest_shipments
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.surveys.models import Answer, Response
from tests.factories import organization, survey_answers, track

SCRIPT = "<script>alert('x')</script> коробка пом'ята"


def _story(db: Database, org: int) -> None:
    with db.writer() as conn:
        tp = add_touchpoint(conn, org, "web_pdp", "Product page", "web", "pre_purchase")
        add_rule(conn, org, tp, event_name="Product Viewed")
    ingest_batch(
        db,
        org,
        [
            track("e1", user_id=None, anonymous_id="anon-7", timestamp="2026-03-01T09:00:00Z"),
            {
                "type": "identify",
                "messageId": "i1",
                "userId": "olena",
                "traits": {"email": "olena@example.com"},
                "timestamp": "2026-03-01T09:30:00Z",
            },
            {
                "type": "alias",
                "messageId": "a1",
                "userId": "olena",
                "previousId": "anon-7",
                "timestamp": "2026-03-01T09:31:00Z",
            },
            track("e2", "Mystery Ping", user_id="olena", timestamp="2026-03-02T10:00:00Z"),
        ],
    )
    ingest_orders(
        db,
        org,
        [
            {
                "order_id": "O-1",
                "customer": {"user_id": "olena"},
                "channel": "web",
                "amount": 250,
                "placed_at": "2026-03-03T08:00:00Z",
                "promised_delivery_date": "2026-03-05",
            }
        ],
    )
    ingest_shipments(
        db,
        org,
        [
            {"order_id": "O-1", "status": "delayed", "occurred_at": "2026-03-04T08:00:00Z",
             "new_eta": "2026-03-08"},
            {"order_id": "O-1", "status": "delivered", "occurred_at": "2026-03-08T12:00:00Z"},
        ],
    )  # fmt: skip
    ingest_feedback(
        db,
        org,
        [
            {
                "kind": "complaint",
                "text": SCRIPT,
                "occurred_at": "2026-03-09T10:00:00Z",
                "customer": {"user_id": "olena"},
                "order_id": "O-1",
                "language": "uk",
            }
        ],
    )


def _customer(db: Database, org: int) -> int:
    [cid] = find_customers(db, org, "olena@example.com")
    return cid


def test_timeline_has_every_kind_of_record_newest_first(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    _story(db, org)
    cid = _customer(db, org)
    survey_answers(db, org, datetime(2026, 3, 10, 9, tzinfo=UTC), "nps", [3], customer_id=cid)
    with db.writer() as conn:  # the response's comment: a feedback entry, not a score
        [rid] = conn.execute(select(table(Response).c.id)).scalars().all()
        conn.execute(insert(table(Answer)).values(
            organization_id=org, response_id=rid, question="why", kind="text", value=None,
            text="Довго", sync_mark=change_mark(conn),
        ))  # fmt: skip
    ingest_feedback(db, org, [{"kind": "review", "text": "Так собі", "rating": 2,
                               "occurred_at": "2026-03-09T09:00:00Z",
                               "customer": {"user_id": "olena"}}])  # fmt: skip
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        t = customer_timeline(analytics, org, cid)
        assert find_customers(db, org, "anon-7") == [cid]  # the merged identity finds them
        with pytest.raises(NotFound):
            customer_timeline(analytics, org + 1, cid)
    finally:
        analytics.close()
    kinds = [(e.kind, e.title) for e in t.entries]
    assert kinds == [
        ("response", "survey"),
        ("feedback", "complaint"),
        ("feedback", "review"),
        ("shipment", "delivered"),
        ("shipment", "delayed"),
        ("order", "O-1"),
        ("event", "Mystery Ping"),
        ("event", "Product page"),  # the anonymous visit before the alias
    ]
    assert t.entries[0].detail == {"nps": 3.0}
    assert (t.entries[1].detail["rating"], t.entries[2].detail["rating"]) == (None, 2)
    assert t.entries[3].order == "O-1" and t.entries[4].detail == {"new_eta": "2026-03-08"}
    assert t.entries[5].detail["promised"] == "2026-03-05"
    assert t.entries[6].detail["mapped"] is False
    # Organization time (Kyiv, UTC+2 in March): the 09:00 UTC visit shows as 11:00.
    assert t.entries[-1].at == datetime(2026, 3, 1, 11, 0)
    assert ("email", "olena@example.com") in t.identities
    assert ("anonymous_id", "anon-7") in t.identities


def test_timeline_cli(sqlite_db: Database, tmp_path: Path) -> None:
    org = organization(sqlite_db, "demo")
    _story(sqlite_db, org)
    cid = _customer(sqlite_db, org)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "customers"]
    found = runner.invoke(main, [*base, "find", "olena@"])
    assert found.exit_code == 0 and found.output.split() == [str(cid)]
    shown = runner.invoke(main, [*base, "timeline", str(cid)])
    assert shown.exit_code == 0, shown.output
    assert "O-1" in shown.output and "new_eta 2026-03-08" in shown.output
    as_json: dict[str, Any] = json.loads(
        runner.invoke(main, [*base, "timeline", str(cid), "--json"]).output
    )
    assert as_json["customer_id"] == cid and len(as_json["entries"]) == 6
    missing = runner.invoke(main, [*base, "find", "nobody@"])
    assert missing.exit_code != 0 and "No customer matches" in missing.output
