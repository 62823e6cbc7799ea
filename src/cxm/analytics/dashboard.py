"""The dashboard's cross-tab and weekly trend: NPS or CSAT by stage x channel, and per week.

Both read the same answers as ``measures`` (complete responses, the KPIs' filters) and give
every cell its base and 95% interval; a cell with fewer than ``stats.SMALL_SAMPLE`` answers
is flagged, never hidden. Months' statistics add up, so a quarter's cell pools its months.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from cxm.analytics import stats
from cxm.analytics.backend import Analytics
from cxm.analytics.measures import (
    SCALES,
    TOP_FROM,
    KpiFilter,
    latest_period,
    months_of,
    scoped_answers,
    survey_codes,
)
from cxm.analytics.periods import period_bounds
from cxm.core.errors import Fault, ValidationError

HEATMAP_METRICS = ("nps", "csat")
WEEKS = 13  # a quarter of weeks when the period is shorter


@dataclass(frozen=True)
class HeatCell:
    stage: str
    channel: str
    estimate: stats.Estimate  # NPS points, or CSAT top-2-box share (0-1)

    def as_dict(self, metric: str) -> dict[str, Any]:
        k = 100.0 if metric == "csat" else 1.0
        e = self.estimate
        return {
            "stage": self.stage,
            "channel": self.channel,
            "value": None if e.value is None else e.value * k,
            "margin": None if e.margin is None else e.margin * k,
            "n": e.n,
            "small_sample": e.small_sample,
        }


@dataclass(frozen=True)
class Heatmap:
    metric: str
    period: str | None
    stages: list[str]
    channels: list[str]
    cells: dict[tuple[str, str], HeatCell]

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "period": self.period,
            "stages": self.stages,
            "channels": self.channels,
            "cells": [c.as_dict(self.metric) for c in self.cells.values()],
        }


@dataclass(frozen=True)
class WeekPoint:
    week: date  # Monday, organization time
    estimate: stats.Estimate

    def as_dict(self, metric: str) -> dict[str, Any]:
        k = 100.0 if metric == "csat" else 1.0
        e = self.estimate
        return {
            "week": self.week.isoformat(),
            "value": None if e.value is None else e.value * k,
            "margin": None if e.margin is None else e.margin * k,
            "n": e.n,
            "small_sample": e.small_sample,
        }


def _estimate(metric: str, n: int, promoters: int, detractors: int, top: int) -> stats.Estimate:
    if metric == "nps":
        return stats.nps(promoters, n - promoters - detractors, detractors)
    return stats.proportion(top, n)


def _check(metric: str) -> None:
    if metric not in HEATMAP_METRICS:
        raise ValidationError(
            f"metric must be one of {', '.join(HEATMAP_METRICS)}, not {metric!r}",
            [Fault("not nps or csat", "metric")],
        )


def _grouped(t: Any, keys: list[str]) -> Any:
    return t.group_by(keys).aggregate(
        n=t.value.count(),
        promoters=(t.value >= 9).cast("int64").sum(),
        detractors=(t.value <= 6).cast("int64").sum(),
        top=(t.value >= TOP_FROM.get("csat", 4)).cast("int64").sum(),
    )


def _month(value: Any) -> str:
    d = value.date() if isinstance(value, datetime) else value
    return f"{d.year:04d}-{d.month:02d}"


def heatmap(
    analytics: Analytics,
    org_id: int,
    metric: str = "nps",
    period: str | None = None,
    where: KpiFilter | None = None,
) -> Heatmap:
    """NPS or CSAT per journey stage x channel for a period (default: the last complete
    month with answers); answers without a touchpoint count under stage "(unknown)"."""
    _check(metric)
    if period is not None:
        months_of(period)
    survey_ids = survey_codes(analytics, org_id)
    lo, hi = SCALES[metric]
    where = where or KpiFilter()

    def query() -> list[dict[str, Any]]:
        t = scoped_answers(con, org_id, (metric,), "stage", where, survey_ids)
        t = t.filter(t.value.between(lo, hi)).mutate(channel=t.channel.fill_null("(unknown)"))
        return list(_grouped(t, ["month", "key", "channel"]).to_pyarrow().to_pylist())

    with analytics.fresh() as con:  # every month's cells: another period reuses them
        key = ("heatmap", org_id, metric, where, tuple(sorted(survey_ids.items())))
        rows = analytics.cached(key, query)
    months = {_month(r["month"]) for r in rows}
    period = period or latest_period(months)
    wanted = set(months_of(period)) if period else set()
    pooled: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        if _month(r["month"]) not in wanted:
            continue
        acc = pooled.setdefault((str(r["key"]), str(r["channel"])), [0, 0, 0, 0])
        for i, name in enumerate(("n", "promoters", "detractors", "top")):
            acc[i] += int(r[name] or 0)
    cells = {key: HeatCell(key[0], key[1], _estimate(metric, *acc)) for key, acc in pooled.items()}
    order = ("pre_purchase", "purchase", "delivery", "use", "after_sales")
    stages = sorted({s for s, _ in cells}, key=lambda s: (order.index(s) if s in order else 9, s))
    channels = sorted({c for _, c in cells})
    return Heatmap(metric, period, stages, channels, cells)


def weekly_trend(
    analytics: Analytics,
    org_id: int,
    metric: str = "nps",
    period: str | None = None,
    where: KpiFilter | None = None,
) -> list[WeekPoint]:
    """NPS or CSAT per week (Monday to Sunday, organization time) over the period, or over
    the ``WEEKS`` weeks ending with it when it is shorter; default: up to the newest answer."""
    _check(metric)
    survey_ids = survey_codes(analytics, org_id)
    lo, hi = SCALES[metric]
    where = where or KpiFilter()

    def query() -> list[dict[str, Any]]:
        t = scoped_answers(con, org_id, (metric,), None, where, survey_ids)
        t = t.filter(t.value.between(lo, hi)).mutate(week=t.completed_at_local.truncate("W"))
        return list(_grouped(t, ["week"]).order_by("week").to_pyarrow().to_pylist())

    with analytics.fresh() as con:  # every week at once: another period reuses them
        key = ("weekly", org_id, metric, where, tuple(sorted(survey_ids.items())))
        rows = analytics.cached(key, query)
    points = [
        WeekPoint(
            r["week"].date() if isinstance(r["week"], datetime) else r["week"],
            _estimate(
                metric,
                int(r["n"]),
                int(r["promoters"] or 0),
                int(r["detractors"] or 0),
                int(r["top"] or 0),
            ),
        )  # fmt: skip
        for r in rows
    ]
    if not points:
        return []
    if period is None:
        end = points[-1].week + timedelta(days=7)
        start = end - timedelta(weeks=WEEKS)
    else:
        months = months_of(period)
        first = date(int(months[0][:4]), int(months[0][5:7]), 1)
        y, m = int(months[-1][:4]), int(months[-1][5:7])
        end = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
        start = min(first - timedelta(days=first.weekday()), end - timedelta(weeks=WEEKS))
    return [p for p in points if start <= p.week < end]


@dataclass(frozen=True)
class DashboardData:
    """Everything the dashboard and its PDF report show for one period and filter."""

    period: str | None
    metric: str
    by: str
    cards: list[tuple[str, Any]]  # (metric, KpiFigure or None)
    sales: list[tuple[str, dict[str, Any] | None]]
    table: list[Any]  # KpiFigure per segment of ``by``: the league table when by="store"
    monthly: list[Any]  # KpiFigure per month up to the period's end
    weekly: list[WeekPoint]
    heat: Heatmap
    gaps: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)


def dashboard_data(
    analytics: Analytics,
    org_id: int,
    period: str | None = None,
    metric: str = "nps",
    by: str = "store",
    where: KpiFilter | None = None,
    heat_metric: str = "nps",
    extras: bool = False,
) -> DashboardData:
    """Every figure of the dashboard after one sync; reused while no new data arrive.
    ``extras`` adds the page's gaps (not in the PDF report)."""
    where = where or KpiFilter()
    key = ("dashboard", org_id, period, metric, by, where, heat_metric, extras, date.today())
    return analytics.cached(
        key,
        lambda: _compute(analytics, org_id, period, metric, by, where, heat_metric, extras),
    )


