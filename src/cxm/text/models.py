"""Tables owned by text analytics: each feedback item's enrichment and aspects, per model
version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxm.core.changes import ChangeTracked
from cxm.core.db import Base, BigId


class Enrichment(ChangeTracked, Base):
    """What one model read in one feedback item; a new model adds rows, old ones stay."""

    __tablename__ = "text_enrichment"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(nullable=False)
    feedback_id: Mapped[int] = mapped_column(BigId, nullable=False)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    language_confidence: Mapped[float] = mapped_column(Float, nullable=False)
    sentiment: Mapped[str] = mapped_column(String(16), nullable=False)
    sentiment_score: Mapped[float] = mapped_column(Float, nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    emotions: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    labels: Mapped[str] = mapped_column(String(100), nullable=False)  # e.g. "anger sadness"
    # How many aspects the reading found (rows in text_aspects); NULL: read before aspects
    # were stored, so ``cxm text enrich`` reads them.
    aspects: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("feedback_id", "model_version", name="uq_enrichment_version"),
        Index("ix_enrichment_org", "organization_id"),
    )


class AspectMention(ChangeTracked, Base):
    """What one feedback item says about one aspect (delivery, courier, price...), as read
    with one model version: the sentiment of the clause naming it and where that clause is."""

    __tablename__ = "text_aspects"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(nullable=False)
    feedback_id: Mapped[int] = mapped_column(BigId, nullable=False)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False)
    aspect: Mapped[str] = mapped_column(String(32), nullable=False)
    sentiment: Mapped[str] = mapped_column(String(16), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)  # -1 to 1
    clause_start: Mapped[int] = mapped_column(Integer, nullable=False)  # character offsets
    clause_end: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("feedback_id", "model_version", "aspect", name="uq_text_aspects_version"),
        Index("ix_text_aspects_org", "organization_id", "feedback_id"),
    )
