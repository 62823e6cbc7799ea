"""Managing the touchpoint catalogue: list, add touchpoints and rules, re-map unmapped events."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, bindparam, select, update

from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import Conflict, Fault, ValidationError
from cxm.ingest.models import Event, Location, Touchpoint, TouchpointRule
from cxm.ingest.schemas import Channel
from cxm.ingest.touchpoints import TouchpointMapper, add_rule, add_touchpoint


class RuleIn(BaseModel):
    """Which events belong to a touchpoint; every condition left out matches anything."""

    model_config = ConfigDict(extra="forbid")
    touchpoint: str = Field(min_length=1, max_length=64, description="Touchpoint code.")
    event: str | None = Field(default=None, max_length=200)
    channel: Channel | None = None
    location: str | None = Field(default=None, max_length=64, description="Location code.")
    property_key: str | None = Field(default=None, max_length=100)
    property_value: str | None = Field(default=None, max_length=200)
    priority: int = Field(default=100, ge=0, le=10_000, description="Lower wins.")


class TouchpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    channel: Channel
    stage: str = Field(description="pre_purchase, purchase, delivery, use or after_sales.")
    location: str | None = Field(default=None, max_length=64, description="Location code.")
    event: str | None = Field(
        default=None, max_length=200, description="Also add a rule mapping this event name here."
    )


class RuleOut(BaseModel):
    id: int
    event: str | None
    channel: str | None
    location: str | None
    property_key: str | None
    property_value: str | None
    priority: int


class TouchpointOut(BaseModel):
    id: int
    code: str
    name: str
    channel: str
    stage: str
    location: str | None
    rules: list[RuleOut]


def _touchpoint_id(conn: Connection, org_id: int, code: str) -> int:
    t = table(Touchpoint)
    found = conn.execute(
        select(t.c.id).where(t.c.organization_id == org_id, t.c.code == code)
    ).scalar()
    if found is None:
        raise ValidationError(
            f"No touchpoint {code!r}.", [Fault(f"unknown touchpoint {code!r}", "touchpoint")]
        )
    return int(found)


def _location_id(conn: Connection, org_id: int, code: str | None) -> int | None:
    if code is None:
        return None
    t = table(Location)
    found = conn.execute(
        select(t.c.id).where(t.c.organization_id == org_id, t.c.code == code)
    ).scalar()
    if found is None:
        raise ValidationError(
            f"No location {code!r}.", [Fault(f"unknown location {code!r}", "location")]
        )
    return int(found)


def list_touchpoints(db: Database, org_id: int) -> list[TouchpointOut]:
    t, r, loc = table(Touchpoint), table(TouchpointRule), table(Location)
    with db.engine.connect() as conn:
        codes = dict(
            conn.execute(select(loc.c.id, loc.c.code).where(loc.c.organization_id == org_id)).all()
        )
        rules: dict[int, list[RuleOut]] = {}
        for row in conn.execute(
            select(r).where(r.c.organization_id == org_id).order_by(r.c.priority, r.c.id)
        ):
            rules.setdefault(row.touchpoint_id, []).append(
                RuleOut(
                    id=row.id,
                    event=row.event_name,
                    channel=row.channel,
                    location=row.location_code,
                    property_key=row.property_key,
                    property_value=row.property_value,
                    priority=row.priority,
                )
            )
        return [
            TouchpointOut(
                id=row.id,
                code=row.code,
                name=row.name,
                channel=row.channel,
                stage=row.stage,
                location=codes.get(row.location_id),
                rules=rules.get(row.id, []),
            )
            for row in conn.execute(
                select(t).where(t.c.organization_id == org_id).order_by(t.c.stage, t.c.code)
            )
        ]


def create_touchpoint(db: Database, org_id: int, spec: TouchpointIn) -> int:
    with db.writer() as conn:
        t = table(Touchpoint)
        if (
            conn.execute(
                select(t.c.id).where(t.c.organization_id == org_id, t.c.code == spec.code)
            ).scalar()
            is not None
        ):
            raise Conflict(f"A touchpoint with code {spec.code!r} exists already.")
        tp = add_touchpoint(
            conn,
            org_id,
            spec.code,
            spec.name,
            spec.channel,
            spec.stage,
            _location_id(conn, org_id, spec.location),
        )
        if spec.event:
            add_rule(conn, org_id, tp, event_name=spec.event)
        return tp


def create_rule(db: Database, org_id: int, spec: RuleIn) -> int:
    if not any((spec.event, spec.channel, spec.location, spec.property_key)):
        raise ValidationError(
            "A rule needs at least one condition.",
            [Fault("give event, channel, location or property_key", "event")],
        )
    with db.writer() as conn:
        tp = _touchpoint_id(conn, org_id, spec.touchpoint)
        _location_id(conn, org_id, spec.location)
        return add_rule(
            conn,
            org_id,
            tp,
            event_name=spec.event,
            channel=spec.channel,
            location_code=spec.location,
            property_key=spec.property_key,
            property_value=spec.property_value,
            priority=spec.priority,
        )


def remap_unmapped(db: Database, org_id: int, chunk: int = 50_000) -> int:
    """Apply the current rules to events no rule matched so far; returns how many now match."""
    e, loc = table(Event), table(Location)
    total = 0
    last_id = 0
    while True:
        with db.writer() as conn:
            mapper = TouchpointMapper.load(conn, org_id)
            codes = dict(
                conn.execute(
                    select(loc.c.id, loc.c.code).where(loc.c.organization_id == org_id)
                ).all()
            )
            rows = conn.execute(
                select(e.c.id, e.c.name, e.c.channel, e.c.location_id, e.c.properties)
                .where(e.c.organization_id == org_id, e.c.unmapped, e.c.id > last_id)
                .order_by(e.c.id)
                .limit(chunk)
            ).all()
            if not rows:
                return total
            last_id = rows[-1].id
            found = []
            for row in rows:
                tp = mapper.match(
                    row.name, row.channel, codes.get(row.location_id), row.properties or {}
                )
                if tp is not None:
                    found.append({"eid": row.id, "tp": tp})
            if found:
                mark = change_mark(conn)
                conn.execute(
                    update(e)
                    .where(e.c.id == bindparam("eid"))
                    .values(touchpoint_id=bindparam("tp"), unmapped=False, sync_mark=mark),
                    found,
                )
            total += len(found)
