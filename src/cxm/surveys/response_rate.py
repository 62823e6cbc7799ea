"""Response rates per survey and period: invitations answered of those sent, and for anonymous
links (QR codes, the widget, shared links) responses against page views, with Wilson intervals.

An invitation counts in the period it was sent and as answered when its personal link's
response is complete (whenever that happened). A view counts in the day it was counted; an
anonymous response in the day it was started, as answered when complete. Days, weeks and
months are the organization's, in its time zone, as for every other KPI.

Broken down by store, invitations count under their link's store, anonymous views under the
store their link named (a counter QR code's) and anonymous answers under their response's
store; ``(no store)`` holds the rest; by region, the same by the store's region. By
touchpoint, stage, channel and language, invitations count under their personal link's
(the experience the survey asks about), by segment under their customer's, ``(unknown)``
where it has none; anonymous links carry none of these, so their views and answers make one
``(anonymous links)`` row. By trigger, invitations count under the trigger that
sent them, ``(recurring)`` for a recurring survey's runs and ``(by hand)`` for the rest;
anonymous links belong to no trigger, so their views and answers make one ``(anonymous
links)`` row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import BigInteger, Integer, and_, case, cast, func, literal, select

from cxm.core.db import Database, table
from cxm.core.models import Organization
from cxm.ingest.models import Customer, Location, Touchpoint
from cxm.surveys.models import Invitation, PageView, Response, Survey, SurveyLink, Trigger

Period = Literal["day", "week", "month", "all"]
Breakdown = Literal[
    "store", "region", "trigger", "channel", "touchpoint", "stage", "language", "segment"
]
BREAKDOWNS: tuple[str, ...] = get_args(Breakdown)
ANONYMOUS = "(anonymous links)"
NO_STORE = "(no store)"
UNKNOWN = "(unknown)"


class RateRow(BaseModel):
    survey: str
    period: str
    key: str = "all"  # the store or trigger of a breakdown
    sent: int  # invitations sent
    answered: int  # of those, with a complete response
    rate: float | None
    rate_low: float | None  # 95% Wilson interval
    rate_high: float | None
    views: int  # first looks at anonymous links
    anonymous_responses: int  # complete responses through anonymous links
    view_rate: float | None
    view_rate_low: float | None
    view_rate_high: float | None


def label(day: date, by: str) -> str:
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{day.year}-{day.month:02d}"
    return "all"


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


QUARTER = 900  # seconds; every time zone's offset is a whole number of quarter hours


def _quarter(column: Any, dialect: str) -> Any:
    """The quarter hour (UTC, counted from 1970) a stored time falls in: rows are grouped by
    it, so each group lies within one day of any time zone."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / QUARTER), BigInteger)
    return cast(func.strftime("%s", column), Integer) / QUARTER


