"""The demo's survey invitations: realistic response rates, the triggers' rules and reasons,
and every e-mailed answer tied to its invitation, link and triggering event."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from cxm.demo.invitations import RULES
from cxm.demo.population import END
from cxm.ingest.models import Event
from cxm.surveys.models import Invitation, Response, Suppression, SurveyLink, Trigger
from cxm.surveys.response_rate import response_rates
from cxm.surveys.triggers import evaluate_triggers
from tests.worlds import World


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def test_demo_response_rates_are_realistic_every_month(small_world: World) -> None:
    org = small_world.summary.organization_id
    monthly = response_rates(small_world.db, org, "post-purchase", by="month")
    assert len(monthly) == 12
    for row in monthly:
        assert row.rate is not None and 0.10 <= row.rate <= 0.30, row
        assert row.sent > 150
    [year] = response_rates(small_world.db, org, "post-purchase", by="all")
    assert year.rate is not None and 0.15 <= year.rate <= 0.25
    # Counter QR codes: anonymous answers against the page views they came from.
    assert year.views > 100 and year.view_rate is not None and 0.10 <= year.view_rate <= 0.30
    [expectations] = response_rates(small_world.db, org, "expectations", by="all")
    assert expectations.view_rate is not None and 0.10 <= expectations.view_rate <= 0.30


def test_every_trigger_is_answered_realistically_and_stores_differ(small_world: World) -> None:
    with small_world.db.session() as s:
        rows = s.execute(
            select(Trigger.code, SurveyLink.location_id, Response.id)
            .select_from(Invitation)
            .join(Trigger, Trigger.id == Invitation.trigger_id)
            .join(SurveyLink, SurveyLink.id == Invitation.link_id)
            .outerjoin(Response, Response.link_id == Invitation.link_id)
            .where(Invitation.status == "sent")
        ).all()
    by_trigger: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_store: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for code, location, response in rows:
        by_trigger[code][0] += 1
        by_trigger[code][1] += response is not None
        if location is not None:
            by_store[location][0] += 1
            by_store[location][1] += response is not None
    rate = {code: done / sent for code, (sent, done) in by_trigger.items()}
    assert set(rate) == {"store-purchase", "delivered", "picked-up", "contact-centre"}
    assert all(0.10 <= r <= 0.30 for r in rate.values()), rate
    stores = [done / sent for sent, done in by_store.values() if sent >= 80]
    assert len(stores) >= 8 and max(stores) - min(stores) > 0.06


def test_invitations_follow_the_triggers_rules_and_record_why_not(small_world: World) -> None:
    with small_world.db.session() as s:
        invitations = s.execute(
            select(Invitation.customer_id, Invitation.status, Invitation.reason,
                   Invitation.created_at, Invitation.event_id, Invitation.source_key,
                   Invitation.trigger_id)
            .order_by(Invitation.customer_id, Invitation.created_at)
        ).all()  # fmt: skip
        suppressed = {
            int(c): (_utc(t), r)
            for c, t, r in s.execute(
                select(Suppression.customer_id, Suppression.created_at, Suppression.reason)
            )
        }
    kinds = {r.reason.split(":")[0].split(" (")[0] for r in invitations if r.status == "skipped"}
    assert kinds == {"fatigue", "cooldown", "suppressed", "sampled out"}
    assert {r.status for r in invitations} == {"sent", "skipped", "failed"}
    assert {reason for _, reason in suppressed.values()} == {
        "unsubscribed", "asked not to be surveyed",
    }  # fmt: skip
    last: dict[int, datetime] = {}
    for r in invitations:
        at = _utc(r.created_at)
        assert r.event_id is not None and r.source_key == f"trigger:{r.trigger_id}:{r.event_id}"
        blocked = suppressed.get(r.customer_id)
        if blocked is not None and blocked[0] <= at:
            assert r.status == "skipped" and r.reason == f"suppressed ({blocked[1]})"
        elif r.status != "skipped":
            previous = last.get(r.customer_id)  # at most one invitation per 14 days
            assert previous is None or at - previous >= timedelta(days=RULES.fatigue_days)
        if r.status == "sent":
            last[r.customer_id] = at


def test_emailed_answers_belong_to_their_invitation_link_and_event(small_world: World) -> None:
    with small_world.db.session() as s:
        rows: list[Any] = s.execute(
            select(Response, Invitation, Event)
            .join(Invitation, Invitation.link_id == Response.link_id)
            .join(Event, Event.id == Response.event_id)
        ).all()
    assert len(rows) > 500
    for response, invitation, event in rows:
        assert invitation.status == "sent" and response.customer_id == invitation.customer_id
        assert response.event_id == invitation.event_id
        assert (response.order_id, response.touchpoint_id) == (event.order_id, event.touchpoint_id)
        assert response.channel == event.channel  # filed under the journey channel it is about
        assert _utc(invitation.created_at) < _utc(response.started_at)


def test_the_demo_triggers_are_live_and_decide_nothing_twice(small_world: World) -> None:
    # Everything up to the last event is decided; a run after the demo's year adds nothing.
    org = small_world.summary.organization_id
    with small_world.db.session() as s:
        before = len(s.scalars(select(Invitation.id)).all())
    runs = evaluate_triggers(small_world.db, org, "http://demo", END + timedelta(days=1))
    assert len(runs) == 4 and all(r.considered == 0 for r in runs)
    with small_world.db.session() as s:
        assert len(s.scalars(select(Invitation.id)).all()) == before
