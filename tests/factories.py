"""Builders for test data that go through cxm's own services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from cxm.core.auth import create_api_key, get_or_create_organization
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.ingest.models import Location
from cxm.surveys.models import Answer, Response, Survey, SurveyVersion


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


def _survey(conn: Connection, org: int, code: str, mark: int) -> tuple[int, int]:
    found = conn.execute(select(table(Survey).c.id).where(table(Survey).c.code == code)).scalar()
    if found is not None:
        vid = conn.execute(
            select(table(SurveyVersion).c.id).where(table(SurveyVersion).c.survey_id == found)
        ).scalar_one()
        return int(found), int(vid)
    sid = insert_returning_ids(
        conn,
        table(Survey),
        [{"organization_id": org, "code": code, "name": code, "kind": "transactional",
          "status": "live", "sync_mark": mark}],
    )[0]  # fmt: skip
    vid = insert_returning_ids(
        conn,
        table(SurveyVersion),
        [{"survey_id": sid, "number": 1, "definition": {"questions": []},
          "created_at": datetime(2025, 1, 1, tzinfo=UTC)}],
    )[0]  # fmt: skip
    return sid, vid


def survey_answers(
    db: Database,
    org: int,
    when: datetime,
    kind: str,
    values: list[int],
    channel: str = "web",
    location_id: int | None = None,
    survey: str = "s",
    customer_id: int | None = None,
    order_id: int | None = None,
) -> None:
    """Complete responses with one answer each (``kind``: nps, csat, ces, enps), committed."""
    with db.writer() as conn:
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, survey, mark)
        ids = insert_returning_ids(
            conn,
            table(Response),
            [
                {"organization_id": org, "survey_id": sid, "version_id": vid,
                 "channel": channel, "location_id": location_id, "status": "complete",
                 "customer_id": customer_id, "order_id": order_id,
                 "started_at": when, "completed_at": when, "sync_mark": mark}
                for _ in values
            ],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [
                {"organization_id": org, "response_id": rid, "question": kind, "kind": kind,
                 "value": float(v), "text": None, "sync_mark": mark}
                for rid, v in zip(ids, values, strict=True)
            ],
        )  # fmt: skip


def store_location(db: Database, org: int, code: str) -> int:
    with db.writer() as conn:
        return insert_returning_ids(
            conn,
            table(Location),
            [{"organization_id": org, "code": code, "name": code, "kind": "store",
              "city": "Lviv", "region": "Lviv Oblast", "sync_mark": change_mark(conn)}],
        )[0]  # fmt: skip
