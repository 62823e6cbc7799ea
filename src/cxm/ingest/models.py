"""Tables owned by ingestion: customers, identities, locations, touchpoints, events, orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.core.changes import ChangeTracked
from cxm.core.db import Base, BigId

CHANNELS = ("store", "web", "app", "contact_centre", "delivery", "email", "social")
STAGES = ("pre_purchase", "purchase", "delivery", "use", "after_sales")
IDENTITY_KINDS = ("user_id", "anonymous_id", "email", "phone", "loyalty_card", "crm_id")
LOCATION_KINDS = ("store", "warehouse", "contact_centre", "online")
SHIPMENT_STATUSES = ("shipped", "delayed", "out_for_delivery", "delivered", "returned")


class Customer(ChangeTracked, Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    segment: Mapped[str | None] = mapped_column(String(64))
    traits: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set when an alias/identify merged this customer into another; chains are kept flat.
    merged_into: Mapped[int | None] = mapped_column(BigId, index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_customer_org", "organization_id"),)


class CustomerIdentity(ChangeTracked, Base):
    """One way of recognising a customer; several identities resolve to one customer."""

    __tablename__ = "customer_identity"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[str] = mapped_column(String(320), nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), nullable=False, index=True)

    __table_args__ = (UniqueConstraint("organization_id", "kind", "value", name="uq_identity"),)


class Location(ChangeTracked, Base):
    __tablename__ = "location"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="store")
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("organization_id", "code", name="uq_location_code"),)


class Touchpoint(ChangeTracked, Base):
    """A named point where customer and company meet: channel + stage + name (+ location)."""

    __tablename__ = "touchpoint"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    stage: Mapped[str] = mapped_column(String(32), nullable=False)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))

    __table_args__ = (UniqueConstraint("organization_id", "code", name="uq_touchpoint_code"),)


class TouchpointRule(ChangeTracked, Base):
    """Maps events to a touchpoint; the first matching rule by priority wins."""

    __tablename__ = "touchpoint_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    event_name: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(32))
    location_code: Mapped[str | None] = mapped_column(String(64))
    property_key: Mapped[str | None] = mapped_column(String(100))
    property_value: Mapped[str | None] = mapped_column(String(200))
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoint.id"), nullable=False)


class Order(ChangeTracked, Base):
    __tablename__ = "customer_order"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    external_id: Mapped[str] = mapped_column(String(128), nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    promised_delivery_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="placed")
    refunded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = (UniqueConstraint("organization_id", "external_id", name="uq_order_ext"),)


class ShipmentUpdate(ChangeTracked, Base):
    __tablename__ = "shipment_update"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("customer_order.id"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    new_eta: Mapped[date | None] = mapped_column(Date)
    message_id: Mapped[str] = mapped_column(String(128), nullable=False)

    __table_args__ = (UniqueConstraint("organization_id", "message_id", name="uq_shipment_msg"),)


class Event(ChangeTracked, Base):
    """One thing a customer did, or that happened to them, at a touchpoint and a time.

    ``id`` is the arrival sequence: it breaks ties between equal timestamps.
    """

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    message_id: Mapped[str] = mapped_column(String(128), nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # Not indexed: a random-order index costs more than the rest of an insert at ingestion
    # rates, and per-customer reads go to the analytics store.
    customer_id: Mapped[int] = mapped_column(BigId, nullable=False)
    touchpoint_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(32))
    location_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(BigId)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    unmapped: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = (UniqueConstraint("organization_id", "message_id", name="uq_event_msg"),)
