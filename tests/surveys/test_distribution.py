"""Distribution: e-mail invitations received by a local SMTP server, fatigue and cooldown,
unsubscribing, the suppression list, and QR codes for a store's counter."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.cli import main
from cxm.core.db import Database
from cxm.surveys.invitations import Invitee, Rules, SmtpMailer, invite
from cxm.surveys.models import Invitation, Response
from cxm.surveys.qr import counter_url
from cxm.surveys.service import import_survey
from tests.factories import track
from tests.web.conftest import Site

NOW = datetime.now(UTC) - timedelta(hours=1)  # links made now still work today


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpMailer]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpMailer("127.0.0.1", port)
    finally:
        controller.stop()


def customers(client: TestClient, site: Site) -> dict[str, int]:
    batch = [
        {"type": "identify", "messageId": f"id-{u}", "userId": u,
         "timestamp": "2026-09-01T10:00:00Z",
         "traits": {"email": f"{u}@example.com", "language": lang}}
        for u, lang in (("olha", "uk"), ("ivan", "ru"))
    ] + [track("t1", user_id="nomail", timestamp="2026-09-01T10:00:00Z")]  # fmt: skip
    r = client.post("/api/v1/batch", json={"batch": batch},
                    headers={"Authorization": f"Bearer {site.key}"})  # fmt: skip
    assert r.status_code == 200, r.text
    from cxm.ingest.models import CustomerIdentity

    with site.app.state.db.session() as s:
        rows = s.execute(
            select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == "user_id"
            )
        ).all()
    return {str(v): int(c) for v, c in rows}


def send(site: Site, mailer: SmtpMailer, code: str, who: list[Invitee], now: datetime,
         rules: Rules | None = None) -> list[tuple[str, str]]:  # fmt: skip
    made = invite(site.app.state.db, site.org_id, code, who, mailer,
                  site.app.state.settings.secret_key, "http://testserver", "cx@shop.example",
                  rules, now)  # fmt: skip
    return [(d.status, d.reason) for d in made]


def links_in(message: EmailMessage) -> list[str]:
    body = message.get_body(("plain",))
    assert body is not None
    return re.findall(r"http://testserver(/[tu]/\S+)", body.get_content())


def test_invitations_arrive_in_the_customers_language_with_working_links(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    ids = customers(client, site)
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Доставка")
    decisions = send(site, mailer, "delivery",
                     [Invitee(customer_id=ids["olha"]), Invitee(customer_id=ids["ivan"]),
                      Invitee(customer_id=ids["nomail"])], NOW)  # fmt: skip
    assert decisions == [("sent", "sent"), ("sent", "sent"), ("skipped", "no e-mail address")]
    assert [m["To"] for m in inbox.messages] == ["olha@example.com", "ivan@example.com"]
    olha, ivan = inbox.messages
    assert olha["Subject"] == "Розкажіть, як усе пройшло: Доставка"
    assert ivan["Subject"] == "Расскажите, как всё прошло: Доставка"
    assert olha["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    survey_link, unsubscribe = links_in(olha)
    assert survey_link.startswith("/t/") and unsubscribe.startswith("/u/")
    page = client.get(survey_link)
    assert page.status_code == 200 and "Чи порекомендуєте ви нас?" in page.text
    client.post(survey_link, data={"page": "start", "q_nps": "9"})
    with site.app.state.db.session() as s:
        response = s.scalars(select(Response)).one()
    assert (response.customer_id, response.channel) == (ids["olha"], "email")


def test_fatigue_and_cooldown_are_recorded_as_reasons(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    ids = customers(client, site)
    db: Database = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    import_survey(db, site.org_id, definition, code="store", name="Store")
    olha = [Invitee(customer_id=ids["olha"])]
    rules = Rules(fatigue_days=30, cooldown_days=90)
    assert send(site, mailer, "delivery", olha, NOW, rules) == [("sent", "sent")]
    ((status, reason),) = send(site, mailer, "store", olha, NOW + timedelta(days=3), rules)
    assert status == "skipped"
    assert reason == "fatigue: invited 3 days ago; at most one invitation per 30 days"
    ((status, reason),) = send(site, mailer, "delivery", olha, NOW + timedelta(days=40), rules)
    assert reason == "cooldown: invited to this survey 40 days ago; cooldown 90 days"
    assert send(site, mailer, "store", olha, NOW + timedelta(days=41), rules) == [("sent", "sent")]
    assert len(inbox.messages) == 2
    with db.session() as s:
        recorded = [
            (i.status, i.reason[:8]) for i in s.scalars(select(Invitation).order_by(Invitation.id))
        ]
    assert recorded == [("sent", "sent"), ("skipped", "fatigue:"), ("skipped", "cooldown"),
                        ("sent", "sent")]  # fmt: skip


def test_unsubscribing_suppresses_every_later_invitation(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    ids = customers(client, site)
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Delivery")
    send(site, mailer, "delivery", [Invitee(customer_id=ids["ivan"])], NOW)
    _, unsubscribe = links_in(inbox.messages[0])
    confirm = client.get(unsubscribe, headers={"accept-language": "ru"})
    assert "Больше не присылать опросы на ivan@example.com?" in confirm.text
    # Opening the link (as mail scanners do) does not unsubscribe; the button does.
    later = NOW + timedelta(days=200)
    assert send(site, mailer, "delivery", [Invitee(customer_id=ids["ivan"])], later)[0][0] == "sent"
    done = client.post(unsubscribe, headers={"accept-language": "ru"})
    assert done.status_code == 200 and "Вы отписались" in done.text
    much_later = NOW + timedelta(days=400)
    assert send(site, mailer, "delivery", [Invitee(customer_id=ids["ivan"])], much_later) == [
        ("skipped", "suppressed (unsubscribed)")
    ]
    assert send(site, mailer, "delivery", [Invitee(email="IVAN@example.com")], much_later) == [
        ("skipped", "suppressed (unsubscribed)")
    ]
    assert len(inbox.messages) == 2
    assert client.post("/u/forged-token").status_code == 404


def test_an_unreachable_smtp_server_is_recorded_as_failed(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    ids = customers(client, site)
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Delivery")
    (status, reason), = send(site, SmtpMailer("127.0.0.1", _free_port(), timeout=2), "delivery",
                             [Invitee(customer_id=ids["olha"])], NOW)  # fmt: skip
    assert status == "failed" and reason.startswith("SMTP: ")
    with site.app.state.db.session() as s:
        (row,) = s.scalars(select(Invitation)).all()
    assert (row.status, row.reason) == ("failed", reason)


def test_invitations_through_the_api_use_the_smtp_settings(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    inbox, mailer = smtp
    monkeypatch.setenv("CXM_SMTP_PORT", str(mailer.port))
    monkeypatch.setenv("CXM_SMTP_SENDER", "cx@shop.example")
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Delivery")
    r = client.post("/api/v1/surveys/delivery/invitations",
                    json={"invitees": [{"email": "anna@example.com", "language": "en"}]},
                    headers={"Authorization": f"Bearer {site.key}"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json() == [{"customer_id": None, "email": "anna@example.com", "status": "sent",
                         "reason": "sent"}]  # fmt: skip
    assert inbox.messages[0]["From"] == "cx@shop.example"
    assert inbox.messages[0]["Subject"] == "Tell us how it went: Delivery"


def test_counter_qr_codes_lead_to_answers_from_that_store(
    client: TestClient, site: Site, definition: dict[str, Any], tmp_path: Path
) -> None:
    db: Database = site.app.state.db
    from cxm.ingest.models import Location

    with db.session() as s:
        s.add(Location(organization_id=site.org_id, code="kyiv-1", name="Kyiv 1"))
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    auth = {"Authorization": f"Bearer {site.key}"}
    svg = client.get("/api/v1/surveys/delivery/qr?store=kyiv-1", headers=auth)
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get("/api/v1/surveys/delivery/qr?store=kyiv-1&format=png", headers=auth)
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/api/v1/surveys/nope/qr", headers=auth).status_code == 404
    url = counter_url("http://testserver", "demo", "delivery", "kyiv-1")
    path = url.removeprefix("http://testserver")
    client.post(path, data={"page": "start", "q_nps": "10"})
    client.post(path, data={"page": "last"})
    with db.session() as s:
        response = s.scalars(select(Response)).one()
        location = s.scalar(select(Location.id).where(Location.code == "kyiv-1"))
    assert (response.status, response.location_id, response.channel) == (
        "complete", location, "store"
    )  # fmt: skip


def test_cli_writes_counter_qr_codes_and_prints_links(
    tmp_path: Path, definition: dict[str, Any]
) -> None:
    from cxm.core.schema import upgrade
    from tests.factories import organization

    db = Database(f"sqlite:///{tmp_path / 'cxm.sqlite3'}")
    upgrade(db.engine)
    org = organization(db, "demo")
    import_survey(db, org, definition, code="delivery", name="Delivery")
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path)]
    out = tmp_path / "kyiv.png"
    r = runner.invoke(main, [*base, "surveys", "qr", "delivery", "--store", "kyiv-1",
                             "--format", "png", "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "/s/demo/delivery?store=kyiv-1&channel=store" in r.output
    r = runner.invoke(main, [*base, "surveys", "link", "delivery", "--customer", "5",
                             "--customer", "6", "--base-url", "https://cx.example"])  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["5", "6"]
    assert all(line.split("\t")[1].startswith("https://cx.example/t/") for line in lines)
    r = runner.invoke(main, [*base, "surveys", "invite", "delivery"])
    assert r.exit_code == 2 and "at least one --customer or --email" in r.output
