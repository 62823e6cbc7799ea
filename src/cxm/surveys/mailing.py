"""Sending invitations and reminders through SMTP, as jobs of the durable job queue.

A send job names a batch of invitations. It e-mails those still waiting and marks each
``sent`` as soon as the server took it, so when the server fails the job is retried with
back-off by the queue and a retry sends only what is left. On the last attempt what is still
waiting is marked ``failed`` with the server's error. Reminders ride on the same job.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, select, update

from cxm.core.db import Database, table
from cxm.core.jobs import JobContext, enqueue, handler
from cxm.surveys.links import sign
from cxm.surveys.mail_text import invitation_message
from cxm.surveys.models import Invitation, Survey, SurveyLink
from cxm.surveys.suppression import unsubscribe_token

SEND_JOB = "surveys.send"
SEND_ATTEMPTS = 5  # retried after 2, 4, 8, 16 s; then what is left is marked failed


class Mailer(Protocol):
    """Sends one message; raises OSError or smtplib.SMTPException when it cannot."""

    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class SmtpSettings(BaseSettings):
    """The SMTP server invitations go through (CXM_SMTP_HOST, CXM_SMTP_PORT, ...)."""

    model_config = SettingsConfigDict(env_prefix="CXM_SMTP_")
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "surveys@localhost"

    def mailer(self) -> SmtpMailer:
        return SmtpMailer(self.host, self.port, self.username, self.password, self.starttls)


def enqueue_send(
    conn: Connection, org_id: int, invitation_ids: list[int], base_url: str, reminder: bool = False
) -> int:
    """A send job for a batch, in the caller's transaction (it exists once the batch commits)."""
    payload = {"invitations": invitation_ids, "base_url": base_url.rstrip("/"),
               "reminder": reminder}  # fmt: skip
    return enqueue(conn, SEND_JOB, payload, organization_id=org_id, max_attempts=SEND_ATTEMPTS)


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


def deliver(
    db: Database,
    org_id: int,
    invitation_ids: list[int],
    mailer: Mailer,
    secret: str,
    base_url: str,
    sender: str,
    reminder: bool = False,
    last_attempt: bool = True,
) -> Delivery:
    """E-mail the batch's waiting invitations (or reminders); raises on an SMTP failure
    unless this is the last attempt, in which case what is left is marked failed."""
    it, lt, st = table(Invitation), table(SurveyLink), table(Survey)
    waiting = it.c.reminder == "queued" if reminder else it.c.status == "queued"
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(it.c.id, it.c.address, it.c.link_id, lt.c.language, st.c.name)
            .join(lt, lt.c.id == it.c.link_id)
            .join(st, st.c.id == it.c.survey_id)
            .where(it.c.organization_id == org_id, it.c.id.in_(invitation_ids), waiting)
            .order_by(it.c.id)
        ).all()
    sent = failed = 0
    for n, (invitation_id, address, link_id, language, survey_name) in enumerate(rows):
        link = f"{base_url}/t/{sign(secret, link_id)}"
        unsubscribe = f"{base_url}/u/{unsubscribe_token(secret, org_id, str(address))}"
        message = invitation_message(
            language, str(survey_name), sender, str(address), link, unsubscribe, reminder
        )
        try:
            mailer.send(message)
        except (OSError, smtplib.SMTPException) as exc:
            if not last_attempt:
                raise
            reason = f"SMTP: {exc}"[:190]
            left = [r[0] for r in rows[n:]]
            _mark(db, left, reminder, "failed", reason)
            return Delivery(sent, failed + len(left))
        _mark(db, [invitation_id], reminder, "sent", None)
        sent += 1
    return Delivery(sent, failed)


def _mark(db: Database, ids: list[int], reminder: bool, status: str, reason: str | None) -> None:
    it = table(Invitation)
    values: dict[str, Any]
    if reminder:
        values = {"reminder": status if reason is None else f"{status}: {reason}"}
    else:
        values = {"status": status, "reason": reason or status}
    with db.writer() as conn:
        conn.execute(update(it).where(it.c.id.in_(ids)).values(**values))


@handler(SEND_JOB)
def _send_job(ctx: JobContext) -> dict[str, Any]:
    from cxm.core.settings import get_settings

    smtp = SmtpSettings()
    assert ctx.organization_id is not None
    done = deliver(
        ctx.db, ctx.organization_id, [int(i) for i in ctx.payload["invitations"]],
        smtp.mailer(), get_settings().secret_key, str(ctx.payload["base_url"]), smtp.sender,
        bool(ctx.payload.get("reminder")), last_attempt=ctx.attempt >= SEND_ATTEMPTS,
    )  # fmt: skip
    return {"sent": done.sent, "failed": done.failed, "at": datetime.now(UTC).isoformat()}
