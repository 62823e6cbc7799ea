"""Response rates: invitations answered of those sent, anonymous answers against page views."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import Database, table
from cxm.core.jobs import run_ready
from cxm.core.models import Organization
from cxm.surveys.invitations import Invitee, invite
from cxm.surveys.mailing import SmtpMailer
from cxm.surveys.models import (
    Invitation,
    PageView,
    Response,
    Survey,
    SurveyLink,
    SurveyVersion,
)
from cxm.surveys.page_views import count_view
from cxm.surveys.response_rate import response_rates
from cxm.surveys.service import import_survey
from tests.factories import organization
from tests.surveys.mailbox import Inbox
from tests.surveys.test_distribution import NOW, links_in
from tests.web.conftest import Site


@pytest.fixture(autouse=True)
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_WORKER_THREADS", "0")


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


def finish(client: TestClient, path: str) -> None:
    client.post(path, data={"page": "start", "q_nps": "10"})
    client.post(path, data={"page": "last"})


def test_response_rates_for_invitations_and_for_anonymous_links(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, _ = smtp
    db: Database = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    who = [Invitee(email=f"p{n}@example.com", language="en") for n in range(4)]
    invite(db, site.org_id, "delivery", [*who, Invitee(email="p0@example.com")],
           "http://testserver", None, NOW)  # fmt: skip  # the repeat is skipped: fatigue
    run_ready(db)
    assert len(inbox.messages) == 4
    finish(client, links_in(inbox.messages[0])[0])  # answered
    client.post(links_in(inbox.messages[1])[0], data={"page": "start", "q_nps": "2"})  # partial

    # Three visitors open the counter QR code; one opens it twice; two of them answer.
    qr = "/s/demo/delivery?store=kyiv-1&channel=store"
    visitors = [TestClient(site.app) for _ in range(3)]
    for v in visitors:
        assert v.get(qr).status_code == 200
    visitors[0].get(qr + "&lang=en")
    finish(visitors[0], qr)
    finish(visitors[1], qr)
    with db.session() as s:
        counted = {(v.source, v.count) for v in s.scalars(select(PageView))}
    assert counted == {("qr", 3)}

    (row,) = response_rates(db, site.org_id, "delivery", "all")
    assert (row.sent, row.answered, row.views, row.anonymous_responses) == (4, 1, 3, 2)
    assert row.rate == 0.25 and row.view_rate == pytest.approx(2 / 3)
    assert (row.rate_low, row.rate_high) == pytest.approx(wilson(1, 4))
    assert (row.view_rate_low, row.view_rate_high) == pytest.approx(wilson(2, 3))

    api = client.get("/api/v1/response-rates?by=all",
                     headers={"Authorization": f"Bearer {site.key}"})  # fmt: skip
    assert api.status_code == 200
    assert [(r["survey"], r["sent"], r["answered"]) for r in api.json()] == [("delivery", 4, 1)]
    bad = client.get("/api/v1/response-rates?by=year",
                     headers={"Authorization": f"Bearer {site.key}"})  # fmt: skip
    assert bad.status_code == 422

    from cxm.cli import main

    r = CliRunner().invoke(main, ["--database-url", str(db.engine.url), "surveys", "rate",
                                  "--by", "all"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert re.search(r"delivery\s+all\s+invitations 1/4 25\.0%", r.output), r.output
    assert "views 2/3 66.7%" in r.output


def test_views_count_only_anonymous_links_and_name_the_widget(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    db: Database = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    TestClient(site.app).get("/s/demo/delivery?via=widget&channel=web")
    TestClient(site.app).get("/s/demo/delivery")
    TestClient(site.app).get("/s/demo/nope")
    with db.session() as s:
        counted = sorted((v.source, v.count) for v in s.scalars(select(PageView)))
    assert counted == [("link", 1), ("widget", 1)]


def _sent(db: Database, org: int, survey: int, at: datetime, answered: bool) -> None:
    """One e-mailed invitation sent at ``at`` (UTC), answered or not through its link."""
    with db.writer() as conn:
        (link,) = insert_returning_ids(conn, table(SurveyLink), [
            {"organization_id": org, "survey_id": survey, "hidden": {}, "created_at": at,
             "expires_at": at + timedelta(days=30)}])  # fmt: skip
        conn.execute(insert(table(Invitation)).values(
            organization_id=org, survey_id=survey, channel="email", address="a@example.com",
            status="sent", reason="sent", link_id=link, created_at=at))  # fmt: skip
        if answered:
            _respond(conn, org, survey, at + timedelta(hours=1), link)


def _respond(conn: Any, org: int, survey: int, at: datetime, link: int | None = None) -> None:
    version = conn.execute(
        select(table(SurveyVersion).c.id).where(table(SurveyVersion).c.survey_id == survey)
    ).scalar_one()
    conn.execute(insert(table(Response)).values(
        organization_id=org, survey_id=survey, version_id=version, link_id=link,
        status="complete", started_at=at, completed_at=at, sync_mark=0))  # fmt: skip


def test_rates_follow_the_organizations_days_across_midnight(
    db: Database, definition: dict[str, Any]
) -> None:
    org = organization(db, "kyiv")  # Europe/Kyiv: UTC+3 in summer, UTC+2 from 25 October
    import_survey(db, org, definition, code="delivery", name="Delivery")
    with db.session() as s:
        survey = s.scalars(select(Survey.id).where(Survey.organization_id == org)).one()
    utc = UTC
    _sent(db, org, survey, datetime(2026, 9, 30, 20, 30, tzinfo=utc), True)  # 23:30, 30 Sep
    _sent(db, org, survey, datetime(2026, 9, 30, 21, 30, tzinfo=utc), False)  # 00:30, 1 Oct
    _sent(db, org, survey, datetime(2026, 10, 1, 10, 0, tzinfo=utc), True)  # 13:00, 1 Oct
    _sent(db, org, survey, datetime(2026, 10, 31, 21, 30, tzinfo=utc), False)  # 23:30, 31 Oct
    _sent(db, org, survey, datetime(2026, 10, 31, 22, 30, tzinfo=utc), False)  # 00:30, 1 Nov
    with db.writer() as conn:  # an anonymous answer at 00:10 on 1 October, Kyiv time
        _respond(conn, org, survey, datetime(2026, 9, 30, 21, 10, tzinfo=utc))
    count_view(db, survey, "qr", now=datetime(2026, 9, 30, 21, 5, tzinfo=utc))  # 00:05, 1 Oct

    def rows(by: str) -> list[tuple[str, int, int, int, int]]:
        return [(r.period, r.sent, r.answered, r.views, r.anonymous_responses)
                for r in response_rates(db, org, "delivery", by)]  # type: ignore[arg-type]  # fmt: skip

    # In UTC, September would hold two invitations and November none.
    assert rows("month") == [
        ("2026-09", 1, 1, 0, 0),
        ("2026-10", 3, 1, 1, 1),
        ("2026-11", 1, 0, 0, 0),
    ]
    assert rows("day")[:2] == [("2026-09-30", 1, 1, 0, 0), ("2026-10-01", 2, 1, 1, 1)]
    only = response_rates(
        db, org, "delivery", "day", start=date(2026, 10, 1), end=date(2026, 10, 1)
    )
    assert [(r.period, r.sent) for r in only] == [("2026-10-01", 2)]
    # A half-hour zone: 18:20 UTC is 23:50 on 30 September in Kolkata, 18:35 UTC 00:05 on
    # 1 October.
    with db.session() as s:
        s.execute(update(Organization).where(Organization.id == org).values(
            timezone="Asia/Kolkata"))  # fmt: skip
    _sent(db, org, survey, datetime(2026, 9, 30, 18, 20, tzinfo=utc), False)
    _sent(db, org, survey, datetime(2026, 9, 30, 18, 35, tzinfo=utc), False)
    days = {r.period: r.sent for r in response_rates(db, org, "delivery", "day")}
    # 20:30 and 21:30 UTC on 30 September are past midnight in Kolkata too.
    assert (days["2026-09-30"], days["2026-10-01"]) == (1, 4)
