"""Views of anonymous survey pages, counted without slowing them: one counter upsert per view.

A view is a first look at an anonymous link (no response of this respondent yet), counted per
survey, day and source: ``qr`` (a counter code: a store and channel ``store``), ``widget``
(the website widget) or ``link``. Nothing about the visitor is read or stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from cxm.core.bulk import dialect_insert
from cxm.core.db import Database, table
from cxm.surveys.models import PageView

SOURCES = ("link", "qr", "widget")


def source_of(query: dict[str, str]) -> str:
    if query.get("via") == "widget":
        return "widget"
    if query.get("store") and query.get("channel") == "store":
        return "qr"
    return "link"


def count_view(db: Database, survey_id: int, source: str, day: date | None = None) -> None:
    t = table(PageView)
    with db.writer() as conn:
        stmt = dialect_insert(conn, t).values(
            survey_id=survey_id, day=day or datetime.now(UTC).date(), source=source, count=1
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.c.survey_id, t.c.day, t.c.source],
                set_={"count": t.c["count"] + 1},
            )
        )
