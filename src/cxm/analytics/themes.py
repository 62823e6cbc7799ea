"""Themes in what customers write: volume, sentiment, trend, emotions and the mean stars of
rated reviews per theme, and the themes that drive detractors (NPS of customers whose
comments have the theme against those whose comments do not, with a 95% interval on the
difference).

Each comment counts with its newest theme reading and its newest sentiment reading; a theme
key is a top-level theme ("delivery") or a sub-theme ("delivery/late").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

from ibis import _

from cxm.analytics import stats
from cxm.analytics.backend import Analytics

MIN_GROUP = 10  # NPS of fewer customers is not shown


@dataclass(frozen=True)
class ThemeFilter:
    since: date | None = None
    until: date | None = None  # inclusive
    channel: str | None = None
    language: str | None = None
    kind: str | None = None


@dataclass
class ThemeFigure:
    key: str
    comments: int
    share: float  # of all comments in the filter
    negative: float  # share read as negative
    positive: float
    mean_score: float | None
    by_month: dict[str, int] = field(default_factory=dict)
    emotions: dict[str, int] = field(default_factory=dict)
    nps_with: float | None = None  # NPS of customers whose comments have the theme
    nps_without: float | None = None  # of the other commenting customers with an answer
    nps_n: int = 0
    nps_difference: float | None = None  # with minus without
    nps_low: float | None = None  # 95% interval of the difference
    nps_high: float | None = None
    rated: int = 0  # comments with the theme that carry a review's stars
    mean_rating: float | None = None  # their mean stars (1-5)
    rating_low: float | None = None  # its 95% t interval, within 1-5
    rating_high: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ThemeSummary:
    comments: int
    with_theme: int
    themes: list[ThemeFigure]
    months: list[str]


def _rows(con: Any, org_id: int, f: ThemeFilter) -> list[dict[str, Any]]:
    fb = con.table("feedback").filter(_.organization_id == org_id)
    if f.since:
        fb = fb.filter(fb.occurred_at >= datetime.combine(f.since, time(0)))
    if f.until:
        fb = fb.filter(fb.occurred_at < datetime.combine(f.until, time(23, 59, 59, 999_999)))
    if f.channel:
        fb = fb.filter(fb.channel == f.channel)
    if f.kind:
        fb = fb.filter(fb.kind == f.kind)
    read = con.table("text_themes").filter(_.organization_id == org_id)
    newest = read.group_by("feedback_id").aggregate(th_id=_.id.max())
    themes = read.join(newest, read.id == newest.th_id).select(
        th_feedback=_.feedback_id, themes=_.themes, th_language=_.language
    )
    en = con.table("text_enrichment").filter(_.organization_id == org_id)
    latest = en.group_by("feedback_id").aggregate(en_id=_.id.max())
    sentiment = en.join(latest, en.id == latest.en_id).select(
        en_feedback=_.feedback_id, sentiment=_.sentiment, score=_.sentiment_score, labels=_.labels
    )
    t = fb.left_join(themes, fb.id == themes.th_feedback)
    t = t.left_join(sentiment, t.id == sentiment.en_feedback)
    if f.language:
        t = t.filter(t.th_language == f.language)
    t = t.select(
        "id", "customer_id", "occurred_at", "themes", "sentiment", "score", "labels", "rating"
    )
    return list(t.to_pyarrow().to_pylist())


def _nps_by_customer(con: Any, org_id: int) -> dict[int, float]:
    """Each customer's latest NPS answer (0-10)."""
    answers = con.table("survey_answer").filter((_.organization_id == org_id) & (_.kind == "nps"))
    responses = con.table("survey_response").filter(_.status == "complete")
    t = answers.join(responses, answers.response_id == responses.id).filter(_.customer_id.notnull())
    rows = t.select("customer_id", "completed_at", "value").to_pyarrow().to_pylist()
    latest: dict[int, tuple[Any, float]] = {}
    for r in rows:
        seen = latest.get(r["customer_id"])
        if r["value"] is not None and (seen is None or r["completed_at"] > seen[0]):
            latest[r["customer_id"]] = (r["completed_at"], float(r["value"]))
    return {c: v for c, (_, v) in latest.items()}


def _nps(scores: list[float]) -> stats.Estimate:
    return stats.nps(*stats.nps_groups([int(round(s)) for s in scores]))


def load_themes(analytics: Analytics, org_id: int, f: ThemeFilter) -> ThemeSummary:
    """The summary, reused until a sync brings a change (see ``Analytics.cached``)."""
    return analytics.cached(("themes", org_id, f), lambda: _summary(analytics, org_id, f))


def _summary(analytics: Analytics, org_id: int, f: ThemeFilter) -> ThemeSummary:
    with analytics.fresh() as con:
        rows = _rows(con, org_id, f)
        nps_of = _nps_by_customer(con, org_id)
    total = len(rows)
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    customer_themes: dict[int, set[str]] = defaultdict(set)
    months: set[str] = set()
    for r in rows:
        month = r["occurred_at"].strftime("%Y-%m")
        months.add(month)
        keys = (r["themes"] or "").split()
        for k in keys:
            by_key[k].append(r)
        if r["customer_id"] is not None:
            customer_themes[int(r["customer_id"])].update(keys)
    answered = {c: keys for c, keys in customer_themes.items() if c in nps_of}
    figures = []
    for key, members in by_key.items():
        n = len(members)
        sentiments = Counter(m["sentiment"] for m in members)
        scores = [m["score"] for m in members if m["score"] is not None]
        emotions: Counter[str] = Counter()
        for m in members:
            emotions.update(e for e in (m["labels"] or "").split() if e != "none")
        figure = ThemeFigure(
            key, n, n / total if total else 0.0, sentiments["negative"] / n,
            sentiments["positive"] / n, sum(scores) / len(scores) if scores else None,
            dict(sorted(Counter(m["occurred_at"].strftime("%Y-%m") for m in members).items())),
            dict(emotions.most_common()),
        )  # fmt: skip
        stars = stats.mean([float(m["rating"]) for m in members if m["rating"] is not None])
        figure.rated, figure.mean_rating = stars.n, stars.value
        if stars.low is not None and stars.high is not None:
            figure.rating_low, figure.rating_high = max(1.0, stars.low), min(5.0, stars.high)
        with_theme = [nps_of[c] for c, keys in answered.items() if key in keys]
        without = [nps_of[c] for c, keys in answered.items() if key not in keys]
        figure.nps_n = len(with_theme)
        if len(with_theme) >= MIN_GROUP and len(without) >= MIN_GROUP:
            a, b = _nps(without), _nps(with_theme)
            figure.nps_with, figure.nps_without = b.value, a.value
            if a.value is not None and b.value is not None and a.se and b.se:
                diff = b.value - a.value
                margin = stats.Z95 * (a.se**2 + b.se**2) ** 0.5
                figure.nps_difference = diff
                figure.nps_low, figure.nps_high = diff - margin, diff + margin
        figures.append(figure)
    figures.sort(key=lambda fig: (-fig.comments, fig.key))
    themed = sum(1 for r in rows if (r["themes"] or "").strip())
    return ThemeSummary(total, themed, figures, sorted(months))
