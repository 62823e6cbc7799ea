"""Personal survey links: a row per link and a signed token naming it (single use, expiry)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, func, select

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import Database, table
from cxm.core.errors import Fault, NotFound, ValidationError
from cxm.ingest.models import Event, Location, Order, Touchpoint
from cxm.surveys.definition import LINKED_HIDDEN
from cxm.surveys.models import Answer, Response, Survey, SurveyLink, SurveyVersion

SALT = "cxm-survey-link"
DEFAULT_DAYS = 30


class LinkProblem(Exception):
    """A link that cannot be answered: ``reason`` is unknown, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkRequest:
    """What a personal link is about: the customer and the journey moment being asked about."""

    customer_id: int | None = None
    order: str | None = None
    store: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    event: str | None = None
    language: str | None = None
    hidden: dict[str, str] | None = None
    # Already-known row ids (a trigger reads them off the event): no lookup by code.
    order_id: int | None = None
    location_id: int | None = None
    touchpoint_id: int | None = None
    event_id: int | None = None


def sign(secret: str, link_id: int) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps(link_id)


def unsign(secret: str, token: str) -> int:
    try:
        value = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature as exc:
        raise LinkProblem("unknown") from exc
    if not isinstance(value, int):
        raise LinkProblem("unknown")
    return value


def _lookup(
    conn: Connection, org_id: int, model: Any, column: Any, value: str | None
) -> int | None:
    if value is None:
        return None
    t = table(model)
    found = conn.execute(
        select(t.c.id).where(t.c.organization_id == org_id, t.c[column] == value)
    ).scalar()
    if found is None:
        raise ValidationError(
            f"Unknown {column.replace('_', ' ')} {value!r}.",
            [
                Fault(
                    f"unknown {value!r}",
                    {"external_id": "order", "message_id": "event"}.get(column, column),
                )
            ],
        )
    return int(found)


def create_links(
    db: Database,
    org_id: int,
    code: str,
    requests: list[LinkRequest],
    secret: str,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> list[tuple[int, str]]:
    """New links for a survey: (link id, token) per request, in order."""
    with db.writer() as conn:
        ids = insert_links(conn, org_id, code, requests, days, now or datetime.now(UTC))
    return [(i, sign(secret, i)) for i in ids]


def insert_links(
    conn: Connection,
    org_id: int,
    code: str,
    requests: list[LinkRequest],
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> list[int]:
    """New link rows in the caller's transaction; their ids, in order (sign them to send)."""
    now = now or datetime.now(UTC)
    survey_id = conn.execute(
        select(table(Survey).c.id).where(
            table(Survey).c.organization_id == org_id, table(Survey).c.code == code
        )
    ).scalar()
    if survey_id is None:
        raise NotFound(f"No survey {code!r}.")
    rows = []
    for r in requests:
        extra = {k: v for k, v in (r.hidden or {}).items() if k not in LINKED_HIDDEN}
        rows.append(
            {
                "organization_id": org_id,
                "survey_id": survey_id,
                "customer_id": r.customer_id,
                "order_id": r.order_id
                if r.order_id is not None
                else _lookup(conn, org_id, Order, "external_id", r.order),
                "location_id": r.location_id
                if r.location_id is not None
                else _lookup(conn, org_id, Location, "code", r.store),
                "touchpoint_id": r.touchpoint_id
                if r.touchpoint_id is not None
                else _lookup(conn, org_id, Touchpoint, "code", r.touchpoint),
                "event_id": r.event_id
                if r.event_id is not None
                else _lookup(conn, org_id, Event, "message_id", r.event),
                "channel": r.channel,
                "language": r.language,
                "hidden": extra,
                "created_at": now,
                "expires_at": now + timedelta(days=days),
            }
        )
    return insert_returning_ids(conn, table(SurveyLink), rows)


@dataclass(frozen=True)
class LinkState:
    link: SurveyLink
    response_id: int | None  # the link's response, partial, if it was started
    version_id: int  # the version it answers: its response's, else the survey's newest
    survey_status: str
    next_page: str | None = None
    answers: list[tuple[str, str, float | None, str | None]] = field(default_factory=list)


def link_state(db: Database, secret: str, token: str, now: datetime | None = None) -> LinkState:
    """Everything a personal page needs about its link, read at once.

    Raises LinkProblem: unknown (bad signature or no such link), used (already answered) or
    expired.
    """
    now = now or datetime.now(UTC)
    link_id = unsign(secret, token)
    rt, vt, st = table(Response), table(SurveyVersion), table(Survey)
    with db.session() as s:
        link = s.get(SurveyLink, link_id)
        if link is None:
            raise LinkProblem("unknown")
        response = s.execute(
            select(rt.c.id, rt.c.status, rt.c.version_id, rt.c.next_page).where(
                rt.c.link_id == link_id
            )
        ).first()
        answers: list[tuple[str, str, float | None, str | None]] = []
        if response is not None and response[1] != "complete":
            at = table(Answer)
            answers = [
                (str(a[0]), str(a[1]), a[2], a[3])
                for a in s.execute(
                    select(at.c.question, at.c.kind, at.c.value, at.c.text)
                    .where(at.c.response_id == response[0])
                    .order_by(at.c.id)
                )
            ]
        status = s.execute(select(st.c.status).where(st.c.id == link.survey_id)).scalar_one()
        version_id = (
            response[2]
            if response is not None
            else s.execute(
                select(func.max(vt.c.id)).where(vt.c.survey_id == link.survey_id)
            ).scalar()
        )
    if response is not None and response[1] == "complete":
        raise LinkProblem("used")
    expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=UTC)
    if expires <= now:
        raise LinkProblem("expired")
    if version_id is None:
        raise LinkProblem("unknown")
    rid = int(response[0]) if response is not None else None
    next_page = response[3] if response is not None else None
    return LinkState(link, rid, int(version_id), str(status), next_page, answers)


def open_link(db: Database, secret: str, token: str, now: datetime | None = None) -> SurveyLink:
    """The link a token names, or LinkProblem: unknown, expired, or used (already answered)."""
    return link_state(db, secret, token, now).link
