"""Recurring relationship surveys: a seeded sample per period, fatigue applied, run once; and
the suppression list through the API, honoured by recurring runs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.core.db import Database
from cxm.surveys.distribution import run_pass
from cxm.surveys.models import Invitation
from cxm.surveys.schedules import ScheduleSpec, draw_sample, period_of, set_schedule
from cxm.surveys.service import import_survey
from tests.surveys.test_triggers import people
from tests.web.conftest import Site

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_WORKER_THREADS", "0")


def test_periods_are_labelled_by_calendar() -> None:
    assert period_of(NOW, "week") == "2026-W47"
    assert period_of(NOW, "month") == "2026-11"
    assert period_of(NOW, "quarter") == "2026-Q4"
    assert period_of(NOW, "year") == "2026"


def invited(db: Database, schedule_survey: str | None = None) -> list[tuple[int, str, str]]:
    with db.session() as s:
        return [(int(i.customer_id or 0), i.status, i.reason)
                for i in s.scalars(select(Invitation).order_by(Invitation.id))]  # fmt: skip


def test_a_quarterly_sample_is_drawn_by_seed_once_per_quarter_with_fatigue_and_suppression(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    db: Database = site.app.state.db
    auth = {"Authorization": f"Bearer {site.key}"}
    import_survey(db, site.org_id, definition, code="relationship", name="Relationship")
    import_survey(db, site.org_id, definition, code="brand", name="Brand")
    ids = people(client, site, [f"c{n}" for n in range(10)])
    people(client, site, ["nomail"], mail=False)
    population = sorted(v for k, v in ids.items() if k != "nomail")
    expected = sorted(random.Random("7:2026-Q4").sample(population, 4))
    assert draw_sample(population, 4, 7, "2026-Q4") == expected
    blocked = expected[1]
    r = client.post("/api/v1/suppressions", headers=auth,
                    json={"customer_id": blocked, "channel": "all", "reason": "asked"})  # fmt: skip
    assert r.status_code == 201, r.text
    bad = client.post("/api/v1/suppressions", headers=auth,
                      json={"customer_id": 999999, "channel": "fax"})  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"channel"}
    bad = client.post("/api/v1/suppressions", headers=auth, json={"customer_id": 999999})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "customer_id"
    r = client.put("/api/v1/schedules", headers=auth,
                   json={"survey": "relationship", "every": "quarter", "sample_size": 4,
                         "seed": 7})  # fmt: skip
    assert r.status_code == 200, r.text

    done = run_pass(db, site.org_id, "http://testserver", NOW)
    (run,) = done.schedules
    assert (run.period, run.sampled, run.queued, run.skipped) == ("2026-Q4", 4, 3, 1)
    assert invited(db) == [
        (c, "skipped", "suppressed (asked)") if c == blocked else (c, "queued", "queued")
        for c in expected
    ]
    # The same quarter again: nothing new. A second survey with the same seed draws the
    # same customers, and fatigue keeps those invited this week from a second invitation.
    assert run_pass(db, site.org_id, "http://testserver", NOW + timedelta(days=3)).schedules == []
    set_schedule(db, site.org_id, ScheduleSpec(survey="brand", every="quarter", sample_size=4,
                                               seed=7))  # fmt: skip
    (brand,) = run_pass(db, site.org_id, "http://testserver", NOW + timedelta(days=3)).schedules
    assert (brand.queued, brand.skipped) == (0, 4)
    reasons = [r for _, _, r in invited(db)[4:]]
    assert reasons.count("suppressed (asked)") == 1
    assert reasons.count("fatigue: invited 3 days ago; at most one invitation per 30 days") == 3
    # Next quarter: another sample, drawn the same documented way.
    later = run_pass(db, site.org_id, "http://testserver", datetime(2027, 1, 5, tzinfo=UTC))
    assert [s.period for s in later.schedules] == ["2027-Q1", "2027-Q1"]
    q1 = sorted(random.Random("7:2027-Q1").sample(population, 4))
    assert q1 != expected
    assert sorted(c for c, _, _ in invited(db)[8:12]) == q1

    listed = client.get("/api/v1/schedules", headers=auth).json()
    periods = [(s["survey"], s["last_period"]) for s in listed]
    assert periods == [("brand", "2027-Q1"), ("relationship", "2027-Q1")]
    entries = client.get("/api/v1/suppressions", headers=auth).json()
    assert [(e["customer_id"], e["channel"], e["address"]) for e in entries] == [
        (blocked, "all", None)
    ]
    assert (
        client.delete(f"/api/v1/suppressions/{entries[0]['id']}", headers=auth).status_code == 204
    )
    assert client.get("/api/v1/suppressions", headers=auth).json() == []
    assert client.delete("/api/v1/schedules/brand", headers=auth).status_code == 204
    assert client.delete("/api/v1/schedules/brand", headers=auth).status_code == 404


def test_the_distribution_page_adds_and_removes_triggers_and_schedules(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    from tests.web.conftest import csrf_of, log_in

    db: Database = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Доставка")
    assert log_in(client, site.email).status_code == 303
    page = client.get("/surveys/distribution")
    assert page.status_code == 200 and "Тригерів ще немає." in page.text
    assert 'data-survey="demo/delivery"' in page.text  # the widget tag to paste
    token = csrf_of(page.text)
    bad = {"csrf_token": token, "code": "<b>x</b>", "survey": "delivery", "sample_rate": "2"}
    refused = client.post("/surveys/distribution/triggers", data=bad)
    assert refused.status_code == 422
    assert "<code>sample_rate</code>" in refused.text and "<code>code</code>" in refused.text
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in refused.text  # what was typed is kept, escaped
    missing = client.post("/surveys/distribution/triggers", data={
        "csrf_token": token, "code": "x", "survey": "delivery"})  # fmt: skip
    assert missing.status_code == 422 and "<code>touchpoint</code>" in missing.text
    added = client.post("/surveys/distribution/triggers", data={
        "csrf_token": token, "code": "after-call", "survey": "delivery", "event": "Call Closed",
        "delay_hours": "2", "sample_rate": "0.25"}, follow_redirects=True)  # fmt: skip
    assert added.status_code == 200
    assert "<code>after-call</code>" in added.text and "25,0" in added.text
    scheduled = client.post("/surveys/distribution/schedules", data={
        "csrf_token": token, "survey": "delivery", "every": "month", "sample_size": "50",
        "seed": "3"}, follow_redirects=True)  # fmt: skip
    assert 'data-testid="schedules"' in scheduled.text and "місяць" in scheduled.text
    client.post("/surveys/distribution/triggers/after-call/remove", data={"csrf_token": token})
    client.post("/surveys/distribution/schedules/delivery/remove", data={"csrf_token": token})
    final = client.get("/surveys/distribution")
    assert "Тригерів ще немає." in final.text and 'data-testid="schedules"' not in final.text
    assert client.get("/surveys").text.count('href="/surveys/distribution"') == 1
    from cxm.surveys.invitations import Invitee, invite

    invite(db, site.org_id, "delivery", [Invitee(email="<i>anna</i>@example.com")], "http://x")
    shown = client.get("/surveys/distribution").text
    assert 'data-testid="decisions"' in shown and "у черзі" in shown
    assert "&lt;i&gt;anna&lt;/i&gt;@example.com" in shown  # customer text is escaped
