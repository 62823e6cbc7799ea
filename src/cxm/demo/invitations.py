"""Demo survey invitations: what the post-purchase survey's triggers decided, and who answered.

Four triggers follow the touchpoints the planted truths run through: store purchases,
deliveries, pick-ups and contact-centre calls (online checkouts are not asked about: an answer
then could not know whether the delivery will be late, which the order's drivers count). A
customer's trigger events are decided in time order under the rules a trigger run applies, in
the order ``surveys.invitations.blocked`` checks them (suppressed, fatigue, cooldown, sampled
out by ``surveys.triggers.sampled_in``), so skipped invitations carry the reasons a real run
records. About a fifth of sent invitations are answered, more after a purchase in some
stores; the answer is the order's latent experience
(``demo.responses.answers_of``), and whether a customer answers never depends on it, so the
planted truths hold among answers. Store customers may also scan the counter's QR code:
page views and anonymous answers.

Invitations, links and e-mailed answers refer to their triggering event, whose id exists only
once events are written in arrival order; a chunk's decisions wait on disk until then.
"""

from __future__ import annotations

import pickle
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import table
from cxm.demo.catalogue import Catalogue
from cxm.demo.journeys import SimulatedCustomer
from cxm.demo.population import END, START
from cxm.demo.responses import WHY, answers_of
from cxm.demo.storage import reserve_ids, write_dicts
from cxm.ingest.models import Event
from cxm.surveys.invitations import (
    Rules,
    cooldown_because,
    fatigue_because,
    suppressed_because,
)
from cxm.surveys.links import DEFAULT_DAYS
from cxm.surveys.models import (
    Answer,
    Invitation,
    PageView,
    Response,
    Suppression,
    SurveyLink,
    Trigger,
)
from cxm.surveys.triggers import sampled_in, sampled_out_because

ZONE = ZoneInfo("Europe/Kyiv")  # the demo organization's time zone
# The end of the demo's last day in that zone (END is its end in UTC, two hours later): no
# invitation, answer or view falls in a November of a few hours.
LAST = min(END, datetime.combine(END.date() + timedelta(days=1), time(0), ZONE).astimezone(UTC))


@dataclass(frozen=True)
class DemoTrigger:
    code: str
    event: str  # with ``channel`` when the event's name has a touchpoint per channel
    channel: str | None
    delay_hours: float
    sample_rate: float
    answer_rate: float  # of the invitations sent, the share answered


TRIGGERS: tuple[DemoTrigger, ...] = (
    DemoTrigger("store-purchase", "Store Purchase", None, 3, 1.0, 0.2),
    DemoTrigger("delivered", "Order Delivered", None, 24, 1.0, 0.2),
    DemoTrigger("picked-up", "Order Picked Up", None, 24, 1.0, 0.2),
    DemoTrigger("contact-centre", "Contact Centre Call", None, 4, 0.5, 0.2),
)
RULES = Rules(fatigue_days=14, cooldown_days=30)
# Customers of some stores answer more readily than others (after store purchases).
STORE_ANSWERING = {"KYIV-1": 1.1, "ODESA-1": 1.15, "LVIV-1": 1.25, "VINNYTSIA-1": 1.4}
ASKED_NOT_TO = 0.01  # customers on the suppression list before the year starts
UNSUBSCRIBE = 0.006  # of sent invitations, the share whose customer unsubscribes
BOUNCE = 0.004  # of invitations to send, the share the mail server refuses
BOUNCED = "SMTP: (550, b'5.1.1 Mailbox unavailable')"
QR_VIEW = 0.15  # store purchases after which the customer opens the counter's QR code
QR_ANSWER = 0.25  # of those views, the share that become a complete answer
TICK_MINUTES = 10  # a trigger decides at the distribution pass after an event is due
Answered = list[tuple[dict[str, Any], list[tuple[str, Any]]]]  # response row, its answers


@dataclass(slots=True)
class Planned:
    """One invitation decision; a sent one has its link and maybe its answers."""

    invitation: dict[str, Any]
    message_id: str  # of the triggering event
    link: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    answers: list[tuple[str, float | str]] = field(default_factory=list)


@dataclass
class ChunkPlan:
    invitations: list[Planned] = field(default_factory=list)
    suppressions: list[dict[str, Any]] = field(default_factory=list)