def _local_day(quarter: Any, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(int(quarter) * QUARTER, UTC).astimezone(zone).date()


def _share(k: int, n: int) -> tuple[float | None, float | None, float | None]:
    if n == 0:
        return None, None, None
    from statsmodels.stats.proportion import proportion_confint  # slow to import: when needed

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return k / n, float(low), float(high)


def response_rates(
    db: Database,
    org_id: int,
    survey: str | None = None,
    by: Period = "month",
    start: date | None = None,
    end: date | None = None,
    breakdown: Breakdown | None = None,
) -> list[RateRow]:
    """One row per survey and period (and breakdown key, with ``breakdown``) with
    invitations sent, page views or anonymous answers."""
    it, rt, st, vt = table(Invitation), table(Response), table(Survey), table(PageView)
    where = [st.c.organization_id == org_id]
    if survey is not None:
        where.append(st.c.code == survey)
    dialect = db.engine.dialect.name
    sent_day = _quarter(it.c.created_at, dialect)
    joined = (
        it.join(st, st.c.id == it.c.survey_id)
        .outerjoin(rt, and_(rt.c.link_id == it.c.link_id, rt.c.status == "complete"))
    )  # fmt: skip
    key: Any = literal("all")
    lt = table(SurveyLink)
    if breakdown in ("store", "region"):
        loc = table(Location)
        joined = joined.outerjoin(lt, lt.c.id == it.c.link_id).outerjoin(
            loc, loc.c.id == lt.c.location_id
        )
        key = func.coalesce(loc.c.code if breakdown == "store" else loc.c.region, NO_STORE)
    elif breakdown in ("touchpoint", "stage"):
        tp = table(Touchpoint)
        joined = joined.outerjoin(lt, lt.c.id == it.c.link_id).outerjoin(
            tp, tp.c.id == lt.c.touchpoint_id
        )
        key = func.coalesce(tp.c.code if breakdown == "touchpoint" else tp.c.stage, UNKNOWN)
    elif breakdown in ("channel", "language"):
        joined = joined.outerjoin(lt, lt.c.id == it.c.link_id)
        key = func.coalesce(lt.c[breakdown], UNKNOWN)
    elif breakdown == "segment":
        ct = table(Customer)
        joined = joined.outerjoin(ct, ct.c.id == it.c.customer_id)
        key = func.coalesce(ct.c.segment, UNKNOWN)
    elif breakdown == "trigger":
        tt = table(Trigger)
        joined = joined.outerjoin(tt, tt.c.id == it.c.trigger_id)
        key = case(
            (tt.c.code.is_not(None), tt.c.code),
            (it.c.schedule_id.is_not(None), "(recurring)"),
            else_="(by hand)",
        )
    # PostgreSQL refuses a constant in GROUP BY: the key is grouped by only when it varies.
    grouped = (st.c.code, sent_day, key) if breakdown else (st.c.code, sent_day)
    invited = (
        select(st.c.code, sent_day, key, func.count(), func.count(rt.c.id))
        .select_from(joined)
        .where(*where, it.c.status == "sent")
        .group_by(*grouped)
    )

    # Views know only their link's store: by region they count under the store's region.
    vloc = table(Location).alias("viewed_at")
    view_place = vloc.c.region if breakdown == "region" else vt.c.store
    viewed = (
        select(st.c.code, vt.c.day, view_place, func.sum(vt.c["count"]))
        .select_from(
            vt.join(st, st.c.id == vt.c.survey_id).outerjoin(
                vloc, and_(vloc.c.organization_id == org_id, vloc.c.code == vt.c.store)
            )
        )
        .where(*where)
        .group_by(st.c.code, vt.c.day, view_place)
    )
    started_day = _quarter(rt.c.started_at, dialect)
    at = table(Location).alias("answered_at")
    answer_place = at.c.region if breakdown == "region" else at.c.code
    anonymous = (
        select(st.c.code, started_day, answer_place, func.count())
        .select_from(
            rt.join(st, st.c.id == rt.c.survey_id).outerjoin(at, at.c.id == rt.c.location_id)
        )  # fmt: skip
        .where(*where, rt.c.link_id.is_(None), rt.c.status == "complete")
        .group_by(st.c.code, started_day, answer_place)
    )

    def other(store: str | None) -> str:
        """The row of anonymous views and answers (``store``: their store or region)."""
        if breakdown in ("store", "region"):
            return store or NO_STORE
        return ANONYMOUS if breakdown else "all"

    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def keep(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    with db.engine.connect() as conn:
        zone = ZoneInfo(
            conn.execute(
                select(table(Organization).c.timezone).where(table(Organization).c.id == org_id)
            ).scalar()
            or "UTC"
        )
        for code, quarter, group, n, done in conn.execute(invited):
            if keep(d := _local_day(quarter, zone)):
                row = totals[(str(code), label(d, by), str(group))]
                row[0] += int(n)
                row[1] += int(done)
        for code, day, store, n in conn.execute(viewed):
            if keep(d := _day(day)):
                totals[(str(code), label(d, by), other(store))][2] += int(n or 0)
        for code, quarter, store, n in conn.execute(anonymous):
            if keep(d := _local_day(quarter, zone)):
                totals[(str(code), label(d, by), other(store))][3] += int(n)
    out = []
    for (code, period, group), (sent, answered, views, anon) in sorted(totals.items()):
        rate, low, high = _share(answered, sent)
        # More anonymous answers than counted views (e.g. views before counting began) cap at 1.
        vrate, vlow, vhigh = _share(min(anon, views), views)
        out.append(RateRow(survey=code, period=period, key=group, sent=sent,
                           answered=answered, rate=rate, rate_low=low, rate_high=high,
                           views=views, anonymous_responses=anon, view_rate=vrate,
                           view_rate_low=vlow, view_rate_high=vhigh))  # fmt: skip
    return out
