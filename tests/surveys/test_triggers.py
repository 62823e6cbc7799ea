"""Triggers: invitations some hours after an event, with fatigue, cooldown, suppression and
sampling, each skipped customer's reason recorded, and re-runs that decide nothing twice."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxm.core.db import Database
from cxm.core.jobs import Job
from cxm.ingest.catalogue import TouchpointIn, create_touchpoint
from cxm.ingest.models import CustomerIdentity, Event, Order, Touchpoint
from cxm.surveys.models import Invitation, SurveyLink
from cxm.surveys.service import import_survey
from cxm.surveys.suppression import add_suppression
from cxm.surveys.triggers import TriggerSpec, add_trigger, evaluate_triggers, sampled_in
from tests.factories import track
from tests.web.conftest import Site

T0 = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
AUTH = "Authorization"


@pytest.fixture(autouse=True)
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The jobs run when a test says so, not by the web process's own worker.
    monkeypatch.setenv("CXM_WORKER_THREADS", "0")


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def post(client: TestClient, site: Site, batch: list[dict[str, Any]]) -> None:
    r = client.post("/api/v1/batch", json={"batch": batch}, headers={AUTH: f"Bearer {site.key}"})
    assert r.status_code == 200 and not r.json().get("errors"), r.text


def people(client: TestClient, site: Site, names: list[str], mail: bool = True) -> dict[str, int]:
    post(client, site, [
        {"type": "identify", "messageId": f"id-{u}", "userId": u, "timestamp": stamp(T0),
         "traits": {"email": f"{u}@example.com", "language": "uk"} if mail else {"name": u}}
        for u in names
    ])  # fmt: skip
    with site.app.state.db.session() as s:
        rows = s.execute(
            select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == "user_id"
            )
        ).all()
    return {str(v): int(c) for v, c in rows}


def delivered(message_id: str, user: str, at: datetime, order: str | None = None) -> Any:
    extra: dict[str, Any] = {"order_id": order, "channel": "delivery"} if order else {}
    return track(message_id, "Order Delivered", user_id=user, timestamp=stamp(at), **extra)


def setup_world(site: Site, definition: dict[str, Any], **rules: Any) -> Database:
    db: Database = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    create_touchpoint(db, site.org_id, TouchpointIn(code="delivered", name="Delivered",
                      channel="delivery", stage="delivery", event="Order Delivered"))  # fmt: skip
    spec = {"code": "after-delivery", "survey": "delivery", "touchpoint": "delivered",
            "delay_hours": 24, **rules}  # fmt: skip
    add_trigger(db, site.org_id, TriggerSpec(**spec))
    return db


def decisions(db: Database) -> list[tuple[int | None, str, str]]:
    with db.session() as s:
        rows = s.scalars(select(Invitation).order_by(Invitation.id)).all()
        return [(i.event_id, i.status, i.reason) for i in rows]


def event_ids(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {str(m): int(i) for m, i in s.execute(select(Event.message_id, Event.id))}


def test_trigger_invites_after_the_delay_and_records_why_each_customer_was_skipped(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    db = setup_world(site, definition)
    ids = people(client, site, ["olha", "ivan", "blocked"]) | people(client, site, ["nomail"],
                                                                    mail=False)  # fmt: skip
    add_suppression(db, site.org_id, "email", customer_id=ids["blocked"], reason="asked by phone")
    post(client, site, [
        track("buy-1", "Order Completed", user_id="olha", timestamp=stamp(T0 - timedelta(days=1)),
              order_id="A-1", total=100),
        delivered("e1", "olha", T0, "A-1"),
        delivered("e2", "ivan", T0),
        delivered("e3", "nomail", T0),
        delivered("e4", "blocked", T0),
        delivered("e5", "olha", T0 + timedelta(hours=1)),
        delivered("e6", "ivan", T0 + timedelta(hours=30)),
        track("v1", "Product Viewed", user_id="olha", timestamp=stamp(T0)),
    ])  # fmt: skip
    ev = event_ids(db)
    now = T0 + timedelta(hours=25)  # e1-e5 are due, e6 is not yet (due at T0 + 54 h)
    (run,) = evaluate_triggers(db, site.org_id, "http://testserver", now)
    assert (run.considered, run.queued, run.skipped) == (5, 2, 3)
    assert decisions(db) == [
        (ev["e1"], "queued", "queued"),
        (ev["e2"], "queued", "queued"),
        (ev["e3"], "skipped", "no e-mail address"),
        (ev["e4"], "skipped", "suppressed (asked by phone)"),
        (ev["e5"], "skipped", "fatigue: invited 0 days ago; at most one invitation per 30 days"),
    ]
    listed = client.get("/api/v1/surveys/delivery/decisions?status=skipped&trigger=after-delivery",
                        headers={AUTH: f"Bearer {site.key}"}).json()  # fmt: skip
    assert [(d["event_id"], d["reason"][:10], d["trigger"]) for d in listed] == [
        (ev["e5"], "fatigue: i", "after-delivery"),
        (ev["e4"], "suppressed", "after-delivery"),
        (ev["e3"], "no e-mail ", "after-delivery"),
    ]
    # Running again at the same moment, or later, decides nothing twice.
    (again,) = evaluate_triggers(db, site.org_id, "http://testserver", now)
    assert (again.considered, again.queued) == (0, 0)
    (later,) = evaluate_triggers(db, site.org_id, "http://testserver", T0 + timedelta(hours=55))
    assert later.considered == 1
    assert decisions(db)[-1] == (
        ev["e6"],
        "skipped",
        "fatigue: invited 1 days ago; at most one invitation per 30 days",
    )
    with db.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(Job).where(Job.kind == "surveys.send")) == 1
        )
        # The link carries the customer, the touchpoint, the order and the triggering event.
        first = s.scalars(select(Invitation).where(Invitation.event_id == ev["e1"])).one()
        link = s.get(SurveyLink, first.link_id)
        assert link is not None
        order = s.scalar(select(Order.id).where(Order.external_id == "A-1"))
        touchpoint = s.scalar(select(Touchpoint.id).where(Touchpoint.code == "delivered"))
        assert (link.customer_id, link.touchpoint_id, link.order_id, link.event_id) == (
            ids["olha"],
            touchpoint,
            order,
            ev["e1"],
        )
    # And so does the response given through it.
    from cxm.surveys.links import sign
    from cxm.surveys.models import Response

    token = sign(site.app.state.settings.secret_key, link.id)
    client.post(f"/t/{token}", data={"page": "start", "q_nps": "9"})
    with db.session() as s:
        response = s.scalars(select(Response)).one()
        found = (response.customer_id, response.touchpoint_id, response.order_id, response.event_id)
        invited_by = s.scalars(select(Invitation).where(Invitation.event_id == ev["e1"])).one()
    assert found == (ids["olha"], touchpoint, order, ev["e1"])
    # Filed under the journey channel of its event (the heatmap's column), e-mailed all the same.
    assert (response.channel, invited_by.channel) == ("delivery", "email")
    with db.session() as s:  # an event without a channel: filed under the e-mail that carried it
        other = s.scalars(select(Invitation).where(Invitation.event_id == ev["e2"])).one()
        assert s.get(SurveyLink, other.link_id).channel == "email"  # type: ignore[union-attr]


def test_cooldown_is_per_survey_and_counted_from_the_last_invitation(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    db = setup_world(site, definition, fatigue_days=0, cooldown_days=90)
    people(client, site, ["olha"])
    post(client, site, [delivered("e1", "olha", T0 - timedelta(days=10)),
                        delivered("e2", "olha", T0)])  # fmt: skip
    evaluate_triggers(db, site.org_id, "http://testserver", T0 - timedelta(days=9))
    evaluate_triggers(db, site.org_id, "http://testserver", T0 + timedelta(days=1))
    assert [d[1:] for d in decisions(db)] == [
        ("queued", "queued"),
        ("skipped", "cooldown: invited to this survey 10 days ago; cooldown 90 days"),
    ]


def test_sampling_keeps_the_events_whose_hash_falls_below_the_rate(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    db = setup_world(site, definition, sample_rate=0.3)
    names = [f"c{n:02d}" for n in range(40)]
    people(client, site, names)
    post(client, site, [delivered(f"d-{u}", u, T0) for u in names])
    evaluate_triggers(db, site.org_id, "http://testserver", T0 + timedelta(hours=24))

    def kept(message_id: str) -> bool:  # the documented rule, computed independently
        digest = hashlib.sha256(f"after-delivery:{message_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") < 0.3 * 2**64

    expected = sorted(f"d-{u}" for u in names if kept(f"d-{u}"))
    ev = {i: m for m, i in event_ids(db).items()}
    made = decisions(db)
    assert sorted(ev[e] for e, status, _ in made if status == "queued") == expected
    assert {r for _, s, r in made if s == "skipped"} == {"sampled out (rate 0.3)"}
    assert 4 <= len(expected) <= 20  # about 12 of 40
    assert all(sampled_in("after-delivery", m, 1.0) for m in expected)
    assert not any(sampled_in("after-delivery", m, 0.0) for m in expected)


def test_triggers_through_the_api_and_the_cli(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    db: Database = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    auth = {AUTH: f"Bearer {site.key}"}
    bad = client.post("/api/v1/triggers", headers=auth,
                      json={"code": "x", "survey": "ghost", "sample_rate": 2})  # fmt: skip
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"sample_rate"}
    bad = client.post("/api/v1/triggers", headers=auth,
                      json={"code": "x", "survey": "ghost", "touchpoint": "nowhere"})  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"survey", "touchpoint"}
    ok = client.post("/api/v1/triggers", headers=auth,
                     json={"code": "after-call", "survey": "delivery", "event": "Call Closed",
                           "delay_hours": 2, "sample_rate": 0.5})  # fmt: skip
    assert ok.status_code == 201, ok.text
    assert client.post("/api/v1/triggers", headers=auth,
                       json={"code": "after-call", "survey": "delivery",
                             "event": "Call Closed"}).status_code == 409  # fmt: skip
    listed = client.get("/api/v1/triggers", headers=auth).json()
    assert [(t["code"], t["event"], t["delay_hours"]) for t in listed] == [
        ("after-call", "Call Closed", 2.0)
    ]
    with db.session() as s:  # adding a trigger starts the distribution pass
        assert s.scalar(select(Job.kind).where(Job.kind == "surveys.distribute")) is not None
    url = str(db.engine.url).removeprefix("sqlite:///")
    runner = CliRunner()
    from cxm.cli import main

    base = ["--database-url", f"sqlite:///{url}"]
    r = runner.invoke(main, [*base, "surveys", "trigger", "list", "--json"])
    assert r.exit_code == 0, r.output
    assert '"after-call"' in r.output
    r = runner.invoke(main, [*base, "surveys", "trigger", "remove", "after-call"])
    assert r.exit_code == 0, r.output
    assert client.get("/api/v1/triggers", headers=auth).json() == []
    assert client.delete("/api/v1/triggers/after-call", headers=auth).status_code == 404
