"""What customers say: feedback listed and counted, with filters, from the analytics store.

Besides what the text analytics read (theme, sentiment, emotion), a comment is filtered by its
own columns: its channel, its store (the location it names, by code) and its period (a month,
quarter or year of its organization-time date); by its journey stage as the emotion curve
places it (its touchpoint's stage, else that of the writer's last event in the two weeks
before, else "unknown"); and by the NPS group of its writer's latest NPS answer (as the
journeys' outcome filter reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
from ibis import _

from cxm.analytics.backend import Analytics
from cxm.analytics.emotion_curve import comment_stages
from cxm.analytics.journeys import JourneyQuery, people
from cxm.analytics.periods import period_bounds

PAGE_SIZE = 50
EXPORT_LIMIT = 1_000_000


@dataclass(frozen=True)
class VoiceFilter:
    kind: str | None = None
    category: str | None = None  # "-" means: no category
    language: str | None = None
    text: str | None = None  # plain substring, case-insensitive
    sentiment: str | None = None  # negative, neutral, positive (the newest enrichment)
    emotion: str | None = None  # anger, disgust, fear, joy, sadness, surprise, none
    page: int = 1
    theme: str | None = None  # a taxonomy key, "delivery" or "delivery/late" (newest reading)
    # A lemma search: each query word's possible lemmas (a text needs one of each), and the
    # ids of texts not read yet that have every word (cxm.text.search.unread_hits).
    words: tuple[tuple[str, ...], ...] | None = None
    unread_hits: tuple[int, ...] = ()
    channel: str | None = None  # the feedback's own channel
    stage: str | None = None  # a journey stage or "unknown" (the emotion curve's rule)
    store: str | None = None  # a location code
    period: str | None = None  # 2026-10, 2026-Q3 or 2026 (organization time)
    nps_group: str | None = None  # promoter, passive, detractor: the writer's latest NPS answer
    rating: int | None = None  # 1-5: the stars a rated review gave


@dataclass(frozen=True)
class Comment:
    id: int
    kind: str
    category: str | None
    text: str
    language: str | None
    channel: str | None
    occurred_at: datetime
    customer_id: int | None
    sentiment: str | None = None
    sentiment_score: float | None = None
    emotions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    rating: int | None = None


@dataclass
class Voice:
    total: int
    comments: list[Comment]
    by_kind: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    page: int = 1
    by_sentiment: dict[str, int] = field(default_factory=dict)
    by_emotion: dict[str, int] = field(default_factory=dict)
    by_rating: dict[str, int] = field(default_factory=dict)  # "1".."5": rated reviews' stars

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    def as_json(
        self, aspects: dict[int, list[Any]], readings: dict[int, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The page as the API and ``cxm text comments --json`` give it (``aspects`` and the
        stored ``readings`` by id; a comment not read yet has ``reading`` null)."""
        return {
            "total": self.total, "page": self.page, "pages": self.pages,
            "by_kind": self.by_kind, "by_category": self.by_category,
            "by_sentiment": self.by_sentiment, "by_emotion": self.by_emotion,
            "by_rating": self.by_rating,
            "items": [
                {"id": c.id, "kind": c.kind, "category": c.category, "text": c.text,
                 "language": c.language, "channel": c.channel,
                 "occurred_at": c.occurred_at.isoformat(), "customer_id": c.customer_id,
                 "sentiment": c.sentiment, "sentiment_score": c.sentiment_score,
                 "emotions": list(c.emotions), "themes": list(c.themes), "rating": c.rating,
                 "aspects": aspects.get(c.id, []),
                 "reading": (readings or {}).get(c.id)}
                for c in self.comments
            ],
        }  # fmt: skip


def _filtered(con: Any, org_id: int, f: VoiceFilter) -> Any:
    fb = con.table("feedback").filter(_.organization_id == org_id)
    customers = con.table("customer").select(
        cust_id=_.id, cust_language=_.language, cust_person=_.merged_into.fill_null(_.id)
    )
    t = fb.left_join(customers, fb.customer_id == customers.cust_id)
    t = t.mutate(lang=t.language.fill_null(t.cust_language))
    enriched = con.table("text_enrichment").filter(_.organization_id == org_id)
    newest = enriched.group_by("feedback_id").aggregate(newest=_.id.max())
    latest = enriched.join(newest, enriched.id == newest.newest).select(
        en_feedback=_.feedback_id, sentiment=_.sentiment, score=_.sentiment_score, labels=_.labels
    )
    t = t.left_join(latest, t.id == latest.en_feedback)
    read = con.table("text_themes").filter(_.organization_id == org_id)
    newest_read = read.group_by("feedback_id").aggregate(newest_read=_.id.max())
    themes = read.join(newest_read, read.id == newest_read.newest_read).select(
        th_feedback=_.feedback_id, themes=_.themes, lemmas=_.lemmas
    )
    t = t.left_join(themes, t.id == themes.th_feedback)
    if f.words is not None:
        t = t.filter(_has_words(t, f.words, f.unread_hits))
    if f.theme:
        t = t.filter(t.themes.contains(f" {f.theme} "))
    if f.kind:
        t = t.filter(t.kind == f.kind)
    if f.category == "-":
        t = t.filter(t.category.isnull())
    elif f.category:
        t = t.filter(t.category == f.category)
    if f.language:
        t = t.filter(t.lang == f.language)
    if f.text:
        t = t.filter(t.text.lower().contains(f.text.lower()))
    if f.sentiment:
        t = t.filter(t.sentiment == f.sentiment)
    if f.emotion:
        t = t.filter((" " + t.labels + " ").contains(f" {f.emotion} "))
    if f.rating:
        t = t.filter(t.rating == f.rating)
    return _where_and_when(con, org_id, f, t)


