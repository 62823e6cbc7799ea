"""Sales and marketing KPIs beside the experience ones: conversion, AOV, repeat, returns, churn.

Periods, comparisons and intervals follow ``measures``: a month, quarter or year in the
organization's time, compared with the period of the same length before; shares have Wilson
intervals and two-proportion z tests, the average order value a t interval and Welch's t
test; many segments at once are Benjamini-Hochberg adjusted; small bases are flagged.

- **conversion** per journey stage: of the customers with an event at a stage in the period,
  the share with an event at the next stage later in the same period.
- **aov**: the mean amount of the orders placed in the period, in the organization's
  currency (orders in another currency are counted apart as ``excluded``, never converted).
- **repeat**: of the customers who ordered in the period, the share with at least two orders
  up to its end (an order before the period counts).
- **returns**: the share of the period's orders returned (a "returned" shipment or a refund).
- **churn** (``days`` = N): at the period's end (or the newest order, if earlier), the
  customers whose first order is at least N days old; churned if none ordered in the last N
  days. Customers newer than N days are not counted either way.

Customers merged into another one count as that one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from cxm.analytics import stats
from cxm.analytics.backend import Analytics
from cxm.analytics.measures import KpiFilter, latest_period, months_of, previous_period
from cxm.analytics.periods import period_bounds
from cxm.analytics.punctuality import delivery_sql
from cxm.analytics.sales_cells import (
    NEXT_STAGE,
    STAGES,
    Cell,
    churn_cells,
    conversion_cells,
    order_cells,
    people_sql,
    repeat_cells,
)
from cxm.core.errors import Fault, ValidationError

SalesMetric = Literal["conversion", "aov", "repeat", "returns", "churn"]
SalesBreakdown = Literal["month", "store", "region", "channel", "language", "segment", "delivery"]
SALES_METRICS: tuple[str, ...] = get_args(SalesMetric)
SALES_BREAKDOWNS: tuple[str, ...] = get_args(SalesBreakdown)
SHARES = ("conversion", "repeat", "returns", "churn")
DEFAULT_CHURN_DAYS = 180
_UNUSED_FILTERS = (
    "touchpoint",
    "stage",
    "survey",
    "segment",
)  # no meaning for orders and customers


@dataclass(frozen=True)
class SalesFigure:
    metric: str
    period: str
    key: str
    estimate: stats.Estimate  # a share (0-1) or the mean order amount
    previous: stats.Estimate | None
    change: stats.Change | None
    adjusted_p: float | None = None
    stage: str | None = None  # conversion: from this stage to the next one
    currency: str | None = None  # aov
    excluded: int = 0  # aov: orders in another currency, not counted
    as_of: str | None = None  # churn: the day it is measured at
    days: int | None = None  # churn: N

    def as_dict(self) -> dict[str, Any]:
        scale = 100.0 if self.metric in SHARES else 1.0
        e, c = self.estimate, self.change

        def shown(v: float | None) -> float | None:
            return None if v is None else v * scale

        p = self.adjusted_p if self.adjusted_p is not None else (c.p_value if c else None)
        out: dict[str, Any] = {
            "metric": self.metric,
            "period": self.period,
            "key": self.key,
            "value": shown(e.value),
            "low": shown(e.low),
            "high": shown(e.high),
            "margin": shown(e.margin),
            "n": e.n,
            "small_sample": e.small_sample,
            "previous": shown(self.previous.value) if self.previous else None,
            "change": shown(c.difference) if c else None,
            "test": c.test if c else None,
            "p_value": c.p_value if c else None,
            "adjusted_p": self.adjusted_p,
            "significant": p is not None and p < 0.05,
        }
        if self.metric == "conversion":
            out["stage"], out["next_stage"] = self.stage, NEXT_STAGE.get(self.stage or "")
        if self.metric == "aov":
            out["currency"], out["excluded"] = self.currency, self.excluded
        if self.metric == "churn":
            out["as_of"], out["days"] = self.as_of, self.days
        return out


def _estimate(metric: str, c: Cell) -> stats.Estimate:
    if metric == "aov":
        return stats.mean_from_moments(c.n, c.total, c.total_sq)
    return stats.proportion(c.hits, c.n)


def _compare(metric: str, before: Cell, now: Cell) -> stats.Change:
    if metric == "aov":
        return stats.compare_estimated_means(_estimate(metric, before), _estimate(metric, now))
    return stats.compare_proportions(before.hits, before.n, now.hits, now.n)


def validate_sales(
    metric: str, by: str | None, period: str | None, where: KpiFilter, days: int
) -> None:
    if metric not in SALES_METRICS:
        raise ValidationError(
            f"metric must be one of {', '.join(SALES_METRICS)}, not {metric!r}",
            [Fault(f"not one of {', '.join(SALES_METRICS)}", "metric")],
        )
    if by is not None and by not in SALES_BREAKDOWNS:
        raise ValidationError(
            f"by must be one of {', '.join(SALES_BREAKDOWNS)}, not {by!r}",
            [Fault(f"not one of {', '.join(SALES_BREAKDOWNS)}", "by")],
        )
    for name in _UNUSED_FILTERS:
        if getattr(where, name) is not None:
            raise ValidationError(
                f"{name} does not apply to sales KPIs (filter by channel, store, region, language)",
                [Fault("not a filter of sales KPIs", name)],
            )
    if metric == "conversion" and by == "delivery":
        raise ValidationError(
            "conversion is not broken down by delivery", [Fault("not for conversion", "by")]
        )
    if not 1 <= days <= 730:
        raise ValidationError(
            "days must lie between 1 and 730", [Fault("between 1 and 730", "days")]
        )
    if period is not None:
        months_of(period)


class _Run:
    """One metric's cells per period, computed once per period and reused."""

    def __init__(
        self, analytics: Analytics, org: int, metric: str, by: str | None, where: KpiFilter,
        days: int, punctual: str = "",
    ) -> None:  # fmt: skip
        self.analytics, self.duck, self.people = analytics, analytics.duck, people_sql(punctual)
        self.org, self.metric, self.by, self.where, self.days = org, metric, by, where, days
        rows = self.duck.execute("SELECT currency FROM organization WHERE id = ?", [org]).fetchall()
        self.currency = str(rows[0][0]) if rows else "UAH"
        newest = self.duck.execute(
            "SELECT max(placed_at_local) FROM customer_order WHERE organization_id = ?", [org]
        ).fetchall()
        self.newest: datetime | None = newest[0][0] if newest else None
        self._memo: dict[str, dict[str, Cell]] = {}

    def as_of(self, period: str) -> datetime:
        end = period_bounds(period)[1]
        if self.newest is not None and self.newest + timedelta(days=1) < end:
            day = self.newest.date() + timedelta(days=1)
            return datetime(day.year, day.month, day.day)
        return end

    def cells(self, period: str) -> dict[str, Cell]:
        if period not in self._memo:
            key = ("sales_cells", self.org, self.metric, self.by, self.where, self.days, period)
            self._memo[period] = self.analytics.cached(key, lambda: self._cells(period))
        return self._memo[period]

    def _cells(self, period: str) -> dict[str, Cell]:
        start, end = period_bounds(period)
        m, d, p = self.metric, self.duck, self.people
        if m in ("aov", "returns"):
            return order_cells(d, p, self.org, m, self.by, self.where, start, end, self.currency)
        if m == "repeat":
            return repeat_cells(d, p, self.org, self.by, self.where, start, end)
        if m == "churn":
            return churn_cells(d, p, self.org, self.by, self.where, self.as_of(period), self.days)
        return conversion_cells(d, self.org, self.by, self.where, start, end)

    def figure(self, period: str, key: str) -> SalesFigure:
        now = self.cells(period)[key]
        before = self.cells(previous_period(period)).get(key)
        stage, label = key.split("|", 1) if self.metric == "conversion" else (None, key)
        churn = self.metric == "churn"
        return SalesFigure(
            self.metric,
            period,
            label,
            _estimate(self.metric, now),
            _estimate(self.metric, before) if before and before.n else None,
            _compare(self.metric, before, now) if before and before.n else None,
            stage=stage,
            currency=self.currency if self.metric == "aov" else None,
            excluded=now.excluded,
            as_of=(self.as_of(period) - timedelta(days=1)).date().isoformat() if churn else None,
            days=self.days if churn else None,
        )


