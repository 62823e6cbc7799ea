"""E-mail invitations: contact fatigue, the suppression list, and why each was or was not sent.

Every decision is an ``survey_invitation`` row: ``sent`` with its link, ``skipped`` with the
rule that stopped it (suppressed, fatigue, cooldown, no address), or ``failed`` with the SMTP
error. Fatigue counts invitations sent to the customer (or, without a customer, the address)
for any survey; the cooldown counts those for this survey.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, func, or_, select

from cxm.core.bulk import dialect_insert
from cxm.core.db import Database, table
from cxm.core.errors import NotFound
from cxm.ingest.models import Customer, CustomerIdentity
from cxm.surveys.links import LinkRequest, create_links
from cxm.surveys.mail_text import invitation_message
from cxm.surveys.models import Invitation, Suppression, Survey

UNSUBSCRIBE_SALT = "cxm-unsubscribe"


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


@dataclass(frozen=True)
class Rules:
    fatigue_days: int = 30  # at most one invitation per customer per this many days
    cooldown_days: int = 90  # at most one invitation to the same survey per this many days


@dataclass(frozen=True)
class Invitee:
    customer_id: int | None = None
    email: str | None = None
    language: str | None = None
    order: str | None = None
    store: str | None = None
    touchpoint: str | None = None
    event: str | None = None


@dataclass(frozen=True)
class Decision:
    customer_id: int | None
    email: str | None
    status: str  # sent, skipped, failed
    reason: str


def unsubscribe_token(secret: str, org_id: int, email: str) -> str:
    return URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT).dumps([org_id, email.lower()])


def read_unsubscribe(secret: str, token: str) -> tuple[int, str]:
    try:
        org_id, email = URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound("This unsubscribe link is not valid.") from exc
    return int(org_id), str(email)


def suppress(
    db: Database, org_id: int, email: str, reason: str = "unsubscribed", now: datetime | None = None
) -> None:
    """Add an address to the e-mail suppression list (again: no change)."""
    t = table(Suppression)
    with db.writer() as conn:
        customer = conn.execute(
            select(table(CustomerIdentity).c.customer_id).where(
                table(CustomerIdentity).c.organization_id == org_id,
                table(CustomerIdentity).c.kind == "email",
                table(CustomerIdentity).c.value == email.lower(),
            )
        ).scalar()
        stmt = dialect_insert(conn, t).values(
            organization_id=org_id, channel="email", address=email.lower(), customer_id=customer,
            reason=reason, created_at=now or datetime.now(UTC),
        )  # fmt: skip
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["organization_id", "channel",
                                                                 "address"]))  # fmt: skip


def _address(conn: Connection, org_id: int, who: Invitee) -> tuple[str | None, str | None]:
    """The invitee's e-mail address and language, looked up from the customer when not given."""
    email, language = who.email, who.language
    if who.customer_id is not None and (email is None or language is None):
        it = table(CustomerIdentity)
        if email is None:
            email = conn.execute(
                select(it.c.value).where(
                    it.c.organization_id == org_id, it.c.customer_id == who.customer_id,
                    it.c.kind == "email",
                ).order_by(it.c.id).limit(1)
            ).scalar()  # fmt: skip
        if language is None:
            language = conn.execute(
                select(table(Customer).c.language).where(table(Customer).c.id == who.customer_id)
            ).scalar()
    return (email.lower() if email else None), language


def _blocked(
    conn: Connection, org_id: int, survey_id: int, who: Invitee, email: str, now: datetime,
    rules: Rules,
) -> str | None:  # fmt: skip
    st = table(Suppression)
    suppressed = conn.execute(
        select(st.c.reason).where(
            st.c.organization_id == org_id, st.c.channel == "email",
            or_(st.c.address == email, st.c.customer_id == who.customer_id)
            if who.customer_id is not None else st.c.address == email,
        ).limit(1)
    ).scalar()  # fmt: skip
    if suppressed is not None:
        return f"suppressed ({suppressed})"
    it = table(Invitation)
    same_person = (
        it.c.customer_id == who.customer_id
        if who.customer_id is not None
        else it.c.address == email
    )
    sent = (it.c.organization_id == org_id) & (it.c.status == "sent") & same_person
    last_any = conn.execute(select(func.max(it.c.created_at)).where(sent)).scalar()
    if last_any is not None and _utc(last_any) > now - timedelta(days=rules.fatigue_days):
        days = (now - _utc(last_any)).days
        limit = rules.fatigue_days
        return f"fatigue: invited {days} days ago; at most one invitation per {limit} days"
    last_here = conn.execute(
        select(func.max(it.c.created_at)).where(sent & (it.c.survey_id == survey_id))
    ).scalar()
    if last_here is not None and _utc(last_here) > now - timedelta(days=rules.cooldown_days):
        days = (now - _utc(last_here)).days
        return (
            f"cooldown: invited to this survey {days} days ago; cooldown {rules.cooldown_days} days"
        )
    return None


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def invite(
    db: Database,
    org_id: int,
    code: str,
    invitees: list[Invitee],
    mailer: Mailer,
    secret: str,
    base_url: str,
    sender: str,
    rules: Rules | None = None,
    now: datetime | None = None,
) -> list[Decision]:
    """Invite each invitee by e-mail unless a rule says not to; record every decision."""
    rules = rules or Rules()
    now = now or datetime.now(UTC)
    base_url = base_url.rstrip("/")
    decisions: list[Decision] = []
    it = table(Invitation)
    for who in invitees:
        # The decision is committed before the message is sent, so no write lock is held
        # during SMTP and a concurrent run already sees the invitation for its fatigue rules.
        message: EmailMessage | None = None
        with db.writer() as conn:
            survey = conn.execute(
                select(table(Survey).c.id, table(Survey).c.name).where(
                    table(Survey).c.organization_id == org_id, table(Survey).c.code == code
                )
            ).first()
            if survey is None:
                raise NotFound(f"No survey {code!r}.")
            email, language = _address(conn, org_id, who)
            reason = "no e-mail address" if email is None else _blocked(
                conn, org_id, survey[0], who, email, now, rules
            )  # fmt: skip
            link_id = None
            status = "skipped" if reason else "sent"
            if email is not None and reason is None:
                reason = "sent"
                ((link_id, token),) = create_links(
                    db, org_id, code,
                    [LinkRequest(customer_id=who.customer_id, order=who.order, store=who.store,
                                 touchpoint=who.touchpoint, event=who.event, language=language,
                                 channel="email")],
                    secret, now=now, conn=conn,
                )  # fmt: skip
                message = invitation_message(
                    language, str(survey[1]), sender, email, f"{base_url}/t/{token}",
                    f"{base_url}/u/{unsubscribe_token(secret, org_id, email)}",
                )  # fmt: skip
            invitation_id = conn.execute(
                it.insert().values(
                    organization_id=org_id, survey_id=survey[0], customer_id=who.customer_id,
                    channel="email", address=email, status=status, reason=reason,
                    link_id=link_id, created_at=now,
                ).returning(it.c.id)
            ).scalar_one()  # fmt: skip
        if message is not None:
            try:
                mailer.send(message)
            except (OSError, smtplib.SMTPException) as exc:
                status, reason = "failed", f"SMTP: {exc}"[:200]
                with db.writer() as conn:
                    conn.execute(
                        it.update()
                        .where(it.c.id == invitation_id)
                        .values(status=status, reason=reason)
                    )
        decisions.append(Decision(who.customer_id, email, status, str(reason)))
    return decisions
