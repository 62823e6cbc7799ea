"""Emotion friction: journey stages whose comments are significantly more negative than the
comments at the other stages, and the comments behind one of them.

Comments and their stages are read as the emotion curve reads them
(``emotion_curve.stage_comments``: the newest text enrichment of each comment; a comment's
stage is its touchpoint's, else the stage of the customer's last event in the fortnight
before it). Comments of no known stage are left out. Each stage's share of negative
comments is compared with the pooled comments of every other stage (two-proportion z test,
Benjamini-Hochberg over all the stages); it is friction when its share is higher and the
adjusted p-value is under 0.05.

Customers affected are the distinct customers who commented at the stage. The score is the
customers estimated to be unhappy there beyond a typical stage: customers affected x (its
negative share - the others'). Comments are a sample of who writes, not of everyone who
passed the stage, and the score is not in NPS points, so it is ranked on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis

from cxm.analytics import stats
from cxm.analytics.emotion_curve import stage_comments
from cxm.analytics.friction_evidence import SHOWN, EvidenceComment, FrictionEvidence
from cxm.analytics.journeys import JourneyQuery
from cxm.analytics.periods import day_bounds
from cxm.ingest.models import STAGES
from cxm.text.labels import ALL_EMOTIONS

PREFIX = "emotion:"  # friction evidence names a stage's comments emotion:<stage>


@dataclass(frozen=True)
class EmotionPoint:
    stage: str
    score: float | None  # customers unhappy beyond a typical stage (None: not friction)
    customers: int  # distinct customers who commented at the stage
    comments: int
    negative: int
    negative_share: float
    negative_low: float | None  # Wilson 95% interval
    negative_high: float | None
    others_negative_share: float | None
    sentiment: float | None  # mean sentiment score, -1 to 1, with its 95% interval
    sentiment_low: float | None
    sentiment_high: float | None
    top_emotion: str | None  # the emotion most often read at the stage
    top_emotion_share: float | None
    p_value: float | None  # against the other stages, Benjamini-Hochberg adjusted
    harmful: bool = False
    note: str | None = None


@dataclass(frozen=True)
class EmotionList:
    points: list[EmotionPoint] = field(default_factory=list)
    comments: int = 0
    message: str | None = None


@dataclass(frozen=True)
class StageSums:
    comments: int
    negative: int
    customers: int
    total: float
    total_sq: float
    emotions: dict[str, int] = field(default_factory=dict)


def _journeys(
    store: str | None, channel: str | None, since: Any, until: Any, segment: str | None = None
) -> Any:
    if not store and not channel and not segment:
        return None
    q = JourneyQuery(store=store, channel=channel, since=since, until=until, segment=segment)
    q.check()
    return q


def _comments(
    con: Any,
    org_id: int,
    store: str | None,
    channel: str | None,
    since: Any,
    until: Any,
    segment: str | None = None,
    persons: list[int] | None = None,
    portable: bool = False,
) -> Any:
    """The comments at a known stage (``portable``: placed by any engine, journeys by window
    functions; else as the embedded store places them)."""
    start, end = day_bounds(since, until)
    journeys = _journeys(store, channel, since, until, segment)
    t = stage_comments(con, org_id, start, end, journeys, portable=portable)
    if persons is not None:
        who = ibis.memtable({"who": persons}, schema={"who": "int64"})
        t = t.semi_join(who, t.person == who.who)
    return t.filter(t.stage != "unknown")


def _sums(t: Any) -> dict[str, StageSums]:
    per_emotion = {
        e: (" " + t.labels.fill_null("") + " ").contains(f" {e} ").cast("int64").sum()
        for e in ALL_EMOTIONS
    }
    rows = (
        t.group_by("stage")
        .aggregate(
            n=t.count(),
            negative=(t.sentiment == "negative").cast("int64").sum(),
            customers=t.person.nunique(),
            total=t.score.fill_null(0).sum(),
            total_sq=(t.score * t.score).fill_null(0).sum(),
            **per_emotion,
        )
        .to_pyarrow()
        .to_pylist()
    )
    return {
        str(r["stage"]): StageSums(
            int(r["n"]),
            int(r["negative"] or 0),
            int(r["customers"] or 0),
            float(r["total"] or 0),
            float(r["total_sq"] or 0),
            {e: int(r[e] or 0) for e in ALL_EMOTIONS},
        )  # fmt: skip
        for r in rows
    }


def rank_stages(sums: dict[str, StageSums]) -> list[EmotionPoint]:
    """Each stage's negative share against the other stages' pooled comments, by score."""
    order = {s: i for i, s in enumerate(STAGES)}
    names = sorted(sums, key=lambda s: (order.get(s, 99), s))
    rest = {
        k: (
            sum(v.negative for j, v in sums.items() if j != k),
            sum(v.comments for j, v in sums.items() if j != k),
        )
        for k in names
    }
    changes = {
        k: stats.compare_proportions(rest[k][0], rest[k][1], sums[k].negative, sums[k].comments)
        for k in names
    }
    adjusted = dict(zip(names, stats.adjust([changes[k].p_value for k in names]), strict=True))
    out: list[EmotionPoint] = []
    for k in names:
        s, (others_neg, others_n), p = sums[k], rest[k], adjusted[k]
        share = stats.proportion(s.negative, s.comments)
        others = others_neg / others_n if others_n else None
        diff = changes[k].difference
        harm = diff is not None and diff > 0 and p is not None and p < 0.05
        mood = stats.mean_from_moments(s.comments, s.total, s.total_sq)
        top = Counter(s.emotions).most_common(1)
        top_emotion = top[0][0] if top and top[0][1] else None
        note = None
        if not others_n:
            note = "no other stage to compare with"
        elif not harm:
            note = "not significantly more negative than the other stages"
        out.append(
            EmotionPoint(
                k,
                s.customers * diff if harm and diff is not None else None,
                s.customers,
                s.comments,
                s.negative,
                share.value or 0.0,
                share.low,
                share.high,
                others,
                mood.value,
                mood.low,
                mood.high,
                top_emotion,
                top[0][1] / s.comments if top_emotion and s.comments else None,
                p,
                harm,
                note,
            )  # fmt: skip
        )
    out.sort(key=lambda e: (e.score is None, -(e.score or 0.0), -e.negative_share, e.stage))
    return out


def negative_emotion(
    con: Any,
    org_id: int,
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = None,
    persons: list[int] | None = None,
) -> EmotionList:
    """Stages ranked by customers unhappy there beyond a typical stage (``con``: synced Ibis
    DuckDB); ``store`` and ``channel`` keep the customers with a journey touching them,
    ``persons`` these customers (merged counted as one)."""
    sums = _sums(_comments(con, org_id, store, channel, since, until, segment, persons))
    if not sums:
        return EmotionList(message="No enriched comments at a known stage match these filters.")
    return EmotionList(rank_stages(sums), sum(s.comments for s in sums.values()))


def emotion_evidence(
    con: Any,
    org_id: int,
    stage: str,
    store: str | None,
    since: Any,
    until: Any,
    segment: str | None = None,
    persons: list[int] | None = None,
    portable: bool = False,
) -> FrictionEvidence:
    """The negative comments at ``stage`` (newest first) and the customers who wrote them
    (``portable``: found by any Ibis engine, e.g. PySpark)."""
    name = PREFIX + stage
    t = _comments(con, org_id, store, None, since, until, segment, persons, portable)
    t = t.filter((t.stage == stage) & (t.sentiment == "negative"))
    fb = con.table("feedback").select(fid="id", customer_id="customer_id", order_id="order_id",
                                      text="text")  # fmt: skip
    t = t.join(fb, t.id == fb.fid)
    rows = t.select("id", "customer_id", "order_id", "text", "sentiment", "person", "occurred_at")
    # Sorted here: an engine need not keep the order of a query's rows when collecting them.
    found = sorted(rows.to_pyarrow().to_pylist(), key=lambda r: r["id"])
    found.sort(key=lambda r: r["occurred_at"], reverse=True)
    if not found:
        return FrictionEvidence(name, 0, 0, 0, 0, message="No negative comments at this stage.")
    people = sorted({int(r["person"]) for r in found if r["person"] is not None})
    orders = sorted({int(r["order_id"]) for r in found if r["order_id"] is not None})
    shown = [
        EvidenceComment(int(r["id"]), r["customer_id"], r["order_id"], r["text"], r["sentiment"])
        for r in found[:SHOWN]
    ]
    return FrictionEvidence(
        name, len(orders), len(people), 0, len(found), people, orders, [], shown
    )


def portable_negative_emotion(
    con: Any,
    org_id: int,
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = None,
    persons: list[int] | None = None,
) -> EmotionList:
    """``negative_emotion`` on any Ibis connection (DuckDB, PySpark): the same stages; the
    engine places and counts the comments (journeys by window functions), the tests run
    here."""
    sums = _sums(_comments(con, org_id, store, channel, since, until, segment, persons, True))
    if not sums:
        return EmotionList(message="No enriched comments at a known stage match these filters.")
    return EmotionList(rank_stages(sums), sum(s.comments for s in sums.values()))