def _order_months(duck: Any, org: int) -> set[str]:
    rows = duck.execute(
        "SELECT DISTINCT strftime(placed_at_local, '%Y-%m') FROM customer_order "
        "WHERE organization_id = ?",
        [org],
    ).fetchall()
    return {str(r[0]) for r in rows if r[0]}


def sales_figures(
    analytics: Analytics,
    org_id: int,
    metric: str,
    by: str | None = None,
    period: str | None = None,
    where: KpiFilter | None = None,
    days: int = DEFAULT_CHURN_DAYS,
) -> list[SalesFigure]:
    """A sales KPI for a period (default: the last complete month with orders), overall or
    per segment, each with its change since the period before; ``by="month"`` is the trend."""
    where = where or KpiFilter()
    validate_sales(metric, by, period, where, days)
    with analytics.fresh() as con:
        duck = con.con
        punctual = delivery_sql(con, org_id) if by == "delivery" else ""
        run = _Run(analytics, org_id, metric, by, where, days, punctual)
        months = _order_months(duck, org_id)
        if by == "month":
            last = months_of(period)[-1] if period else max(months, default=None)
            shown = sorted(m for m in months if last is not None and m <= last)
            figures = [run.figure(m, k) for m in shown for k in sorted(run.cells(m))]
        else:
            period = period or latest_period(months)
            if period is None:
                return []
            figures = [run.figure(period, k) for k in sorted(run.cells(period), key=_order)]
    if by != "month" and len(figures) > 1:
        adjusted = stats.adjust([f.change.p_value if f.change else None for f in figures])
        figures = [
            dataclasses.replace(f, adjusted_p=q) for f, q in zip(figures, adjusted, strict=True)
        ]
    return figures


def _order(key: str) -> tuple[int, str]:
    """Conversion keys in journey order, others alphabetically."""
    stage, _, rest = key.partition("|")
    return (STAGES.index(stage), rest) if stage in STAGES and rest else (0, key)
