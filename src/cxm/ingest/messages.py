"""Validation of Segment-spec messages (identify, track, page, screen, alias)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cxm.core.errors import Fault

MESSAGE_TYPES = frozenset({"identify", "track", "page", "screen", "alias"})
MAX_ID = 128
MAX_NAME = 200


@dataclass(slots=True)
class Message:
    """A valid message, normalised: timestamps in UTC, ids as strings."""

    index: int
    type: str
    message_id: str
    timestamp: datetime
    user_id: str | None
    anonymous_id: str | None
    name: str
    properties: dict[str, Any]
    context: dict[str, Any]
    traits: dict[str, Any]
    previous_id: str | None = None


def parse_time(
    value: object, field: str, index: int | None, now: datetime, tolerance: timedelta
) -> datetime | Fault:
    """An aware UTC datetime from ISO 8601 text, or a Fault saying what is wrong."""
    if not isinstance(value, str) or not value:
        return Fault("must be an ISO 8601 timestamp string", field, index)
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return Fault(f"'{value[:40]}' is not an ISO 8601 timestamp", field, index)
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    if ts > now + tolerance:
        return Fault(f"{value} lies more than {tolerance} in the future", field, index)
    if ts.year < 1990:
        return Fault(f"{value} lies before 1990", field, index)
    return ts


def _opt_id(raw: dict[str, Any], key: str, index: int, faults: list[Fault]) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        faults.append(Fault("must be a string or an integer", key, index))
        return None
    text = str(value)
    if len(text) > MAX_ID:
        faults.append(Fault(f"is longer than {MAX_ID} characters", key, index))
        return None
    return text


def _opt_object(raw: dict[str, Any], key: str, index: int, faults: list[Fault]) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        faults.append(Fault("must be a JSON object", key, index))
        return {}
    return value


def validate_message(
    raw: object, index: int, now: datetime, tolerance: timedelta
) -> Message | list[Fault]:
    """Check one message; return it normalised or every fault found in it."""
    if not isinstance(raw, dict):
        return [Fault("a message must be a JSON object", None, index)]
    faults: list[Fault] = []
    mtype = raw.get("type")
    if mtype not in MESSAGE_TYPES:
        allowed = ", ".join(sorted(MESSAGE_TYPES))
        faults.append(
            Fault(f"unknown message type {mtype!r}; expected one of {allowed}", "type", index)
        )
    message_id = _opt_id(raw, "messageId", index, faults)
    if message_id is None and not any(f.field == "messageId" for f in faults):
        faults.append(Fault("is required (it makes re-sends idempotent)", "messageId", index))
    ts = parse_time(raw.get("timestamp"), "timestamp", index, now, tolerance)
    if isinstance(ts, Fault):
        faults.append(ts)
    user_id = _opt_id(raw, "userId", index, faults)
    anonymous_id = _opt_id(raw, "anonymousId", index, faults)
    properties = _opt_object(raw, "properties", index, faults)
    context = _opt_object(raw, "context", index, faults)
    traits = _opt_object(raw, "traits", index, faults)
    if not traits and isinstance(context.get("traits"), dict):
        traits = context["traits"]
    previous_id = None
    if mtype == "alias":
        previous_id = _opt_id(raw, "previousId", index, faults)
        if previous_id is None:
            faults.append(Fault("is required for alias", "previousId", index))
        if user_id is None:
            faults.append(Fault("is required for alias", "userId", index))
    elif user_id is None and anonymous_id is None:
        faults.append(Fault("userId or anonymousId is required", "userId", index))
    name = ""
    if mtype == "track":
        event = raw.get("event")
        if not isinstance(event, str) or not event.strip():
            faults.append(
                Fault("is required for track and must be a non-empty string", "event", index)
            )
        elif len(event) > MAX_NAME:
            faults.append(Fault(f"is longer than {MAX_NAME} characters", "event", index))
        else:
            name = event.strip()
    elif mtype in ("page", "screen"):
        given = raw.get("name") or properties.get("name")
        default = "Page Viewed" if mtype == "page" else "Screen Viewed"
        name = str(given)[:MAX_NAME] if given else default
    else:
        name = str(mtype)
    if faults or isinstance(ts, Fault) or message_id is None:
        return faults
    return Message(
        index,
        str(mtype),
        message_id,
        ts,
        user_id,
        anonymous_id,
        name,
        properties,
        context,
        traits,
        previous_id,
    )
