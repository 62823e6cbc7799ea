"""Distribution: e-mail invitations received by a local SMTP server, fatigue and cooldown,
unsubscribing, the suppression list, and QR codes for a store's counter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from cxm.cli import main
from cxm.core.db import Database
from cxm.core.jobs import Job, run_ready
from cxm.surveys.invitations import Invitee, Rules, invite
from cxm.surveys.mailing import SmtpMailer
from cxm.surveys.models import Invitation, Response
from cxm.surveys.qr import counter_url
from cxm.surveys.service import import_survey
from tests.factories import track
from tests.surveys.mailbox import Inbox, free_port
from tests.web.conftest import Site

NOW = datetime.now(UTC) - timedelta(hours=1)  # links made now still work today


@pytest.fixture(autouse=True)
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The queue's jobs run when a test says so, not by the web process's own worker.
    monkeypatch.setenv("CXM_WORKER_THREADS", "0")


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


def send(site: Site, code: str, who: list[Invitee], now: datetime,
         rules: Rules | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """Decide, let the queue's send jobs run, and read back what became of each invitee."""
    db: Database = site.app.state.db
    with db.session() as s:
        before = s.scalar(select(func.max(Invitation.id))) or 0
    made = invite(db, site.org_id, code, who, "http://testserver", rules, now)
    assert all(d.status in ("queued", "skipped") for d in made)
    run_ready(db)
    with db.session() as s:
        rows = s.scalars(select(Invitation).where(Invitation.id > before).order_by(Invitation.id))
        return [(i.status, i.reason) for i in rows]


def links_in(message: EmailMessage) -> list[str]:
    body = message.get_body(("plain",))
    assert body is not None
    return re.findall(r"http://testserver(/[tu]/\S+)", body.get_content())


