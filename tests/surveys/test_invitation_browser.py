"""In Chromium on a phone: a customer opens the link of an invitation e-mail received by a local
SMTP server, answers in Ukrainian, leaves after page one and comes back to finish."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from cxm.core.jobs import run_ready
from cxm.ingest.events import ingest_batch
from cxm.surveys.invitations import Invitee, invite
from cxm.surveys.mailing import SmtpMailer
from cxm.surveys.models import Answer, Response
from cxm.surveys.service import import_survey
from tests.surveys.mailbox import Inbox
from tests.surveys.test_browser import phone  # noqa: F401
from tests.web.conftest import Site

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_WORKER_THREADS", "0")


def test_customer_answers_an_e_mailed_invitation_on_a_phone_in_two_visits(
    site: Site, live_url: str, phone: Any, definition: dict[str, Any],  # noqa: F811
    smtp: tuple[Inbox, SmtpMailer],
) -> None:  # fmt: skip
    inbox, _ = smtp
    db = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Доставка")
    ingest_batch(db, site.org_id, [
        {"type": "identify", "messageId": "id-olha", "userId": "olha",
         "timestamp": "2026-09-01T10:00:00Z",
         "traits": {"email": "olha@example.com", "language": "uk"}}])  # fmt: skip
    from cxm.ingest.models import CustomerIdentity

    with db.session() as s:
        olha = s.scalar(select(CustomerIdentity.customer_id).where(
            CustomerIdentity.value == "olha"))  # fmt: skip
    invite(db, site.org_id, "delivery", [Invitee(customer_id=olha)], live_url)
    run_ready(db)
    (message,) = inbox.messages
    assert message["Subject"] == "Розкажіть, як усе пройшло: Доставка"
    body = message.get_body(("plain",))
    assert body is not None
    link = re.findall(r"(http://127\.0\.0\.1:\d+/t/\S+)", body.get_content())[0]

    page = phone.new_page()
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("group", name="Чи порекомендуєте ви нас?").get_by_role(
        "radio", name="3", exact=True
    ).check()
    page.get_by_role("button", name="Далі").click()
    page.wait_for_selector("text=Сторінка 2 з 3")
    page.close()  # she leaves after page one

    later = phone.new_page()  # and comes back from the same e-mail
    later.goto(link)
    later.wait_for_selector("text=Сторінка 2 з 3")
    later.get_by_label("Що пішло не так?").fill("Кур'єр запізнився на два дні")
    later.get_by_role("button", name="Далі").click()
    later.wait_for_selector("text=Сторінка 3 з 3")
    later.get_by_role("button", name="Надіслати").click()
    later.wait_for_selector("text=Дякуємо!")
    later.goto(link)
    assert later.get_by_role("heading", name="Це посилання вже використано").is_visible()
    with db.session() as s:
        response = s.scalars(select(Response)).one()
        given = {a.question: (a.value, a.text) for a in s.scalars(select(Answer))}
    assert (response.status, response.customer_id, response.channel, response.language) == (
        "complete", olha, "email", "uk"
    )  # fmt: skip
    assert given["nps"] == (3.0, None)
    assert given["why_low"] == (None, "Кур'єр запізнився на два дні")
