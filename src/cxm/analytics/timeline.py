"""One customer's timeline across channels: events, orders, deliveries, answers and comments.

Customers merged into this one (an alias or identify) count as the same person. The
customer is found by id or by any identity (e-mail, phone, loyalty card, anonymous id, CRM
id) in the store; the timeline itself comes from the analytics store, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ibis import _
from sqlalchemy import or_, select

from cxm.analytics.backend import Analytics
from cxm.core.db import Database
from cxm.core.errors import NotFound, ValidationError
from cxm.ingest.models import Customer, CustomerIdentity

LIMIT = 500


@dataclass(frozen=True)
class Entry:
    """One thing that happened: ``kind`` is event, order, shipment, response or feedback."""

    at: datetime  # organization time
    kind: str
    title: str
    channel: str | None = None
    stage: str | None = None
    location: str | None = None
    order: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "title": self.title,
            "channel": self.channel,
            "stage": self.stage,
            "location": self.location,
            "order": self.order,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Timeline:
    customer_id: int
    name: str | None
    language: str | None
    segment: str | None
    identities: list[tuple[str, str]]
    merged: list[int]  # customers merged into this one
    entries: list[Entry]
    truncated: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "language": self.language,
            "segment": self.segment,
            "identities": [{"kind": k, "value": v} for k, v in self.identities],
            "merged": self.merged,
            "entries": [e.as_dict() for e in self.entries],
            "truncated": self.truncated,
        }


def find_customers(db: Database, org_id: int, text: str, limit: int = 20) -> list[int]:
    """Customers whose id or identity value matches ``text`` (exact id, identity prefix)."""
    text = text.strip()
    if not text:
        return []
    with db.session() as s:
        found: list[int] = []
        if text.isdigit():
            hit = s.scalar(
                select(Customer.id).where(
                    Customer.organization_id == org_id, Customer.id == int(text)
                )
            )
            found += [int(hit)] if hit is not None else []
        rows = s.scalars(
            select(CustomerIdentity.customer_id)
            .where(
                CustomerIdentity.organization_id == org_id,
                or_(
                    CustomerIdentity.value == text,
                    CustomerIdentity.value.startswith(text, autoescape=True),
                ),
            )
            .limit(limit)
        ).all()
        pairs = s.execute(select(Customer.id, Customer.merged_into).where(Customer.id.in_(rows)))
        merged: dict[int, int | None] = {int(cid): into for cid, into in pairs.all()}
    for cid in rows:
        person = merged.get(cid) or cid
        if person not in found:
            found.append(int(person))
    return found[:limit]


def _profile(db: Database, org_id: int, customer_id: int) -> tuple[Customer, list[int], list[Any]]:
    with db.session() as s:
        customer = s.get(Customer, customer_id)
        if customer is None or customer.organization_id != org_id:
            raise NotFound(f"no customer {customer_id}")
        if customer.merged_into is not None:
            customer = s.get(Customer, customer.merged_into)
            assert customer is not None
        merged = list(
            s.scalars(select(Customer.id).where(Customer.merged_into == customer.id)).all()
        )
        people = [customer.id, *merged]
        identities = s.execute(
            select(CustomerIdentity.kind, CustomerIdentity.value)
            .where(CustomerIdentity.customer_id.in_(people))
            .order_by(CustomerIdentity.kind, CustomerIdentity.value)
        ).all()
        s.expunge(customer)
    return customer, merged, list(identities)


def _rows(expr: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows


def _entries(con: Any, org_id: int, people: list[int]) -> list[Entry]:
    locations = con.table("location").select(loc=_.id, location=_.code)
    touchpoints = con.table("touchpoint").select(tp=_.id, tp_name=_.name, stage=_.stage)
    orders = con.table("customer_order").filter(
        (_.organization_id == org_id) & _.customer_id.isin(people)
    )
    codes = orders.select(oid=_.id, order_code=_.external_id)
    ev = con.table("event").filter((_.organization_id == org_id) & _.customer_id.isin(people))
    ev = ev.left_join(touchpoints, ev.touchpoint_id == touchpoints.tp)
    ev = ev.left_join(locations, ev.location_id == locations.loc)
    ev = ev.left_join(codes, ev.order_id == codes.oid)
    out = [
        Entry(r["occurred_at_local"], "event", r["tp_name"] or r["name"], r["channel"], r["stage"],
              r["location"], r["order_code"], {"event": r["name"], "mapped": not r["unmapped"]})
        for r in _rows(ev.order_by(ev.occurred_at_local.desc()).limit(LIMIT))
    ]  # fmt: skip
    od = orders.left_join(locations, orders.location_id == locations.loc)
    for r in _rows(od):
        detail = {"amount": str(r["amount"]), "currency": r["currency"], "status": r["status"]}
        if r["promised_delivery_date"]:
            detail["promised"] = r["promised_delivery_date"].isoformat()
        out.append(Entry(r["placed_at_local"], "order", r["external_id"], r["channel"], "purchase",
                         r["location"], r["external_id"], detail))  # fmt: skip
    ships = con.table("shipment_update").filter(_.organization_id == org_id)
    ships = ships.join(codes, ships.order_id == codes.oid)
    for r in _rows(ships):
        detail = {"new_eta": r["new_eta"].isoformat()} if r["new_eta"] else {}
        out.append(Entry(r["occurred_at_local"], "shipment", r["status"], "delivery", "delivery",
                         None, r["order_code"], detail))  # fmt: skip
    responses = con.table("survey_response").filter(
        (_.organization_id == org_id) & _.customer_id.isin(people) & (_.status == "complete")
    )
    answers = con.table("survey_answer").filter(_.organization_id == org_id)
    scored = responses.join(answers, responses.id == answers.response_id)
    scored = scored.left_join(codes, scored.order_id == codes.oid)
    by_response: dict[int, Entry] = {}
    for r in _rows(scored):
        entry = by_response.get(r["id"]) or Entry(
            r["completed_at_local"],
            "response",
            "survey",
            r["channel"],
            None,
            None,
            r["order_code"],
            {},
        )
        if r["value"] is not None:  # scores; the comments are feedback entries of their own
            entry.detail[r["kind"]] = r["value"]
        by_response[r["id"]] = entry
    out += by_response.values()
    fb = con.table("feedback").filter((_.organization_id == org_id) & _.customer_id.isin(people))
    fb = fb.left_join(codes, fb.order_id == codes.oid)
    for r in _rows(fb.order_by(fb.occurred_at_local.desc()).limit(LIMIT)):
        detail = {"text": r["text"], "category": r["category"], "language": r["language"],
                  "rating": r["rating"]}  # fmt: skip
        out.append(Entry(r["occurred_at_local"], "feedback", r["kind"], r["channel"], None, None,
                         r["order_code"], detail))  # fmt: skip
    out.sort(key=lambda e: e.at, reverse=True)
    return out


def customer_timeline(analytics: Analytics, org_id: int, customer_id: int) -> Timeline:
    """Everything one customer did and said, newest first (at most LIMIT entries)."""
    if customer_id < 1:
        raise ValidationError("a customer id is a positive number")
    customer, merged, identities = _profile(analytics.db, org_id, customer_id)
    with analytics.fresh() as con:
        entries = _entries(con, org_id, [customer.id, *merged])
    return Timeline(
        customer.id,
        customer.name,
        customer.language,
        customer.segment,
        [(str(k), str(v)) for k, v in identities],
        merged,
        entries[:LIMIT],
        len(entries) > LIMIT,
    )
