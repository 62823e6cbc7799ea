"""Recurring relationship surveys: every period, a seeded random sample of customers is invited.

A schedule belongs to one survey: how often (``week``, ``month``, ``quarter``, ``year``), how
many customers, and a seed. The first distribution pass of a period draws the sample from the
organization's customers who have an e-mail address, with ``random.Random("<seed>:<period>")``
over their ids in ascending order, so the same seed and period always give the same customers
(and another period another sample). Each sampled customer's decision is taken once under the
key ``schedule:<id>:<period>:<customer>``, with the fatigue, cooldown and suppression rules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update

from cxm.core.bulk import dialect_insert
from cxm.core.db import Database, table
from cxm.core.errors import Fault, NotFound, ValidationError
from cxm.ingest.models import Customer, CustomerIdentity
from cxm.surveys.invitations import Invitee, Origin, Rules, invite
from cxm.surveys.models import Schedule, Survey

Every = Literal["week", "month", "quarter", "year"]


class ScheduleSpec(BaseModel):
    survey: str = Field(description="The survey's code.")
    every: Every = "quarter"
    sample_size: Annotated[int, Field(ge=1, le=1_000_000)] = 500
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 1
    fatigue_days: Annotated[int, Field(ge=0, le=365)] = 30
    cooldown_days: Annotated[int, Field(ge=0, le=3650)] = 60
    remind_after_days: Annotated[int | None, Field(ge=1, le=60)] = None


class ScheduleOut(ScheduleSpec):
    active: bool
    last_period: str | None


@dataclass(frozen=True)
class ScheduleRun:
    survey: str
    period: str
    sampled: int
    queued: int
    skipped: int


def period_of(moment: datetime, every: str) -> str:
    """The period label a moment falls in: 2026-W48, 2026-11, 2026-Q4 or 2026."""
    if every == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if every == "month":
        return f"{moment.year}-{moment.month:02d}"
    if every == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return str(moment.year)


def draw_sample(population: list[int], size: int, seed: int, period: str) -> list[int]:
    """The seeded sample of a period, in ascending id order."""
    ordered = sorted(population)
    chosen = random.Random(f"{seed}:{period}").sample(ordered, min(size, len(ordered)))
    return sorted(chosen)


def set_schedule(db: Database, org_id: int, spec: ScheduleSpec) -> ScheduleOut:
    """Create or replace the survey's schedule; a replaced one keeps the period it last ran."""
    from cxm.surveys.distribution import ensure_tick

    t = table(Schedule)
    with db.writer() as conn:
        survey_id = conn.execute(
            select(table(Survey).c.id).where(
                table(Survey).c.organization_id == org_id, table(Survey).c.code == spec.survey
            )
        ).scalar()
        if survey_id is None:
            raise ValidationError(
                f"No survey {spec.survey!r}.", [Fault(f"no survey {spec.survey!r}", "survey")]
            )
        values = {
            "every": spec.every, "sample_size": spec.sample_size, "seed": spec.seed,
            "fatigue_days": spec.fatigue_days, "cooldown_days": spec.cooldown_days,
            "remind_after_days": spec.remind_after_days, "active": True,
        }  # fmt: skip
        stmt = dialect_insert(conn, t).values(
            organization_id=org_id, survey_id=survey_id, created_at=datetime.now(UTC), **values
        )
        conn.execute(stmt.on_conflict_do_update(index_elements=["survey_id"], set_=values))
        ensure_tick(conn, org_id)
    return next(s for s in list_schedules(db, org_id) if s.survey == spec.survey)


def list_schedules(db: Database, org_id: int) -> list[ScheduleOut]:
    t, st = table(Schedule), table(Survey)
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(t, st.c.code.label("survey_code"))
            .join(st, st.c.id == t.c.survey_id)
            .where(t.c.organization_id == org_id)
            .order_by(st.c.code)
        ).mappings()
        return [
            ScheduleOut(
                survey=r["survey_code"],
                every=r["every"],
                sample_size=r["sample_size"],
                seed=r["seed"],
                fatigue_days=r["fatigue_days"],
                cooldown_days=r["cooldown_days"],
                remind_after_days=r["remind_after_days"],
                active=r["active"],
                last_period=r["last_period"],
            )  # fmt: skip
            for r in rows
        ]


def remove_schedule(db: Database, org_id: int, survey: str) -> None:
    t, st = table(Schedule), table(Survey)
    with db.writer() as conn:
        survey_id = conn.execute(
            select(st.c.id).where(st.c.organization_id == org_id, st.c.code == survey)
        ).scalar()
        gone = conn.execute(delete(t).where(t.c.organization_id == org_id,
                                            t.c.survey_id == survey_id))  # fmt: skip
        if survey_id is None or not gone.rowcount:
            raise NotFound(f"No schedule for survey {survey!r}.")


def reachable_customers(db: Database, org_id: int) -> list[int]:
    """Customers with an e-mail address (merged-away duplicates left out)."""
    ct, it = table(Customer), table(CustomerIdentity)
    with db.engine.connect() as conn:
        return [
            int(c)
            for c in conn.execute(
                select(ct.c.id)
                .where(
                    ct.c.organization_id == org_id,
                    ct.c.merged_into.is_(None),
                    select(it.c.id)
                    .where(it.c.customer_id == ct.c.id, it.c.kind == "email")
                    .exists(),
                )
                .order_by(ct.c.id)
            ).scalars()
        ]


def run_schedules(
    db: Database, org_id: int, base_url: str, now: datetime | None = None
) -> list[ScheduleRun]:
    """Invite this period's sample for every schedule that has not run in this period."""
    now = now or datetime.now(UTC)
    t, st = table(Schedule), table(Survey)
    with db.engine.connect() as conn:
        due = conn.execute(
            select(t, st.c.code.label("survey_code"))
            .join(st, st.c.id == t.c.survey_id)
            .where(t.c.organization_id == org_id, t.c.active.is_(True))
            .order_by(t.c.id)
        ).mappings().all()  # fmt: skip
    runs: list[ScheduleRun] = []
    population: list[int] | None = None
    for r in due:
        period = period_of(now, str(r["every"]))
        if r["last_period"] == period:
            continue
        population = population if population is not None else reachable_customers(db, org_id)
        sample = draw_sample(population, int(r["sample_size"]), int(r["seed"]), period)
        invitees = [
            Invitee(customer_id=c, source_key=f"schedule:{r['id']}:{period}:{c}") for c in sample
        ]
        origin = Origin(schedule_id=int(r["id"]), remind_after_days=r["remind_after_days"])
        rules = Rules(int(r["fatigue_days"]), int(r["cooldown_days"]))
        made = invite(db, org_id, str(r["survey_code"]), invitees, base_url, rules, now, origin)
        with db.writer() as conn:
            conn.execute(update(t).where(t.c.id == r["id"]).values(last_period=period))
        queued = sum(d.status == "queued" for d in made)
        runs.append(ScheduleRun(str(r["survey_code"]), period, len(sample), queued,
                                len(sample) - queued))  # fmt: skip
    return runs
