"""The emotion curve: what customers felt at each journey stage (or channel), side by side
with how they rated it.

A comment belongs to the stage of its touchpoint when it names one; otherwise to the stage of
the customer's last mapped event in the ``lookback_days`` before they wrote (what they had
just been through), else to "unknown". Each stage gets the comments' mean sentiment score
(-1 to 1, from the newest enrichment), the share that are negative and the share showing
each emotion, and the NPS of the survey answers given at that stage's touchpoints, each
with its n and interval.

The journey filters narrow both to customers: those in a segment, those whose latest NPS
answer is in an outcome group, and those with a journey in the period that touches a store,
has an event in a channel or starts at a touchpoint (journeys as on the journey map).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

import ibis
from ibis import _

from cxm.analytics import stats
from cxm.analytics.backend import Analytics
from cxm.analytics.journeys import JourneyQuery, journey_events, people
from cxm.core.errors import ValidationError
from cxm.ingest.models import CHANNELS, STAGES
from cxm.text.labels import ALL_EMOTIONS

LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class CurvePoint:
    key: str  # a stage or a channel
    comments: int
    sentiment: stats.Estimate  # mean sentiment score, -1 to 1
    negative: stats.Estimate  # share of negative comments
    emotions: dict[str, float] = field(default_factory=dict)  # share showing each emotion
    nps: stats.Estimate | None = None

    def as_dict(self) -> dict[str, Any]:
        s, n = self.sentiment, self.negative
        return {
            "key": self.key,
            "comments": self.comments,
            "sentiment": s.value,
            "sentiment_margin": s.margin,
            "negative_share": n.value,
            "negative_low": n.low,
            "negative_high": n.high,
            "emotions": self.emotions,
            "nps": self.nps.value if self.nps else None,
            "nps_margin": self.nps.margin if self.nps else None,
            "nps_n": self.nps.n if self.nps else 0,
            "small_sample": s.small_sample,
        }


def _persons(con: Any, org_id: int, q: JourneyQuery | None, portable: bool = False) -> Any:
    """The customers (an Ibis table of ``who``) the journey filters allow; None for all.
    ``portable`` finds the journeys with window functions (any engine) instead of the
    embedded one-pass path."""
    if q is None:
        return None
    if (q.store or q.channel or q.first) and portable:
        from cxm.analytics.portable import journey_table

        return journey_table(con, org_id, q).select(who=_.person).distinct()
    if q.store or q.channel or q.first:
        frame = journey_events(con, org_id, q)
        who = frame["person"].unique().to_list() if frame.height else []
        return ibis.memtable({"who": who}, schema={"who": "int64"})
    if q.picks_people:
        return people(con, org_id, q)
    return None


def _comments(con: Any, org_id: int, since: datetime | None, until: datetime | None) -> Any:
    fb = con.table("feedback").filter(_.organization_id == org_id)
    if since:
        fb = fb.filter(fb.occurred_at_local >= since)
    if until:
        fb = fb.filter(fb.occurred_at_local < until)
    enriched = con.table("text_enrichment").filter(_.organization_id == org_id)
    newest = enriched.group_by("feedback_id").aggregate(newest=_.id.max())
    reading = enriched.join(newest, enriched.id == newest.newest).select(
        fid=_.feedback_id, sentiment=_.sentiment, score=_.sentiment_score, labels=_.labels
    )
    customers = con.table("customer").select(cid=_.id, person=_.merged_into.fill_null(_.id))
    touchpoints = con.table("touchpoint").select(tp=_.id, own_stage=_.stage)
    t = fb.join(reading, fb.id == reading.fid)
    t = t.left_join(touchpoints, t.touchpoint_id == touchpoints.tp)
    t = t.left_join(customers, t.customer_id == customers.cid)
    return t.select(
        "id", "channel", "occurred_at", "own_stage", "person", "sentiment", "score", "labels"
    )


def _with_stage(con: Any, org_id: int, comments: Any, lookback_days: int) -> Any:
    """Each comment's stage: its touchpoint's, or the customer's last event's before it.

    Written with window functions only (Spark has no as-of join): the customer's mapped
    events are numbered in their order (time, then event id), comments and events are put in
    one time line per customer, and a running count of events gives each comment the
    number of the last event up to it, joined back to that event. An event at the same
    instant as the comment counts as before it; of several events at one instant the one
    with the highest id (the last to arrive) is the last.
    """
    customers = con.table("customer").select(cid=_.id, person=_.merged_into.fill_null(_.id))
    touchpoints = con.table("touchpoint").select(tp=_.id, stage=_.stage)
    anonymous = comments.filter(comments.own_stage.isnull() & comments.person.notnull())
    ev = con.table("event").filter((_.organization_id == org_id) & _.touchpoint_id.notnull())
    ev = ev.join(customers, ev.customer_id == customers.cid)
    writers = anonymous.select(writer=_.person).distinct()
    ev = ev.semi_join(writers, ev.person == writers.writer)
    ev = ev.join(touchpoints, ev.touchpoint_id == touchpoints.tp)
    in_order = ibis.window(group_by=ev.person, order_by=[ev.occurred_at, ev.id])
    ev = ev.select(
        ev_person=ev.person,
        ev_at=ev.occurred_at,
        ev_stage=ev.stage,
        ev_n=ibis.row_number().over(in_order).cast("int64"),
    )
    line = ev.select(
        who=ev.ev_person, at=ev.ev_at, first=ibis.literal(0, "int64"),
        seq=ev.ev_n, is_event=ibis.literal(1, "int64"),
    ).union(
        anonymous.select(
            who=_.person, at=_.occurred_at, first=ibis.literal(1, "int64"),
            seq=_.id.cast("int64"), is_event=ibis.literal(0, "int64"),
        )
    )  # fmt: skip
    so_far = ibis.cumulative_window(group_by=line.who, order_by=[line.at, line.first, line.seq])
    line = line.mutate(events=line.is_event.sum().over(so_far))
    placed = line.filter((line.is_event == 0) & (line.events > 0))
    placed = placed.select(inf_id=_.seq, inf_who=_.who, inf_at=_.at, last_n=_.events - 1)
    matched = placed.join(ev, (placed.inf_who == ev.ev_person) & (placed.last_n == ev.ev_n))
    recent = matched.ev_at >= matched.inf_at - ibis.interval(days=lookback_days)
    inferred = matched.select(
        "inf_id", inferred=ibis.ifelse(recent, matched.ev_stage, ibis.null("string"))
    )
    t = comments.left_join(inferred, comments.id == inferred.inf_id)
    return t.mutate(stage=t.own_stage.fill_null(t.inferred).fill_null("unknown")).drop(
        "inf_id", "inferred"
    )


def stage_comments(
    con: Any,
    org_id: int,
    since: datetime | None,
    until: datetime | None,
    journeys: JourneyQuery | None = None,
    lookback_days: int = LOOKBACK_DAYS,
    portable: bool = False,
) -> Any:
    """The enriched comments in [since, until) with their ``stage`` (as on the curve), of
    the customers ``journeys`` allows: id, channel, occurred_at, person, sentiment, score
    and labels (an Ibis table; ``portable``: on any engine)."""
    persons = _persons(con, org_id, journeys, portable)
    comments = _comments(con, org_id, since, until)
    if persons is not None:
        comments = comments.semi_join(persons, comments.person == persons.who)
    return _with_stage(con, org_id, comments, lookback_days)


def comment_stages(con: Any, org_id: int, lookback_days: int = LOOKBACK_DAYS) -> Any:
    """Every comment's ``stage`` by the curve's rule, enriched or not (an Ibis table of
    ``id`` and ``stage``; "unknown" where no rule gives one)."""
    fb = con.table("feedback").filter(_.organization_id == org_id)
    customers = con.table("customer").select(cid=_.id, person=_.merged_into.fill_null(_.id))
    touchpoints = con.table("touchpoint").select(tp=_.id, own_stage=_.stage)
    t = fb.left_join(touchpoints, fb.touchpoint_id == touchpoints.tp)
    t = t.left_join(customers, t.customer_id == customers.cid)
    comments = t.select("id", "occurred_at", "own_stage", "person")
    return _with_stage(con, org_id, comments, lookback_days).select("id", "stage")


def _nps_by(
    con: Any, org_id: int, by: str, since: Any, until: Any, persons: Any = None
) -> dict[str, stats.Estimate]:
    answers = con.table("survey_answer").filter((_.organization_id == org_id) & (_.kind == "nps"))
    responses = con.table("survey_response").filter(_.status == "complete")
    if since:
        responses = responses.filter(responses.completed_at_local >= since)
    if until:
        responses = responses.filter(responses.completed_at_local < until)
    touchpoints = con.table("touchpoint").select(tp=_.id, stage=_.stage)
    if persons is not None:
        customers = con.table("customer").select(cid=_.id, who=_.merged_into.fill_null(_.id))
        allowed = customers.semi_join(persons, customers.who == persons.who)
        responses = responses.semi_join(allowed, responses.customer_id == allowed.cid)
    t = answers.join(responses, answers.response_id == responses.id)
    t = t.left_join(touchpoints, t.touchpoint_id == touchpoints.tp)
    key = t.stage.fill_null("unknown") if by == "stage" else t.channel.fill_null("unknown")
    rows = (
        t.group_by(key=key)
        .aggregate(
            p=(t.value >= 9).cast("int64").sum(),
            d=(t.value <= 6).cast("int64").sum(),
            n=t.value.count(),
        )
        .to_pyarrow()
        .to_pylist()
    )
    return {str(r["key"]): stats.nps(r["p"], r["n"] - r["p"] - r["d"], r["d"]) for r in rows}


def curve_query(
    by: str, since: Any, until: Any, lookback_days: int, journeys: JourneyQuery | None
) -> tuple[datetime | None, datetime | None, JourneyQuery | None]:
    """Checks the curve's parameters; its [start, end) times and journey filters."""
    if by not in ("stage", "channel"):
        raise ValidationError(f"by must be stage or channel, not {by!r}")
    if not 1 <= lookback_days <= 90:
        raise ValidationError("lookback_days must lie between 1 and 90")
    start = datetime.combine(since, time()) if since else None
    end = datetime.combine(until + timedelta(days=1), time()) if until else None
    if journeys is not None:
        journeys = replace(journeys, since=since, until=until)
        journeys.check()
    return start, end, journeys


