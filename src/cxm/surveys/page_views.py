"""Views of anonymous survey pages, counted without slowing them: one counter upsert per view.

A view is a first look at an anonymous link (no response of this respondent yet), counted per
survey, day (the organization's, in its time zone), source: ``qr`` (a counter code: a
store and channel ``store``), ``widget`` (the website widget) or ``link``, and store (the
location code the link names, when it is one of the organization's, else ""). Nothing about
the visitor is read or stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from cxm.core.bulk import dialect_insert
from cxm.core.db import Database, table
from cxm.core.models import Organization
from cxm.surveys.models import PageView, Survey

SOURCES = ("link", "qr", "widget")


def source_of(query: dict[str, str]) -> str:
    if query.get("via") == "widget":
        return "widget"
    if query.get("store") and query.get("channel") == "store":
        return "qr"
    return "link"


def count_view(
    db: Database, survey_id: int, source: str, day: date | None = None,
    now: datetime | None = None, store: str = "",
) -> None:  # fmt: skip
    """Count one view on ``day``, by default the organization's day at ``now``."""
    t, st, ot = table(PageView), table(Survey), table(Organization)
    if day is None:  # read before taking the write lock, which is held for the upsert only
        with db.engine.connect() as conn:
            zone = conn.execute(
                select(ot.c.timezone).join(st, st.c.organization_id == ot.c.id)
                .where(st.c.id == survey_id)
            ).scalar()  # fmt: skip
        day = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone or "UTC")).date()
    with db.writer() as conn:
        stmt = dialect_insert(conn, t).values(
            survey_id=survey_id, day=day, source=source, store=store[:64], count=1
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.c.survey_id, t.c.day, t.c.source, t.c.store],
                set_={"count": t.c["count"] + 1},
            )
        )