def test_invitations_arrive_in_the_customers_language_with_working_links(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, _ = smtp
    ids = customers(client, site)
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Доставка")
    decisions = send(site, "delivery",
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
    inbox, _ = smtp
    ids = customers(client, site)
    db: Database = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    import_survey(db, site.org_id, definition, code="store", name="Store")
    olha = [Invitee(customer_id=ids["olha"])]
    rules = Rules(fatigue_days=30, cooldown_days=90)
    assert send(site, "delivery", olha, NOW, rules) == [("sent", "sent")]
    ((status, reason),) = send(site, "store", olha, NOW + timedelta(days=3), rules)
    assert status == "skipped"
    assert reason == "fatigue: invited 3 days ago; at most one invitation per 30 days"
    ((status, reason),) = send(site, "delivery", olha, NOW + timedelta(days=40), rules)
    assert reason == "cooldown: invited to this survey 40 days ago; cooldown 90 days"
    assert send(site, "store", olha, NOW + timedelta(days=41), rules) == [("sent", "sent")]
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
    inbox, _ = smtp
    ids = customers(client, site)
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Delivery")
    send(site, "delivery", [Invitee(customer_id=ids["ivan"])], NOW)
    _, unsubscribe = links_in(inbox.messages[0])
    confirm = client.get(unsubscribe, headers={"accept-language": "ru"})
    assert "Больше не присылать опросы на ivan@example.com?" in confirm.text
    # Opening the link (as mail scanners do) does not unsubscribe; the button does.
    later = NOW + timedelta(days=200)
    assert send(site, "delivery", [Invitee(customer_id=ids["ivan"])], later)[0][0] == "sent"
    done = client.post(unsubscribe, headers={"accept-language": "ru"})
    assert done.status_code == 200 and "Вы отписались" in done.text
    much_later = NOW + timedelta(days=400)
    assert send(site, "delivery", [Invitee(customer_id=ids["ivan"])], much_later) == [
        ("skipped", "suppressed (unsubscribed)")
    ]
    assert send(site, "delivery", [Invitee(email="IVAN@example.com")], much_later) == [
        ("skipped", "suppressed (unsubscribed)")
    ]
    assert len(inbox.messages) == 2
    assert client.post("/u/forged-token").status_code == 404


def test_an_unreachable_smtp_server_is_retried_with_backoff_then_recorded_as_failed(
    client: TestClient, site: Site, definition: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXM_SMTP_PORT", str(free_port()))  # nobody listens there
    db: Database = site.app.state.db
    ids = customers(client, site)
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    (decision,) = invite(db, site.org_id, "delivery", [Invitee(customer_id=ids["olha"])],
                         "http://testserver", None, NOW)  # fmt: skip
    assert decision.status == "queued"
    run_ready(db)
    with db.session() as s:
        job = s.scalars(select(Job).where(Job.kind == "surveys.send")).one()
        (row,) = s.scalars(select(Invitation)).all()
        # The queue will retry after 2 s; the invitation waits meanwhile.
        assert (job.status, job.attempts, row.status) == ("queued", 1, "queued")
        assert job.last_error and "Connection refused" in job.last_error
        s.execute(update(Job).values(attempts=4, run_after=datetime.now(UTC)))
    run_ready(db)  # the fifth and last attempt fails too
    with db.session() as s:
        (row,) = s.scalars(select(Invitation)).all()
        job = s.scalars(select(Job).where(Job.kind == "surveys.send")).one()
    assert row.status == "failed" and row.reason.startswith("SMTP: ")
    assert job.status == "done" and job.result is not None and job.result["failed"] == 1


class Flaky(Inbox):
    """Refuses the second message once with a temporary error, as a busy server does."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.seen += 1
        if self.seen == 2:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_retried_send_job_sends_only_what_the_server_did_not_take(
    client: TestClient, site: Site, definition: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = Flaky()
    port = free_port()
    monkeypatch.setenv("CXM_SMTP_PORT", str(port))
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        db: Database = site.app.state.db
        ids = customers(client, site)
        import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
        invite(db, site.org_id, "delivery",
               [Invitee(customer_id=ids["olha"]), Invitee(customer_id=ids["ivan"])],
               "http://testserver", None, NOW)  # fmt: skip
        run_ready(db)
        with db.session() as s:
            states = [i.status for i in s.scalars(select(Invitation).order_by(Invitation.id))]
            job = s.scalars(select(Job)).one()
            assert states == ["sent", "queued"] and job.status == "queued"
            assert job.run_after.replace(tzinfo=UTC) > datetime.now(UTC)  # backing off
            s.execute(update(Job).values(run_after=datetime.now(UTC)))
        run_ready(db)
    finally:
        controller.stop()
    with db.session() as s:
        states = [i.status for i in s.scalars(select(Invitation).order_by(Invitation.id))]
    assert states == ["sent", "sent"]
    assert [m["To"] for m in inbox.messages] == ["olha@example.com", "ivan@example.com"]


def test_invitations_through_the_api_use_the_smtp_settings(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    inbox, _ = smtp
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Delivery")
    r = client.post("/api/v1/surveys/delivery/invitations",
                    json={"invitees": [{"email": "anna@example.com", "language": "en"}]},
                    headers={"Authorization": f"Bearer {site.key}"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json() == [{"customer_id": None, "email": "anna@example.com", "status": "queued",
                         "reason": "queued", "repeated": False}]  # fmt: skip
    assert run_ready(site.app.state.db) == 1
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
    assert r.exit_code == 2 and "at least one --customer, --email or --file" in r.output


def test_one_reminder_goes_only_to_those_who_have_not_answered_nor_unsubscribed(
    client: TestClient, site: Site, definition: dict[str, Any], smtp: tuple[Inbox, SmtpMailer]
) -> None:
    from cxm.surveys.invitations import Origin
    from cxm.surveys.reminders import queue_reminders

    inbox, _ = smtp
    db: Database = site.app.state.db
    ids = customers(client, site)
    post = client.post("/api/v1/batch", headers={"Authorization": f"Bearer {site.key}"}, json={
        "batch": [{"type": "identify", "messageId": "id-anna", "userId": "anna",
                   "timestamp": "2026-09-01T10:00:00Z",
                   "traits": {"email": "anna@example.com", "language": "en"}}]})  # fmt: skip
    assert post.status_code == 200
    ids = customers(client, site)
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    who = [Invitee(customer_id=ids[n]) for n in ("olha", "ivan", "anna")]
    invite(db, site.org_id, "delivery", who, "http://testserver", None, NOW,
           Origin(remind_after_days=5))  # fmt: skip
    run_ready(db)
    olha, ivan, anna = inbox.messages
    # Olha answers, Ivan unsubscribes, Anna only opens page one (a partial response).
    answer = links_in(olha)[0]
    client.post(answer, data={"page": "start", "q_nps": "10"})
    client.post(answer, data={"page": "last"})
    client.post(links_in(ivan)[1])
    client.post(links_in(anna)[0], data={"page": "start", "q_nps": "3"})
    assert (
        queue_reminders(db, site.org_id, "http://testserver", NOW + timedelta(days=4)).queued == 0
    )
    run = queue_reminders(db, site.org_id, "http://testserver", NOW + timedelta(days=5))
    assert (run.queued, run.skipped) == (1, 2)
    run_ready(db)
    again = queue_reminders(db, site.org_id, "http://testserver", NOW + timedelta(days=9))
    assert (again.queued, again.skipped) == (0, 0)  # one reminder, never two
    run_ready(db)
    assert [m["To"] for m in inbox.messages[3:]] == ["anna@example.com"]
    reminder = inbox.messages[3]
    assert reminder["Subject"] == "Reminder: tell us how it went: Delivery"
    assert links_in(reminder)[0] == links_in(anna)[0]  # the same personal link
    with db.session() as s:
        fates = [i.reminder for i in s.scalars(select(Invitation).order_by(Invitation.id))]
    assert fates == ["skipped: answered", "skipped: suppressed (unsubscribed)", "sent"]
    # Anna can still finish where she left off.
    page = client.get(links_in(reminder)[0] + "?lang=en")
    assert page.status_code == 200 and "Page 2 of 3" in page.text
