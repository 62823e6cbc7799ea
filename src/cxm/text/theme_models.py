"""Tables owned by themes: each organization's taxonomy versions and each text's theme reading."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxm.core.changes import ChangeTracked
from cxm.core.db import Base, BigId


class TaxonomyVersion(Base):
    """One saved version of an organization's taxonomy; the newest is in use."""

    __tablename__ = "text_taxonomy"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(nullable=False)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_text_taxonomy_org", "organization_id", "id"),)


class ThemeReading(ChangeTracked, Base):
    """A text's lemmas and taxonomy themes under one taxonomy version; old readings stay."""

    __tablename__ = "text_themes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(nullable=False)
    feedback_id: Mapped[int] = mapped_column(BigId, nullable=False)
    taxonomy_version: Mapped[str] = mapped_column(String(64), nullable=False)
    lemmatizer: Mapped[str] = mapped_column(String(32), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    lemmas: Mapped[str] = mapped_column(Text, nullable=False)  # " lemma lemma ... "
    themes: Mapped[str] = mapped_column(String(1000), nullable=False)  # " delivery delivery/late "
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("feedback_id", "taxonomy_version", name="uq_text_themes_version"),
        Index("ix_text_themes_org", "organization_id", "feedback_id"),
    )
