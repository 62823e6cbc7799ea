"""Request and response shapes for ingestion."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxm.core.errors import Fault
from cxm.ingest.models import SHIPMENT_STATUSES

Channel = Literal["store", "web", "app", "contact_centre", "delivery", "email", "social"]
ShipmentStatus = Literal["shipped", "delayed", "out_for_delivery", "delivered", "returned"]
assert set(ShipmentStatus.__args__) == set(SHIPMENT_STATUSES)  # type: ignore[attr-defined]


class CustomerRef(BaseModel):
    """Any of a customer's identities; the first known one wins."""

    model_config = ConfigDict(extra="forbid")
    user_id: str | None = Field(default=None, max_length=128)
    anonymous_id: str | None = Field(default=None, max_length=128)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    loyalty_card: str | None = Field(default=None, max_length=128)
    crm_id: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)

    def keys(self) -> list[tuple[str, str]]:
        from cxm.ingest.identity import normalise

        out = []
        for kind in ("user_id", "crm_id", "loyalty_card", "email", "phone", "anonymous_id"):
            value = getattr(self, kind)
            if value:
                out.append((kind, normalise(kind, value)))
        return out


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: str = Field(min_length=1, max_length=128)
    customer: CustomerRef
    channel: Channel
    location: str | None = Field(default=None, max_length=64, description="Location code.")
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    placed_at: datetime
    promised_delivery_date: date | None = None
    status: str = Field(default="placed", max_length=32)

    @field_validator("customer")
    @classmethod
    def _has_identity(cls, v: CustomerRef) -> CustomerRef:
        if not v.keys():
            raise ValueError("names no identity (user_id, email, phone, loyalty_card, ...)")
        return v


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: str = Field(min_length=1, max_length=128)
    status: ShipmentStatus
    occurred_at: datetime
    new_eta: date | None = None
    message_id: str | None = Field(default=None, max_length=128)


class BatchResult(BaseModel):
    """What happened to a batch: how many stored, how many were re-sends, what was refused."""

    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def of(cls, accepted: int, duplicates: int, faults: list[Fault]) -> BatchResult:
        return cls(accepted=accepted, duplicates=duplicates, rejected=[f.as_dict() for f in faults])
