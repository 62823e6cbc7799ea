"""Response rates: invitations answered of those sent, anonymous answers against page views."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.core.db import Database
from cxm.core.jobs import run_ready
from cxm.surveys.invitations import Invitee, invite
from cxm.surveys.mailing import SmtpMailer
from cxm.surveys.models import PageView
from cxm.surveys.response_rate import response_rates
from cxm.surveys.service import import_survey
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