def _has_words(t: Any, words: tuple[tuple[str, ...], ...], unread: tuple[int, ...]) -> Any:
    """Every word among the text's stored lemmas (as ``lemmas LIKE '% lemma %'``), or one
    of the unread texts found to have them."""
    if not words:
        return ibis.literal(False)
    every = ibis.and_(*(ibis.or_(*(t.lemmas.contains(f" {c} ") for c in w)) for w in words))
    found = every.fill_null(False)
    return found | t.id.isin(list(unread)) if unread else found


def _where_and_when(con: Any, org_id: int, f: VoiceFilter, t: Any) -> Any:
    """``t`` narrowed by channel, store, period, journey stage and the writer's NPS group."""
    if f.channel:
        t = t.filter(t.channel == f.channel)
    if f.store:
        at = con.table("location").filter((_.organization_id == org_id) & (_.code == f.store))
        at = at.select(store_id=_.id)
        t = t.semi_join(at, t.location_id == at.store_id)
    if f.period:
        start, end = period_bounds(f.period)
        t = t.filter((t.occurred_at_local >= start) & (t.occurred_at_local < end))
    if f.stage:
        staged = comment_stages(con, org_id).filter(_.stage == f.stage).select(staged=_.id)
        t = t.semi_join(staged, t.id == staged.staged)
    if f.nps_group:
        writers = people(con, org_id, JourneyQuery(outcome=f.nps_group))
        t = t.semi_join(writers, t.cust_person == writers.who)
    return t


def load_voice(analytics: Analytics, org_id: int, f: VoiceFilter) -> Voice:
    """One page of comments with the filter's counts, reused until the synced data change."""
    return analytics.cached(("voice", org_id, f), lambda: _load(analytics, org_id, f))


def _load(analytics: Analytics, org_id: int, f: VoiceFilter) -> Voice:
    with analytics.fresh() as con:
        t = _filtered(con, org_id, f)
        total = int(t.count().to_pyarrow().as_py())
        page = max(1, f.page)
        comments = _comments(t, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        by_kind = {
            r["kind"]: int(r["n"])
            for r in t.group_by("kind").aggregate(n=_.count()).to_pyarrow().to_pylist()
        }
        by_category = {
            (r["category"] or "-"): int(r["n"])
            for r in t.group_by("category").aggregate(n=_.count()).to_pyarrow().to_pylist()
        }
        by_sentiment = {
            (r["sentiment"] or "-"): int(r["n"])
            for r in t.group_by("sentiment").aggregate(n=_.count()).to_pyarrow().to_pylist()
        }
        by_emotion: dict[str, int] = {}
        for r in t.group_by("labels").aggregate(n=_.count()).to_pyarrow().to_pylist():
            for label in (r["labels"] or "").split():
                by_emotion[label] = by_emotion.get(label, 0) + int(r["n"])
        rated = t.filter(t.rating.notnull()).group_by("rating").aggregate(n=_.count())
        by_rating = {
            str(r["rating"]): int(r["n"])
            for r in sorted(rated.to_pyarrow().to_pylist(), key=lambda r: r["rating"])
        }
    return Voice(total, comments, by_kind, by_category, page, by_sentiment, by_emotion, by_rating)


def all_comments(analytics: Analytics, org_id: int, f: VoiceFilter) -> list[Comment]:
    """Every comment the filter keeps (``page`` ignored), newest first, up to EXPORT_LIMIT."""
    with analytics.fresh() as con:
        return _comments(_filtered(con, org_id, f), EXPORT_LIMIT, 0)


def _comments(t: Any, limit: int, offset: int) -> list[Comment]:
    rows = (
        t.order_by([t.occurred_at.desc(), t.id.desc()])
        .limit(limit, offset=offset)
        .select(
            "id", "kind", "category", "text", "lang", "channel", "occurred_at", "customer_id",
            "sentiment", "score", "labels", "themes", "rating",
        )
        .to_pyarrow()
        .to_pylist()
    )  # fmt: skip
    return [
        Comment(
            r["id"],
            r["kind"],
            r["category"],
            r["text"],
            r["lang"],
            r["channel"],
            r["occurred_at"],
            r["customer_id"],
            r["sentiment"],
            r["score"],
            tuple((r["labels"] or "").split()),
            tuple((r["themes"] or "").split()),
            r["rating"],
        )  # fmt: skip
        for r in rows
    ]