def emotion_curve(
    analytics: Analytics,
    org_id: int,
    by: str = "stage",
    since: Any = None,
    until: Any = None,
    lookback_days: int = LOOKBACK_DAYS,
    journeys: JourneyQuery | None = None,
) -> list[CurvePoint]:
    """One point per stage (in journey order) or channel, for comments in [since, until];
    ``journeys`` (its segment, channel, store, first touchpoint and outcome; the dates and gap
    of its journeys are ``since``, ``until`` and its ``gap_days``) narrows them to customers."""
    start, end, journeys = curve_query(by, since, until, lookback_days, journeys)
    with analytics.fresh() as con:
        return curve_points(con, org_id, by, start, end, lookback_days, journeys)


def portable_emotion_curve(
    con: Any,
    org_id: int,
    by: str = "stage",
    since: Any = None,
    until: Any = None,
    lookback_days: int = LOOKBACK_DAYS,
    journeys: JourneyQuery | None = None,
) -> list[CurvePoint]:
    """``emotion_curve`` on any Ibis connection (DuckDB, PySpark): the same points."""
    start, end, journeys = curve_query(by, since, until, lookback_days, journeys)
    return curve_points(con, org_id, by, start, end, lookback_days, journeys, portable=True)


def curve_points(
    con: Any,
    org_id: int,
    by: str,
    start: datetime | None,
    end: datetime | None,
    lookback_days: int,
    journeys: JourneyQuery | None,
    portable: bool = False,
) -> list[CurvePoint]:
    """The curve's points for comments in [start, end) (parameters as ``curve_query``
    checks them)."""
    persons = _persons(con, org_id, journeys, portable)
    comments = _comments(con, org_id, start, end)
    if persons is not None:
        comments = comments.semi_join(persons, comments.person == persons.who)
    if by == "stage":
        comments = _with_stage(con, org_id, comments, lookback_days)
        key = comments.stage
    else:
        key = comments.channel.fill_null("unknown")
    per_emotion = {
        e: (" " + comments.labels + " ").contains(f" {e} ").cast("int64").sum()
        for e in ALL_EMOTIONS
    }
    rows = (
        comments.group_by(key=key)
        .aggregate(
            n=comments.count(),
            total=comments.score.sum(),
            total_sq=(comments.score * comments.score).sum(),
            negative=(comments.sentiment == "negative").cast("int64").sum(),
            **per_emotion,
        )
        .to_pyarrow()
        .to_pylist()
    )
    nps = _nps_by(con, org_id, by, start, end, persons)
    order = {k: i for i, k in enumerate((*STAGES, *CHANNELS, "unknown"))}
    points = [
        CurvePoint(
            str(r["key"]),
            int(r["n"]),
            stats.mean_from_moments(int(r["n"]), float(r["total"]), float(r["total_sq"])),
            stats.proportion(int(r["negative"]), int(r["n"])),
            {e: int(r[e]) / int(r["n"]) for e in ALL_EMOTIONS},
            nps.get(str(r["key"])),
        )
        for r in rows
    ]
    return sorted(points, key=lambda p: (order.get(p.key, 99), p.key))
