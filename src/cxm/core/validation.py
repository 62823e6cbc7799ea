"""Validating many records at once: each bad one becomes Faults naming its index and field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from cxm.core.errors import Fault

T = TypeVar("T")
FUTURE_TOLERANCE = timedelta(hours=24)


def faults_from(exc: PydanticError, index: int) -> list[Fault]:
    return [
        Fault(err["msg"], ".".join(str(p) for p in err["loc"]) or None, index)
        for err in exc.errors(include_url=False)
    ]


def as_utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def validate_each(
    adapter: TypeAdapter[T],
    raw: list[object],
    when: Callable[[T], datetime] | None = None,
    field: str = "occurred_at",
    now: datetime | None = None,
) -> tuple[list[tuple[int, T]], list[Fault]]:
    """The good records with their index, and the faults of the bad ones.

    With ``when``, a record whose time lies more than 24 hours ahead is refused on ``field``.
    """
    limit = (now or datetime.now(UTC)) + FUTURE_TOLERANCE
    good: list[tuple[int, T]] = []
    faults: list[Fault] = []
    for i, item in enumerate(raw):
        try:
            parsed = adapter.validate_python(item)
        except PydanticError as exc:
            faults.extend(faults_from(exc, i))
            continue
        if when is not None and as_utc(when(parsed)) > limit:
            faults.append(Fault("lies more than 24 hours in the future", field, i))
            continue
        good.append((i, parsed))
    return good, faults
