"""Tables owned by text analytics: each feedback item's enrichment, per model version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, String, UniqueConstraint
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("feedback_id", "model_version", name="uq_enrichment_version"),
        Index("ix_enrichment_org", "organization_id"),
    )
