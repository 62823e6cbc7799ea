"""Builders for test data that go through cxm's own services."""

from __future__ import annotations

from typing import Any

from cxm.core.auth import create_api_key, get_or_create_organization
from cxm.core.db import Database


def organization(db: Database, slug: str = "acme") -> int:
    with db.session() as s:
        return get_or_create_organization(s, slug, slug.title()).id


def api_key(db: Database, org_id: int, name: str = "test") -> str:
    with db.session() as s:
        return create_api_key(s, org_id, name).key


def track(
    message_id: str,
    event: str = "Product Viewed",
    *,
    user_id: str | None = "u1",
    anonymous_id: str | None = None,
    timestamp: str = "2026-03-01T10:00:00Z",
    **properties: Any,
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "type": "track",
        "messageId": message_id,
        "event": event,
        "timestamp": timestamp,
        "properties": properties,
    }
    if user_id is not None:
        msg["userId"] = user_id
    if anonymous_id is not None:
        msg["anonymousId"] = anonymous_id
    return msg