def create_triggers(
    conn: Connection, org_id: int, survey_id: int, cat: Catalogue
) -> dict[str, int]:
    """The post-purchase survey's triggers (their cursor is set once events are written)."""
    codes = {spec.code: spec.event for spec in TRIGGERS}
    ids = insert_returning_ids(
        conn,
        table(Trigger),
        [
            {"organization_id": org_id, "code": t.code, "survey_id": survey_id,
             "touchpoint_id": cat.touchpoint_ids[(t.event, t.channel)], "event_name": None,
             "delay_hours": t.delay_hours, "sample_rate": t.sample_rate,
             "fatigue_days": RULES.fatigue_days, "cooldown_days": RULES.cooldown_days,
             "remind_after_days": None, "active": True, "last_event_id": 0,
             "created_at": START - timedelta(days=1)}
            for t in TRIGGERS
        ],
    )  # fmt: skip
    return dict(zip(codes, ids, strict=True))


class Decider:
    """Decides a chunk of customers' invitations; keeps them on disk and counts QR views."""

    def __init__(self, directory: Path, org_id: int, survey: tuple[int, int], seed: int,
                 cat: Catalogue, trigger_ids: dict[str, int]) -> None:  # fmt: skip
        self.directory = directory
        self.org_id = org_id
        self.survey_id, self.version_id = survey
        self.seed = seed
        self.cat = cat
        self.trigger_ids = trigger_ids
        self.views: Counter[tuple[date, str]] = Counter()  # the counter QR codes', per store
        self.chunks = 0
        self._by_event = {(t.event, t.channel): t for t in TRIGGERS}

    def decide(
        self,
        conn: Connection,
        people: list[SimulatedCustomer],
        customer_ids: list[int],
        order_ids: dict[str, int],
        mark: int,
    ) -> int:
        """Plan the chunk's invitations and write its counter answers; returns those written."""
        plan = ChunkPlan()
        anonymous: Answered = []
        for person, cid in zip(people, customer_ids, strict=True):
            self._person(plan, person, cid, order_ids)
            anonymous.extend(self._counter(person))
        with (self.directory / f"invitations-{self.chunks:05d}.pickle").open("wb") as f:
            pickle.dump(plan, f, protocol=pickle.HIGHEST_PROTOCOL)
        self.chunks += 1
        write_dicts(conn, table(Suppression), plan.suppressions)
        return _write_responses(conn, self.org_id, anonymous, mark)

    def _person(
        self, plan: ChunkPlan, p: SimulatedCustomer, cid: int, order_ids: dict[str, int]
    ) -> None:
        rng = random.Random(f"demo-invitations:{self.seed}:{p.index}")
        willing = _willingness(self.seed, p)
        email = next(v for k, v in p.identities if k == "email")
        experiences = {e.external_id: e for e in p.experiences}
        suppressed: tuple[datetime, str] | None = None
        if rng.random() < ASKED_NOT_TO:
            suppressed = (START - timedelta(days=rng.uniform(1, 300)), "asked not to be surveyed")
        candidates = []
        for ev in p.events:
            spec = self._by_event.get((ev.name, ev.channel)) or self._by_event.get((ev.name, None))
            if spec is None or ev.order not in experiences:
                continue
            due = ev.occurred_at + timedelta(hours=spec.delay_hours)
            decided = due + timedelta(minutes=rng.uniform(0, TICK_MINUTES))
            if decided <= LAST:
                candidates.append((decided, spec, ev))
        candidates.sort(key=lambda c: c[0])
        last: datetime | None = None  # the latest invitation queued or sent (one survey)
        for now, spec, ev in candidates:
            exp = experiences[str(ev.order)]
            reason = None
            if suppressed is not None and suppressed[0] <= now:
                reason = suppressed_because(suppressed[1])
            elif last is not None and last > now - timedelta(days=RULES.fatigue_days):
                reason = fatigue_because((now - last).days, RULES.fatigue_days)
            elif last is not None and last > now - timedelta(days=RULES.cooldown_days):
                reason = cooldown_because((now - last).days, RULES.cooldown_days)
            elif not sampled_in(spec.code, ev.message_id, spec.sample_rate):
                reason = sampled_out_because(spec.sample_rate)
            status = "skipped" if reason else "failed" if rng.random() < BOUNCE else "sent"
            invitation = {
                "organization_id": self.org_id, "survey_id": self.survey_id, "customer_id": cid,
                "channel": "email", "address": email, "status": status,
                "reason": reason or (BOUNCED if status == "failed" else "sent"),
                "created_at": now, "trigger_id": self.trigger_ids[spec.code],
                "schedule_id": None, "remind_at": None, "reminder": None,
            }  # fmt: skip
            planned = Planned(invitation, ev.message_id)
            plan.invitations.append(planned)
            if status == "skipped":
                continue
            location = self.cat.store_ids[ev.store] if ev.store else None
            touchpoint = self.cat.touchpoint(ev.name, ev.channel)
            order_id = order_ids.get(exp.external_id)
            planned.link = {
                "organization_id": self.org_id, "survey_id": self.survey_id, "customer_id": cid,
                "order_id": order_id, "touchpoint_id": touchpoint, "location_id": location,
                "channel": ev.channel, "language": p.language, "hidden": {}, "created_at": now,
                "expires_at": now + timedelta(days=DEFAULT_DAYS),
            }  # fmt: skip
            if status == "failed":
                continue
            last = now
            if suppressed is None and rng.random() < UNSUBSCRIBE:
                suppressed = (now + timedelta(hours=rng.uniform(1, 48)), "unsubscribed")
            rate = spec.answer_rate * (STORE_ANSWERING.get(ev.store or "", 1.0))
            if willing[exp.external_id] >= rate:
                continue
            opened = now + timedelta(hours=min(rng.expovariate(1 / 18), 24 * 20))
            answered = opened + timedelta(seconds=rng.uniform(20, 90))
            if answered > LAST or (suppressed is not None and suppressed[0] <= answered):
                continue
            planned.response = {
                "organization_id": self.org_id, "survey_id": self.survey_id,
                "version_id": self.version_id, "customer_id": cid, "order_id": order_id,
                "touchpoint_id": touchpoint, "location_id": location, "channel": ev.channel,
                "language": p.language, "status": "complete",
                "started_at": opened, "completed_at": answered,
            }  # fmt: skip
            in_store = ev.name == "Store Purchase"
            planned.answers = answers_of(self.seed, exp, p.base_ltr, in_store, p.language)
        if suppressed is not None:
            plan.suppressions.append(
                {"organization_id": self.org_id, "channel": "email", "address": email,
                 "customer_id": cid, "reason": suppressed[1], "created_at": suppressed[0]}
            )  # fmt: skip

    def _counter(self, p: SimulatedCustomer) -> Answered:
        """Store purchases whose customer opened the counter's QR code, and answered."""
        rng = random.Random(f"demo-counter:{self.seed}:{p.index}")
        found: Answered = []
        for exp in p.experiences:
            if exp.store is None or rng.random() >= QR_VIEW:
                continue
            viewed = exp.placed_at + timedelta(minutes=rng.uniform(1, 30))
            if viewed > LAST:
                continue
            self.views[(local_day(viewed), exp.store)] += 1
            if rng.random() >= QR_ANSWER:
                continue
            done = viewed + timedelta(seconds=rng.uniform(30, 120))
            row = {
                "organization_id": self.org_id, "survey_id": self.survey_id,
                "version_id": self.version_id, "customer_id": None, "order_id": None,
                "touchpoint_id": None, "location_id": self.cat.store_ids[exp.store],
                "channel": "store", "language": p.language, "status": "complete",
                "started_at": viewed, "completed_at": done,
            }  # fmt: skip
            hidden = [("store", exp.store), ("channel", "store")]
            given = answers_of(self.seed, exp, p.base_ltr, True, p.language)
            found.append((row, [*given, *hidden]))
        return found

    def finish(self, conn: Connection, mark: int) -> int:
        """Once events are written: the planned invitations, links and answers with their
        events, the counter's page views, and the triggers' cursors. Returns answers written."""
        et = table(Event)
        names = sorted({t.event for t in TRIGGERS})
        event_ids = {
            str(m): int(i)
            for m, i in conn.execute(
                select(et.c.message_id, et.c.id).where(
                    et.c.organization_id == self.org_id, et.c.name.in_(names)
                )
            )
        }
        newest = int(conn.execute(select(func.max(et.c.id))).scalar() or 0)
        conn.execute(
            table(Trigger)
            .update()
            .where(table(Trigger).c.organization_id == self.org_id)
            .values(last_event_id=newest)
        )
        write_views(conn, self.survey_id, "qr", self.views)
        written = 0
        for k in range(self.chunks):
            path = self.directory / f"invitations-{k:05d}.pickle"
            with path.open("rb") as f:
                plan: ChunkPlan = pickle.load(f)
            path.unlink()
            written += _write_invitations(conn, self.org_id, plan.invitations, event_ids, mark)
        return written


