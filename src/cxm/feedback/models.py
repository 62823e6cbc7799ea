"""The feedback table: every free-text item, tied to its customer, order and touchpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import DateTime, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxm.core.changes import ChangeTracked
from cxm.core.db import Base, BigId

FeedbackKind = Literal[
    "complaint",
    "contact_centre_note",
    "chat",
    "social_post",
    "employee_comment",
    "comment",
    "survey_comment",
    "review",
]
FEEDBACK_KINDS: tuple[str, ...] = get_args(FeedbackKind)


class Feedback(ChangeTracked, Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), nullable=False)
    external_id: Mapped[str] = mapped_column(String(128), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str | None] = mapped_column(String(32))
    touchpoint_id: Mapped[int | None] = mapped_column(Integer)
    location_id: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(BigId, index=True)
    order_id: Mapped[int | None] = mapped_column(BigId)
    category: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(8))
    # The stars (1-5) a review gave with its text; the writer's own label of its sentiment.
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("organization_id", "external_id", name="uq_feedback_ext"),)
