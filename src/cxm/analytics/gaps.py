"""Expectation and customer-sacrifice gaps per attribute, with paired intervals.

Paired questions store one answer per side and attribute: ``question`` is the attribute,
``kind`` is expectation, perception, ideal or accepted. Per respondent and attribute the
expectation gap is perception - expectation (negative: the experience fell short) and the
sacrifice gap is ideal - accepted (positive: what the customer gave up). Each figure is the
mean of those paired differences with a t interval on them, for any filter and breakdown of
the KPIs, and its change against the period before (Welch t, different respondents).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from ibis import _

from cxm.analytics import stats
from cxm.analytics.backend import Analytics
from cxm.analytics.measures import (
    KpiFilter,
    latest_period,
    months_of,
    previous_period,
    scoped_answers,
    segment_name,
    survey_codes,
    validate,
)
from cxm.core.errors import ValidationError

Gap = Literal["expectation", "sacrifice"]
SIDES: dict[str, tuple[str, str]] = {
    "expectation": ("expectation", "perception"),  # gap = perception - expectation
    "sacrifice": ("accepted", "ideal"),  # gap = ideal - accepted
}


@dataclass(frozen=True)
class GapCell:
    n: int
    total: float  # of the differences
    total_sq: float
    first: float  # sum of the first side (expectation, accepted)
    second: float  # sum of the second side (perception, ideal)

    def __add__(self, o: GapCell) -> GapCell:
        return GapCell(
            self.n + o.n,
            self.total + o.total,
            self.total_sq + o.total_sq,
            self.first + o.first,
            self.second + o.second,
        )


@dataclass(frozen=True)
class GapFigure:
    gap: str
    attribute: str
    period: str
    key: str
    estimate: stats.Estimate  # mean paired difference
    first_mean: float | None
    second_mean: float | None
    previous: stats.Estimate | None
    change: stats.Change | None
    adjusted_p: float | None = None

    def as_dict(self) -> dict[str, Any]:
        e, c = self.estimate, self.change
        first, second = SIDES[self.gap]
        p = self.adjusted_p if self.adjusted_p is not None else (c.p_value if c else None)
        return {
            "gap": self.gap,
            "attribute": self.attribute,
            "period": self.period,
            "key": self.key,
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "margin": e.margin,
            "n": e.n,
            "small_sample": e.small_sample,
            f"{first}_mean": self.first_mean,
            f"{second}_mean": self.second_mean,
            "previous": self.previous.value if self.previous else None,
            "change": c.difference if c else None,
            "p_value": c.p_value if c else None,
            "adjusted_p": self.adjusted_p,
            "significant": p is not None and p < 0.05,
        }


def gap_cells(
    con: Any, org_id: int, gap: str, by: str | None, where: KpiFilter, ids: dict[str, int]
) -> dict[tuple[str, str, str], GapCell]:
    """(month, segment, attribute) -> sums of the paired differences, one Ibis expression."""
    first, second = SIDES[gap]
    t = scoped_answers(con, org_id, (first, second), by, where, ids)
    pairs = t.group_by(["response_id", "question", "month", "key"]).aggregate(
        a=t.value.max(where=t.kind == first), b=t.value.max(where=t.kind == second)
    )
    pairs = pairs.filter(pairs.a.notnull() & pairs.b.notnull()).mutate(d=_.b - _.a)
    grouped = pairs.group_by(["month", "key", "question"]).aggregate(
        n=pairs.d.count(),
        total=pairs.d.sum(),
        total_sq=(pairs.d * pairs.d).sum(),
        first=pairs.a.sum(),
        second=pairs.b.sum(),
    )
    out = {}
    for r in grouped.to_pyarrow().to_pylist():
        month = f"{r['month'].year:04d}-{r['month'].month:02d}"
        out[(month, segment_name(by, r["key"], ids), str(r["question"]))] = GapCell(
            int(r["n"]), float(r["total"]), float(r["total_sq"]), float(r["first"]),
            float(r["second"]),
        )  # fmt: skip
    return out


def _pooled(cells: dict[tuple[str, str, str], GapCell], period: str, key: str, attr: str) -> Any:
    found = [c for m in months_of(period) if (c := cells.get((m, key, attr))) is not None]
    if not found:
        return None
    total = found[0]
    for c in found[1:]:
        total = total + c
    return total


def _figure(gap: str, period: str, key: str, attr: str, cells: Any) -> GapFigure:
    now: GapCell = _pooled(cells, period, key, attr)
    before: GapCell | None = _pooled(cells, previous_period(period), key, attr)
    estimate = stats.mean_from_moments(now.n, now.total, now.total_sq)
    previous = stats.mean_from_moments(before.n, before.total, before.total_sq) if before else None
    change = stats.compare_estimated_means(previous, estimate) if previous else None
    return GapFigure(
        gap, attr, period, key, estimate, now.first / now.n, now.second / now.n, previous, change
    )


def gap_figures(
    analytics: Analytics,
    org_id: int,
    gap: str,
    by: str | None = None,
    period: str | None = None,
    where: KpiFilter | None = None,
) -> list[GapFigure]:
    """Each attribute's gap for a period (default: the last complete month), per segment."""
    if gap not in SIDES:
        raise ValidationError(f"gap must be expectation or sacrifice, not {gap!r}")
    validate("nps", by, period)
    ids = survey_codes(analytics, org_id)
    with analytics.fresh() as con:
        cells = gap_cells(con, org_id, gap, by, where or KpiFilter(), ids)
    if by == "month":
        last = months_of(period)[-1] if period else None
        months = sorted({m for m, _k, _a in cells if last is None or m <= last})
        attrs = sorted({a for _m, _k, a in cells})
        return [
            _figure(gap, m, "all", a, cells)
            for m in months
            for a in attrs
            if (m, "all", a) in cells
        ]
    period = period or latest_period({m for m, _k, _a in cells})
    if period is None:
        return []
    wanted = set(months_of(period))
    combos = sorted({(k, a) for m, k, a in cells if m in wanted}, key=lambda x: (x[1], x[0]))
    figures = [_figure(gap, period, k, a, cells) for k, a in combos]
    if by is not None and len(figures) > 1:
        adjusted = stats.adjust([f.change.p_value if f.change else None for f in figures])
        figures = [
            dataclasses.replace(f, adjusted_p=q) for f, q in zip(figures, adjusted, strict=True)
        ]
    return figures
