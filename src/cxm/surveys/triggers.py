"""Triggers: invite a customer some hours after an event at a touchpoint, sampled and rested.

A trigger names a survey, the events it follows (a touchpoint, an event name, or both), a
delay, a sampling rate and the contact rules. Evaluating it reads the events that arrived
since its cursor (the event id is the arrival sequence), and for each event whose delay has
passed decides once, under the key ``trigger:<id>:<event id>``, whether its customer is
invited: suppressed, no e-mail address, fatigue, cooldown and sampled out are recorded as the
reasons not to. An event found more than ``MAX_LATE`` after it was due (a back-filled
import) invites nobody. The response is tied to the customer, touchpoint, order and event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select, update

from cxm.core.db import Database, table
from cxm.core.errors import Conflict, Fault, NotFound, ValidationError
from cxm.ingest.models import Customer, Event, Touchpoint
from cxm.surveys.invitations import Invitee, Origin, Rules, invite
from cxm.surveys.models import Survey, Trigger

MAX_LATE = timedelta(days=7)
SCAN = 5000  # events read per trigger and pass
CODE = r"^[a-z0-9][a-z0-9\-_]{0,63}$"


class TriggerSpec(BaseModel):
    """A trigger as created through the CLI, the API and the Surveys page."""

    code: str = Field(pattern=CODE)
    survey: str = Field(description="The survey's code.")
    touchpoint: str | None = Field(None, description="A touchpoint code.")
    event: str | None = Field(None, max_length=200, description="An event name.")
    delay_hours: Annotated[float, Field(ge=0, le=24 * 90)] = 24
    sample_rate: Annotated[float, Field(ge=0, le=1)] = 1.0
    fatigue_days: Annotated[int, Field(ge=0, le=365)] = 30
    cooldown_days: Annotated[int, Field(ge=0, le=3650)] = 90
    remind_after_days: Annotated[int | None, Field(ge=1, le=60)] = None


class TriggerOut(TriggerSpec):
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class TriggerRun:
    code: str
    considered: int
    queued: int
    skipped: int


def sampled_in(trigger_code: str, event_message_id: str, rate: float) -> bool:
    """The sample's verdict: the first 8 bytes of sha256("<trigger>:<event message id>"),
    read as a fraction of 2^64, fall below the rate. Stable across runs and processes."""
    digest = hashlib.sha256(f"{trigger_code}:{event_message_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def sampled_out_because(rate: float) -> str:
    return f"sampled out (rate {rate:g})"


def add_trigger(
    db: Database, org_id: int, spec: TriggerSpec, now: datetime | None = None
) -> TriggerOut:
    from cxm.surveys.distribution import ensure_tick

    now = now or datetime.now(UTC)
    faults = []
    if spec.touchpoint is None and spec.event is None:
        faults.append(Fault("name a touchpoint, an event, or both", "touchpoint"))
    with db.writer() as conn:
        survey_id = conn.execute(
            select(table(Survey).c.id).where(
                table(Survey).c.organization_id == org_id, table(Survey).c.code == spec.survey
            )
        ).scalar()
        if survey_id is None:
            faults.append(Fault(f"no survey {spec.survey!r}", "survey"))
        touchpoint_id = None
        if spec.touchpoint is not None:
            tp = table(Touchpoint)
            touchpoint_id = conn.execute(
                select(tp.c.id).where(
                    tp.c.organization_id == org_id, tp.c.code == spec.touchpoint
                )  # fmt: skip
            ).scalar()
            if touchpoint_id is None:
                faults.append(Fault(f"no touchpoint {spec.touchpoint!r}", "touchpoint"))
        if faults:
            raise ValidationError(f"The trigger {spec.code!r} is not valid.", faults)
        t = table(Trigger)
        if conn.execute(
            select(t.c.id).where(t.c.organization_id == org_id, t.c.code == spec.code)
        ).first():
            raise Conflict(f"A trigger {spec.code!r} exists already; remove it first.")
        # A trigger follows the events that arrive after it is added, not the whole history.
        cursor = conn.execute(select(func.max(table(Event).c.id))).scalar()
        conn.execute(
            t.insert().values(
                organization_id=org_id, code=spec.code, survey_id=survey_id,
                touchpoint_id=touchpoint_id, event_name=spec.event, delay_hours=spec.delay_hours,
                sample_rate=spec.sample_rate, fatigue_days=spec.fatigue_days,
                cooldown_days=spec.cooldown_days, remind_after_days=spec.remind_after_days,
                active=True, last_event_id=int(cursor or 0), created_at=now,
            )
        )  # fmt: skip
        ensure_tick(conn, org_id)
    return next(t for t in list_triggers(db, org_id) if t.code == spec.code)


def list_triggers(db: Database, org_id: int) -> list[TriggerOut]:
    t, st, tp = table(Trigger), table(Survey), table(Touchpoint)
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(t, st.c.code.label("survey_code"), tp.c.code.label("touchpoint_code"))
            .join(st, st.c.id == t.c.survey_id)
            .outerjoin(tp, tp.c.id == t.c.touchpoint_id)
            .where(t.c.organization_id == org_id)
            .order_by(t.c.code)
        ).mappings()
        return [
            TriggerOut(
                code=r["code"],
                survey=r["survey_code"],
                touchpoint=r["touchpoint_code"],
                event=r["event_name"],
                delay_hours=r["delay_hours"],
                sample_rate=r["sample_rate"],
                fatigue_days=r["fatigue_days"],
                cooldown_days=r["cooldown_days"],
                remind_after_days=r["remind_after_days"],
                active=r["active"],
                created_at=r["created_at"],
            )  # fmt: skip
            for r in rows
        ]


def remove_trigger(db: Database, org_id: int, code: str) -> None:
    """Stop following events; the decisions it recorded stay."""
    t = table(Trigger)
    with db.writer() as conn:
        gone = conn.execute(delete(t).where(t.c.organization_id == org_id, t.c.code == code))
        if not gone.rowcount:
            raise NotFound(f"No trigger {code!r}.")


@dataclass(frozen=True)
class _Active:
    id: int
    code: str
    survey: str
    touchpoint_id: int | None
    event_name: str | None
    delay: timedelta
    sample_rate: float
    rules: Rules
    remind_after_days: int | None
    last_event_id: int


def evaluate_triggers(
    db: Database, org_id: int, base_url: str, now: datetime | None = None
) -> list[TriggerRun]:
    """Decide about every due event of every active trigger (again: nothing twice)."""
    now = now or datetime.now(UTC)
    t, st = table(Trigger), table(Survey)
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(t, st.c.code.label("survey_code"))
            .join(st, st.c.id == t.c.survey_id)
            .where(t.c.organization_id == org_id, t.c.active.is_(True))
            .order_by(t.c.id)
        ).mappings().all()  # fmt: skip
    active = [
        _Active(
            int(r["id"]),
            str(r["code"]),
            str(r["survey_code"]),
            r["touchpoint_id"],
            r["event_name"],
            timedelta(hours=float(r["delay_hours"])),
            float(r["sample_rate"]),
            Rules(int(r["fatigue_days"]), int(r["cooldown_days"])),
            r["remind_after_days"],
            int(r["last_event_id"]),
        )  # fmt: skip
        for r in rows
    ]
    return [_evaluate(db, org_id, tr, base_url, now) for tr in active]


def _evaluate(db: Database, org_id: int, tr: _Active, base_url: str, now: datetime) -> TriggerRun:
    et, ct = table(Event), table(Customer)
    query = (
        select(
            et.c.id,
            et.c.message_id,
            et.c.customer_id,
            et.c.order_id,
            et.c.touchpoint_id,
            et.c.location_id,
            et.c.occurred_at,
            et.c.channel,
            ct.c.merged_into,
        )  # fmt: skip
        .join(ct, ct.c.id == et.c.customer_id)
        .where(et.c.organization_id == org_id, et.c.id > tr.last_event_id)
        .order_by(et.c.id)
        .limit(SCAN)
    )
    if tr.touchpoint_id is not None:
        query = query.where(et.c.touchpoint_id == tr.touchpoint_id)
    if tr.event_name is not None:
        query = query.where(et.c.name == tr.event_name)
    with db.engine.connect() as conn:
        # Read before the scan: events arriving meanwhile lie above it and wait for next time.
        newest = int(conn.execute(select(func.max(et.c.id))).scalar() or 0)
        events = conn.execute(query.where(et.c.id <= newest)).all()
    cursor, waiting = tr.last_event_id, False
    invitees: list[Invitee] = []
    for ev in events:
        occurred = ev.occurred_at if ev.occurred_at.tzinfo else ev.occurred_at.replace(tzinfo=UTC)
        due = occurred + tr.delay
        if due > now:
            waiting = True  # the cursor stops before the first event not yet due
            continue
        if not waiting:
            cursor = int(ev.id)
        if due < now - MAX_LATE:
            continue
        verdict = sampled_in(tr.code, str(ev.message_id), tr.sample_rate)
        invitees.append(
            Invitee(
                customer_id=ev.merged_into or ev.customer_id, order_id=ev.order_id,
                location_id=ev.location_id, touchpoint_id=ev.touchpoint_id, event_id=ev.id,
                source_key=f"trigger:{tr.id}:{ev.id}", channel=ev.channel,
                sampled_out=None if verdict else sampled_out_because(tr.sample_rate),
            )
        )  # fmt: skip
    if not waiting and len(events) < SCAN:
        cursor = max(cursor, newest)  # nothing left behind: skip the events that did not match
    origin = Origin(trigger_id=tr.id, remind_after_days=tr.remind_after_days)
    decisions = invite(db, org_id, tr.survey, invitees, base_url, tr.rules, now, origin)
    if cursor != tr.last_event_id:
        with db.writer() as conn:
            t = table(Trigger)
            conn.execute(update(t).where(t.c.id == tr.id).values(last_event_id=cursor))
    new = [d for d in decisions if not d.repeated]
    queued = sum(d.status == "queued" for d in new)
    return TriggerRun(tr.code, len(new), queued, len(new) - queued)
