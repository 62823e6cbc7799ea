"""The CxmError hierarchy; the web layer maps each to an HTTP problem+json response."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fault:
    """One thing wrong with one record: which record, which field, why."""

    reason: str
    field: str | None = None
    index: int | None = None
    record_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"reason": self.reason}
        if self.index is not None:
            out["index"] = self.index
        if self.field is not None:
            out["field"] = self.field
        if self.record_id is not None:
            out["id"] = self.record_id
        return out


@dataclass
class CxmError(Exception):
    """Base of every error cxm raises on purpose."""

    detail: str
    faults: list[Fault] = field(default_factory=list)
    status: int = 400
    title: str = "Bad request"

    def __str__(self) -> str:
        return self.detail


class ValidationError(CxmError):
    def __init__(self, detail: str, faults: list[Fault] | None = None) -> None:
        super().__init__(detail, faults or [], 422, "Invalid input")


class NotFound(CxmError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], 404, "Not found")


class Unauthorized(CxmError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], 401, "Unauthorized")


class Forbidden(CxmError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], 403, "Forbidden")


class PayloadTooLarge(CxmError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], 413, "Payload too large")


class Conflict(CxmError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], 409, "Conflict")