def _willingness(seed: int, p: SimulatedCustomer) -> dict[str, float]:
    """Per order, a uniform draw: invited, the customer answers when it lies below the
    trigger's rate. The stream is the one that chose who answered before invitations were
    recorded, so the same orders keep answering where they are invited."""
    rng = random.Random(seed * 104_729 + p.index)
    drawn = {}
    for exp in p.experiences:
        drawn[exp.external_id] = u = rng.random()
        if u < 0.2:
            rng.uniform(1, 3)  # the answer's time in that stream
    return drawn


def local_day(moment: datetime) -> date:
    """The day of ``moment`` in the demo organization's time zone (views count by it)."""
    return moment.astimezone(ZONE).date()


def write_views(
    conn: Connection, survey_id: int, source: str, views: Counter[date] | Counter[tuple[date, str]]
) -> None:
    """Views per day, or per day and store (a counter QR code's)."""
    rows = []
    for key, n in sorted(views.items()):
        day, store = key if isinstance(key, tuple) else (key, "")
        rows.append({"survey_id": survey_id, "day": day, "source": source, "store": store,
                     "count": n})  # fmt: skip
    write_dicts(conn, table(PageView), rows)


def _write_invitations(
    conn: Connection, org_id: int, planned: list[Planned], event_ids: dict[str, int], mark: int
) -> int:
    linked = [p for p in planned if p.link is not None]
    link_ids = reserve_ids(conn, table(SurveyLink), len(linked))
    link_of: dict[int, int] = {}
    links = []
    for p, lid in zip(linked, link_ids, strict=True):
        assert p.link is not None
        link_of[id(p)] = lid
        links.append({"id": lid, **p.link, "event_id": event_ids.get(p.message_id)})
    write_dicts(conn, table(SurveyLink), links)
    invitations = []
    for p in planned:
        event_id = event_ids.get(p.message_id)
        trigger_id = p.invitation["trigger_id"]
        invitations.append(
            {**p.invitation, "link_id": link_of.get(id(p)), "event_id": event_id,
             "source_key": f"trigger:{trigger_id}:{event_id}" if event_id else None}
        )  # fmt: skip
    write_dicts(conn, table(Invitation), invitations)
    answered: Answered = [
        ({**p.response, "link_id": link_of[id(p)], "event_id": event_ids.get(p.message_id)},
         p.answers)
        for p in planned
        if p.response is not None
    ]  # fmt: skip
    return _write_responses(conn, org_id, answered, mark)


def _write_responses(conn: Connection, org_id: int, answered: Answered, mark: int) -> int:
    """Complete responses with their answers (numbers, the free-text reason, or hidden
    fields' texts)."""
    ids = reserve_ids(conn, table(Response), len(answered))
    write_dicts(
        conn,
        table(Response),
        [
            {"link_id": None, "event_id": None, **row, "id": rid, "next_page": None,
             "sync_mark": mark}
            for rid, (row, _) in zip(ids, answered, strict=True)
        ],
    )  # fmt: skip
    write_dicts(
        conn,
        table(Answer),
        [
            {"organization_id": org_id, "response_id": rid, "question": question,
             "kind": ("text" if question == WHY else "hidden") if isinstance(value, str)
             else question,
             "value": None if isinstance(value, str) else value,
             "text": value if isinstance(value, str) else None, "sync_mark": mark}
            for rid, (_, given) in zip(ids, answered, strict=True)
            for question, value in given
        ],
    )  # fmt: skip
    return len(answered)
