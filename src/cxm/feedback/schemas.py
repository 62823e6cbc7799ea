"""Request shapes for feedback intake."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxm.feedback.models import FeedbackKind as Kind
from cxm.ingest.schemas import Channel, CustomerRef

MAX_TEXT = 10_000_000  # characters, stored whole; analysis reads a truncated copy


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(
        default=None,
        max_length=128,
        description="Your id for the item; re-sending it stores it once.",
    )
    kind: Kind
    text: str = Field(max_length=MAX_TEXT)
    occurred_at: datetime
    channel: Channel | None = None
    touchpoint: str | None = Field(default=None, max_length=64, description="Touchpoint code.")
    location: str | None = Field(default=None, max_length=64, description="Location code.")
    customer: CustomerRef | None = None
    order_id: str | None = Field(default=None, max_length=128)
    category: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=8)
    rating: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="Stars (1-5) given with the text, as on a review; weak sentiment labels "
        "for `cxm text train --from-ratings`.",
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is empty")
        return v
