"""Tables owned by surveys: surveys, their versions, responses and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
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