def _compute(
    analytics: Analytics, org_id: int, period: str | None, metric: str, by: str,
    where: KpiFilter, heat_metric: str, extras: bool,
) -> DashboardData:  # fmt: skip
    from cxm.analytics.gaps import gap_figures
    from cxm.analytics.measures import METRICS, kpi_figures
    from cxm.analytics.sales import SALES_METRICS, sales_figures

    cards = []
    for m in METRICS:
        figures = kpi_figures(analytics, org_id, m, None, period, where)
        cards.append((m, figures[0] if figures else None))
    sales: list[tuple[str, dict[str, Any] | None]] = []
    for m in SALES_METRICS:
        found = sales_figures(analytics, org_id, m, None, period, KpiFilter(where.channel))
        if m == "conversion":
            found = [f for f in found if f.stage == "pre_purchase"]
        sales.append((m, found[0].as_dict() if found else None))
    table = kpi_figures(analytics, org_id, metric, by, period, where, paired=by != "month")
    monthly = kpi_figures(analytics, org_id, metric, "month", period, where)[-12:]
    trend_metric = metric if metric in HEATMAP_METRICS else "nps"
    weekly = weekly_trend(analytics, org_id, trend_metric, period, where)
    heat = heatmap(analytics, org_id, heat_metric, period, KpiFilter(store=where.store))
    gaps: list[tuple[str, list[dict[str, Any]]]] = []
    if extras:
        gaps = [
            (g, [f.as_dict() for f in gap_figures(analytics, org_id, g, None, period, where)])
            for g in ("expectation", "sacrifice")
        ]
    resolved = period or next((f.period for _, f in cards if f is not None), None)
    return DashboardData(resolved, metric, by, cards, sales, table, monthly, weekly, heat, gaps)


def emotion_overview(
    analytics: Analytics,
    org_id: int,
    period: str | None,
    by: str = "stage",
    channel: str | None = None,
) -> list[dict[str, Any]]:
    """The emotion curve by stage or channel (``emotion_curve``'s points as dicts) of the
    comments written in ``period`` (every comment when None), of the customers with a journey
    in it that has an event in ``channel`` (everyone when None): the API's
    ``/kpis/emotions/curve`` with ``since`` and ``until`` the period's first and last days."""
    from cxm.analytics.emotion_curve import emotion_curve
    from cxm.analytics.journeys import JourneyQuery

    since = until = None
    if period:
        start, end = period_bounds(period)
        since, until = start.date(), (end - timedelta(days=1)).date()
    journeys = JourneyQuery(channel=channel)
    return analytics.cached(
        ("emotion_overview", org_id, period, by, channel),
        lambda: [
            p.as_dict()
            for p in emotion_curve(analytics, org_id, by, since, until, journeys=journeys)
        ],
    )
