"""Aspects in what customers write: per aspect (delivery, courier, price...), how many
comments speak about it and how: negative, neutral and positive mentions, the mean score
and mentions per month.

Each comment counts with its newest enrichment and the aspects read with that same model
version; filters are the Themes page's (period, channel, language, kind).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from typing import Any

from ibis import _

from cxm.analytics.backend import Analytics
from cxm.analytics.themes import ThemeFilter


@dataclass
class AspectFigure:
    aspect: str
    comments: int  # comments naming the aspect
    share: float  # of all comments in the filter
    negative: int
    neutral: int
    positive: int
    mean_score: float  # -1 to 1
    by_month: dict[str, int] = field(default_factory=dict)

    @property
    def net(self) -> float:
        """Positive minus negative mentions, as a share of the mentions (-1 to 1)."""
        return (self.positive - self.negative) / self.comments if self.comments else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "net": round(self.net, 4)}


@dataclass
class AspectSummary:
    comments: int  # comments in the filter
    with_aspect: int
    aspects: list[AspectFigure]


def _rows(con: Any, org_id: int, f: ThemeFilter) -> tuple[int, list[dict[str, Any]]]:
    fb = con.table("feedback").filter(_.organization_id == org_id)
    if f.since:
        fb = fb.filter(fb.occurred_at >= datetime.combine(f.since, time(0)))
    if f.until:
        fb = fb.filter(fb.occurred_at < datetime.combine(f.until, time(23, 59, 59, 999_999)))
    if f.channel:
        fb = fb.filter(fb.channel == f.channel)
    if f.kind:
        fb = fb.filter(fb.kind == f.kind)
    en = con.table("text_enrichment").filter(_.organization_id == org_id)
    newest = en.group_by("feedback_id").aggregate(en_id=_.id.max())
    read = en.join(newest, en.id == newest.en_id).select(
        en_feedback=_.feedback_id, version=_.model_version, en_language=_.language
    )
    t = fb.left_join(read, fb.id == read.en_feedback)
    if f.language:
        t = t.filter(t.en_language == f.language)
    t = t.select(fid=_.id, occurred_at=_.occurred_at, version=_.version)
    total = int(t.count().to_pyarrow().as_py())
    asp = con.table("text_aspects").filter(_.organization_id == org_id)
    joined = t.join(asp, (t.fid == asp.feedback_id) & (t.version == asp.model_version))
    rows = joined.select("fid", "occurred_at", "aspect", "sentiment", "score")
    return total, list(rows.to_pyarrow().to_pylist())


def load_aspects(analytics: Analytics, org_id: int, f: ThemeFilter) -> AspectSummary:
    """The summary, reused until a sync brings a change (see ``Analytics.cached``)."""
    return analytics.cached(("aspects", org_id, f), lambda: _summary(analytics, org_id, f))


def _summary(analytics: Analytics, org_id: int, f: ThemeFilter) -> AspectSummary:
    with analytics.fresh() as con:
        total, rows = _rows(con, org_id, f)
    by_aspect: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_aspect[r["aspect"]].append(r)
    figures = []
    for aspect, mentions in by_aspect.items():
        n = len(mentions)
        sentiments = Counter(m["sentiment"] for m in mentions)
        figures.append(
            AspectFigure(
                aspect,
                n,
                n / total if total else 0.0,
                sentiments["negative"],
                sentiments["neutral"],
                sentiments["positive"],
                round(sum(m["score"] for m in mentions) / n, 4),
                dict(sorted(Counter(m["occurred_at"].strftime("%Y-%m") for m in mentions).items())),
            )  # fmt: skip
        )
    figures.sort(key=lambda fig: (-fig.comments, fig.aspect))
    return AspectSummary(total, len({r["fid"] for r in rows}), figures)
