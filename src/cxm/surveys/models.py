"""Tables owned by surveys: surveys, versions, links, responses, answers, distribution, limits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.core.changes import ChangeTracked
from cxm.core.db import Base, BigId

SURVEY_KINDS = ("relationship", "transactional", "employee")
RESPONSE_STATUSES = ("partial", "complete")


class Survey(ChangeTracked, Base):
    __tablename__ = "survey"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="transactional")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="live")

    __table_args__ = (UniqueConstraint("organization_id", "code", name="uq_survey_code"),)


class SurveyVersion(Base):
    """A survey's definition as it was answered; editing a live survey adds a version."""

    __tablename__ = "survey_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("survey_id", "number", name="uq_survey_version"),)


class Response(ChangeTracked, Base):
    """One respondent's answers to one survey version, tied to the journey it belongs to."""

    __tablename__ = "survey_response"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(BigId, index=True)
    order_id: Mapped[int | None] = mapped_column(BigId)
    touchpoint_id: Mapped[int | None] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="complete")
    # One response per link, enforced here so concurrent submits of one link make one row.
    link_id: Mapped[int | None] = mapped_column(BigId, unique=True)
    event_id: Mapped[int | None] = mapped_column(BigId)
    next_page: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_response_org_survey", "organization_id", "survey_id"),)


class Answer(ChangeTracked, Base):
    """One answer: a number (scales, NPS, choices' indexes) and/or a text."""

    __tablename__ = "survey_answer"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    response_id: Mapped[int] = mapped_column(BigId, nullable=False, index=True)
    question: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # nps, csat, ces, text, ...
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)


class SurveyLink(Base):
    """A personal invitation link: what it is about (hidden fields) and until when it works."""

    __tablename__ = "survey_link"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False, index=True)
    customer_id: Mapped[int | None] = mapped_column(BigId, index=True)
    order_id: Mapped[int | None] = mapped_column(BigId)
    touchpoint_id: Mapped[int | None] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(BigId)
    channel: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    hidden: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class RateCount(Base):
    """Requests counted per key and minute, in the store so every server process sees them."""

    __tablename__ = "survey_rate"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Suppression(Base):
    """An address (or a whole customer) that must not be invited on a channel."""

    __tablename__ = "survey_suppression"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    address: Mapped[str] = mapped_column(String(320), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(BigId, index=True)
    reason: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("organization_id", "channel", "address", name="uq_suppression"),
    )


class Invitation(Base):
    """One decision to invite a customer or not, with the reason; sent ones carry their link."""

    __tablename__ = "survey_invitation"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(BigId)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    address: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # sent, skipped, failed
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    link_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # What asked for it: a trigger's event or a recurring run. ``source_key`` is unique, so a
    # re-run of a trigger or schedule never decides about the same event or customer twice.
    source_key: Mapped[str | None] = mapped_column(String(200))
    trigger_id: Mapped[int | None] = mapped_column(Integer)
    schedule_id: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(BigId)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The reminder's fate: queued, sent, "skipped: <why>" or "failed: <why>".
    reminder: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_invitation_customer", "organization_id", "customer_id", "created_at"),
        Index("ix_invitation_survey", "survey_id", "status"),
        Index("ix_invitation_remind", "status", "remind_at"),
        UniqueConstraint("organization_id", "source_key", name="uq_invitation_source"),
    )


class Trigger(Base):
    """Invite a touchpoint's customers some hours after an event there, sampled and rested."""

    __tablename__ = "survey_trigger"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False)
    touchpoint_id: Mapped[int | None] = mapped_column(Integer)
    event_name: Mapped[str | None] = mapped_column(String(200))
    delay_hours: Mapped[float] = mapped_column(Float, nullable=False)
    sample_rate: Mapped[float] = mapped_column(Float, nullable=False)
    fatigue_days: Mapped[int] = mapped_column(Integer, nullable=False)
    cooldown_days: Mapped[int] = mapped_column(Integer, nullable=False)
    remind_after_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Events up to this id were all decided (the event id is the arrival sequence).
    last_event_id: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("organization_id", "code", name="uq_trigger_code"),)


class Schedule(Base):
    """A recurring relationship survey: every period, a seeded random sample of customers."""

    __tablename__ = "survey_schedule"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False, unique=True)
    every: Mapped[str] = mapped_column(String(16), nullable=False)  # week, month, quarter, year
    sample_size: Mapped[int] = mapped_column(Integer, nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    fatigue_days: Mapped[int] = mapped_column(Integer, nullable=False)
    cooldown_days: Mapped[int] = mapped_column(Integer, nullable=False)
    remind_after_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_period: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PageView(Base):
    """Views of anonymous survey pages per day, source and store: one counter upsert per view."""

    __tablename__ = "survey_view"
    survey_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # link, qr, widget
    # The known location code the link named (a counter QR code's store), else "".
    store: Mapped[str] = mapped_column(String(64), primary_key=True, default="", server_default="")
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
