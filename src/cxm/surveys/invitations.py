"""Invitation decisions: contact fatigue, cooldown, the suppression list, sampling, and why.

Every decision is a ``survey_invitation`` row: ``queued`` with its link (a send job of the
job queue e-mails it and marks it ``sent``, or ``failed`` with the SMTP error), or
``skipped`` with the rule that stopped it (suppressed, no address, fatigue, cooldown,
sampled out). Fatigue counts invitations queued or sent to the customer (or, without a
customer, the address) for any survey; the cooldown counts those for this survey. A decision
with a ``source_key`` (a trigger's event, a recurring run's customer) is taken once: asking
again answers the recorded decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from cxm.core.db import Database, table
from cxm.core.errors import NotFound
from cxm.ingest.models import Customer, CustomerIdentity
from cxm.surveys.links import LinkRequest, insert_links
from cxm.surveys.mailing import enqueue_send
from cxm.surveys.models import Invitation, Survey
from cxm.surveys.suppression import suppressed_reason

BATCH = 200  # invitees decided per transaction, and e-mailed per send job
COUNTED = ("queued", "sent")  # what fatigue and cooldown count


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
    # Set by triggers and recurring runs: row ids known already, the key that makes the
    # decision once-only, and the sample's verdict (a reason when the sample left them out).
    order_id: int | None = None
    location_id: int | None = None
    touchpoint_id: int | None = None
    event_id: int | None = None
    source_key: str | None = None
    sampled_out: str | None = None
    # The journey channel the answer is about (the event's: delivery, store, ...); the
    # response is filed under it. Without one, under the channel that carried it: e-mail.
    channel: str | None = None


@dataclass(frozen=True)
class Origin:
    """What asked for the invitations, and when to remind those who have not answered."""

    trigger_id: int | None = None
    schedule_id: int | None = None
    remind_after_days: int | None = None


@dataclass(frozen=True)
class Decision:
    customer_id: int | None
    email: str | None
    status: str  # queued, skipped (later: sent, failed)
    reason: str
    repeated: bool = False  # decided before under the same source key; nothing changed


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


def suppressed_because(reason: str) -> str:
    return f"suppressed ({reason})"


def fatigue_because(days: int, fatigue_days: int) -> str:
    return f"fatigue: invited {days} days ago; at most one invitation per {fatigue_days} days"


def cooldown_because(days: int, cooldown_days: int) -> str:
    return f"cooldown: invited to this survey {days} days ago; cooldown {cooldown_days} days"


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def blocked(
    conn: Connection, org_id: int, survey_id: int, who: Invitee, email: str | None,
    now: datetime, rules: Rules,
) -> str | None:  # fmt: skip
    """Why this invitee must not be invited now, or None. Checked in the order documented."""
    suppressed = suppressed_reason(conn, org_id, "email", who.customer_id, email)
    if suppressed is not None:
        return suppressed_because(suppressed)
    if email is None:
        return "no e-mail address"
    it = table(Invitation)
    same_person = (
        it.c.customer_id == who.customer_id
        if who.customer_id is not None
        else it.c.address == email
    )
    counted = (it.c.organization_id == org_id) & it.c.status.in_(COUNTED) & same_person
    last_any = conn.execute(select(func.max(it.c.created_at)).where(counted)).scalar()
    if last_any is not None and _utc(last_any) > now - timedelta(days=rules.fatigue_days):
        return fatigue_because((now - _utc(last_any)).days, rules.fatigue_days)
    last_here = conn.execute(
        select(func.max(it.c.created_at)).where(counted & (it.c.survey_id == survey_id))
    ).scalar()
    if last_here is not None and _utc(last_here) > now - timedelta(days=rules.cooldown_days):
        return cooldown_because((now - _utc(last_here)).days, rules.cooldown_days)
    return who.sampled_out


def _decide(
    conn: Connection, org_id: int, survey_id: int, code: str, who: Invitee, now: datetime,
    rules: Rules, origin: Origin,
) -> tuple[Decision, int | None]:  # fmt: skip
    it = table(Invitation)
    if who.source_key is not None:
        known = conn.execute(
            select(it.c.address, it.c.status, it.c.reason).where(
                it.c.organization_id == org_id, it.c.source_key == who.source_key
            )
        ).first()
        if known is not None:  # decided before: a re-run changes nothing
            decided = Decision(who.customer_id, known[0], str(known[1]), str(known[2]), True)
            return decided, None
    email, language = _address(conn, org_id, who)
    reason = blocked(conn, org_id, survey_id, who, email, now, rules)
    link_id = None
    if reason is None:
        (link_id,) = insert_links(
            conn, org_id, code,
            [LinkRequest(customer_id=who.customer_id, order=who.order, store=who.store,
                         touchpoint=who.touchpoint, event=who.event, language=language,
                         channel=who.channel or "email", order_id=who.order_id,
                         location_id=who.location_id, touchpoint_id=who.touchpoint_id,
                         event_id=who.event_id)],
            now=now,
        )  # fmt: skip
    status = "skipped" if reason else "queued"
    remind_at = None
    if status == "queued" and origin.remind_after_days:
        remind_at = now + timedelta(days=origin.remind_after_days)
    new_id = conn.execute(
        it.insert().values(
            organization_id=org_id, survey_id=survey_id, customer_id=who.customer_id,
            channel="email", address=email, status=status, reason=reason or "queued",
            link_id=link_id, created_at=now, source_key=who.source_key,
            trigger_id=origin.trigger_id, schedule_id=origin.schedule_id, event_id=who.event_id,
            remind_at=remind_at,
        ).returning(it.c.id)
    ).scalar_one()  # fmt: skip
    decision = Decision(who.customer_id, email, status, reason or "queued")
    return decision, (int(new_id) if status == "queued" else None)


def invite(
    db: Database,
    org_id: int,
    code: str,
    invitees: list[Invitee],
    base_url: str,
    rules: Rules | None = None,
    now: datetime | None = None,
    origin: Origin | None = None,
) -> list[Decision]:
    """Decide about each invitee and queue the e-mails; every decision is recorded.

    Each batch's decisions and the job that sends its e-mails commit together (an outbox), so
    no write lock is held during SMTP and a later decision already counts these for fatigue.
    """
    rules = rules or Rules()
    now = now or datetime.now(UTC)
    origin = origin or Origin()
    decisions: list[Decision] = []
    for start in range(0, len(invitees), BATCH):
        with db.writer() as conn:
            survey_id = conn.execute(
                select(table(Survey).c.id).where(
                    table(Survey).c.organization_id == org_id, table(Survey).c.code == code
                )
            ).scalar()
            if survey_id is None:
                raise NotFound(f"No survey {code!r}.")
            queued: list[int] = []
            for who in invitees[start : start + BATCH]:
                decision, invitation_id = _decide(
                    conn, org_id, int(survey_id), code, who, now, rules, origin
                )
                decisions.append(decision)
                if invitation_id is not None:
                    queued.append(invitation_id)
            if queued:
                enqueue_send(conn, org_id, queued, base_url)
    return decisions


@dataclass(frozen=True)
class Recorded:
    """A recorded decision as listed: who, when, what was decided and what asked for it."""

    id: int
    customer_id: int | None
    email: str | None
    status: str
    reason: str
    created_at: datetime
    trigger: str | None
    schedule: bool
    event_id: int | None
    reminder: str | None
    survey: str = ""


def list_decisions(
    db: Database, org_id: int, code: str | None, status: str | None = None,
    trigger: str | None = None, limit: int = 1000,
) -> list[Recorded]:  # fmt: skip
    """The newest decisions about a survey's (or every survey's) invitations, optionally of one
    status or trigger."""
    from cxm.surveys.models import Trigger

    it, st, tt = table(Invitation), table(Survey), table(Trigger)
    query = (
        select(it, tt.c.code.label("trigger_code"), st.c.code.label("survey_code"))
        .join(st, st.c.id == it.c.survey_id)
        .outerjoin(tt, tt.c.id == it.c.trigger_id)
        .where(it.c.organization_id == org_id)
        .order_by(it.c.id.desc())
        .limit(limit)
    )
    if code is not None:
        query = query.where(st.c.code == code)
    if status is not None:
        query = query.where(it.c.status == status)
    if trigger is not None:
        query = query.where(tt.c.code == trigger)
    with db.engine.connect() as conn:
        return [
            Recorded(
                int(r["id"]),
                r["customer_id"],
                r["address"],
                str(r["status"]),
                str(r["reason"]),
                _utc(r["created_at"]),
                r["trigger_code"],
                r["schedule_id"] is not None,
                r["event_id"],
                r["reminder"],
            )  # fmt: skip
            for r in conn.execute(query).mappings()
        ]
