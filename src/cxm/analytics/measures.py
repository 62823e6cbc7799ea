"""Experience KPIs from survey answers: NPS, CSAT, CES and eNPS, for any filter and breakdown.

Each figure carries its sample size, its 95% interval and its change against the month
before with a significance test; a segment of a breakdown is also compared with the rest of
the answers (every other segment together). When several segments are compared at once,
each family of p-values is Benjamini-Hochberg adjusted. Small samples are flagged; employee
figures (eNPS) of fewer than ``MIN_EMPLOYEE_GROUP`` respondents are suppressed so nobody can
be singled out.

Definitions: NPS and eNPS on 0-10 (promoters 9-10 minus detractors 0-6, in points); CSAT on
1-5, headline top-2-box (4-5) share with a Wilson interval, and its mean with a t interval;
CES on 1-7 (7 = very easy), headline mean with a t interval, and the share answering 5-7.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

import ibis
from ibis import _
from sqlalchemy import select

from cxm.analytics import stats
from cxm.analytics.backend import Analytics

# Re-exported: the other analytics read their periods from here.
from cxm.analytics.periods import latest_period as latest_period
from cxm.analytics.periods import months_of as months_of
from cxm.analytics.periods import previous_period as previous_period
from cxm.analytics.punctuality import NO_ORDER, order_punctuality
from cxm.core.errors import ValidationError
from cxm.surveys.models import Survey

Metric = Literal["nps", "csat", "ces", "enps"]
Breakdown = Literal[
    "month",
    "store",
    "region",
    "channel",
    "touchpoint",
    "stage",
    "language",
    "segment",
    "survey",
    "delivery",  # the punctuality of the response's order: on_time, late, (no delivery)
]
METRICS: tuple[str, ...] = get_args(Metric)
BREAKDOWNS: tuple[str, ...] = get_args(Breakdown)
MIN_EMPLOYEE_GROUP = 5
SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "enps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
}
TOP_FROM: dict[str, int] = {"csat": 4, "ces": 5}  # top-2-box for CSAT, "easy" for CES


@dataclass(frozen=True)
class KpiFilter:
    """Narrows the answers counted; every field is optional and they combine with AND."""

    channel: str | None = None
    store: str | None = None  # location code
    region: str | None = None
    touchpoint: str | None = None  # touchpoint code
    stage: str | None = None
    language: str | None = None
    survey: str | None = None  # survey code, or several joined by commas: one merged series
    segment: str | None = None  # the respondent's customer segment (new, regular, loyalty, ...)

    def as_dict(self) -> dict[str, str]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


@dataclass(frozen=True)
class Cell:
    """Sufficient statistics of one (month, segment): enough for every KPI and its test."""

    n: int
    promoters: int
    detractors: int
    top: int
    total: float
    total_sq: float


@dataclass(frozen=True)
class KpiFigure:
    metric: str
    period: str  # YYYY-MM, YYYY-Qn or YYYY
    key: str
    estimate: stats.Estimate  # NPS points, CSAT top-2-box share, CES mean
    previous: stats.Estimate | None
    change: stats.Change | None
    detail: stats.Estimate | None = None  # CSAT mean, CES share of easy answers
    adjusted_p: float | None = None
    suppressed: bool = False
    versus_rest: stats.Change | None = None  # this segment minus every other one together
    versus_rest_adjusted_p: float | None = None
    paired: Any = None  # paired.PairedChange: the change among respondents of both periods

    def as_dict(self) -> dict[str, Any]:
        share = self.metric == "csat"  # a proportion shown in percent
        scale = 100.0 if share else 1.0
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
            "suppressed": self.suppressed,
            "previous": shown(self.previous.value) if self.previous else None,
            "change": shown(c.difference) if c else None,
            "test": c.test if c else None,
            "p_value": c.p_value if c else None,
            "adjusted_p": self.adjusted_p,
            "significant": p is not None and p < 0.05,
        }
        if self.metric in ("nps", "enps"):
            out[self.metric] = out["value"]
        if self.detail is not None:
            d = self.detail
            name = "mean" if self.metric == "csat" else "easy_share"
            k = 1.0 if self.metric == "csat" else 100.0
            out[name] = None if d.value is None else d.value * k
            out[f"{name}_margin"] = None if d.margin is None else d.margin * k
        out["paired_change"] = None
        if (pc := self.paired) is not None:
            pp = pc.change.p_value
            out["paired_change"] = {
                "difference": shown(pc.change.difference),
                "test": pc.change.test,
                "p_value": pp,
                "n": pc.n,
                "significant": pp is not None and pp < 0.05,
            }
        out["versus_rest"] = None
        if (r := self.versus_rest) is not None:
            q = self.versus_rest_adjusted_p
            p_rest = q if q is not None else r.p_value
            out["versus_rest"] = {
                "difference": shown(r.difference),
                "test": r.test,
                "p_value": r.p_value,
                "adjusted_p": q,
                "significant": p_rest is not None and p_rest < 0.05,
            }
        return out


def _month(value: Any) -> str:
    d = value.date() if isinstance(value, datetime) else value
    return f"{d.year:04d}-{d.month:02d}"


def scoped_answers(
    con: Any,
    org_id: int,
    kinds: tuple[str, ...],
    by: str | None,
    where: KpiFilter,
    survey_ids: dict[str, int],
) -> Any:
    """Complete responses' answers of ``kinds``, filtered, with ``key`` (the segment) and
    ``month`` (organization time); the base of every KPI and gap."""  # fmt: skip
    answers = con.table("survey_answer").filter((_.organization_id == org_id) & _.kind.isin(kinds))
    responses = con.table("survey_response").filter(_.status == "complete")
    locations = con.table("location").select(
        loc_id=_.id, store=_.code, region=_.region, city=_.city
    )
    touchpoints = con.table("touchpoint").select(tp_id=_.id, touchpoint=_.code, stage=_.stage)
    t = answers.join(responses, answers.response_id == responses.id)
    t = t.left_join(locations, t.location_id == locations.loc_id)
    t = t.left_join(touchpoints, t.touchpoint_id == touchpoints.tp_id)
    if where.segment is not None or by == "segment":
        customers = con.table("customer").select(cust_id=_.id, segment=_.segment)
        t = t.left_join(customers, t.customer_id == customers.cust_id)
    if by == "delivery":
        punctual = order_punctuality(con, org_id)
        t = t.left_join(punctual, t.order_id == punctual.punctual_order)
    for name in ("channel", "store", "region", "touchpoint", "stage", "language", "segment"):
        wanted = getattr(where, name)
        if wanted is not None:
            t = t.filter(t[name] == wanted)
    if where.survey is not None:
        codes = [c.strip() for c in where.survey.split(",") if c.strip()]
        t = t.filter(t.survey_id.isin([survey_ids.get(c, -1) for c in codes]))
    if by is None or by == "month":
        key = ibis.literal("all")
    elif by == "survey":
        key = t.survey_id.cast("string")
    elif by == "delivery":
        key = t.delivery.fill_null(NO_ORDER)
    else:
        key = t[by].fill_null("(online)" if by in ("store", "region") else "(unknown)")
    return t.mutate(key=key, month=t.completed_at_local.truncate("M"))


def segment_name(by: str | None, key: Any, survey_ids: dict[str, int]) -> str:
    if by == "survey":
        names = {str(v): k for k, v in survey_ids.items()}
        return names.get(str(key), str(key))
    return str(key)


def kpi_cells(
    con: Any,
    org_id: int,
    metric: str,
    by: str | None,
    where: KpiFilter,
    survey_ids: dict[str, int],
) -> dict[tuple[str, str], Cell]:
    """(month, segment) -> sufficient statistics, as one Ibis expression."""
    lo, hi = SCALES[metric]
    t = scoped_answers(con, org_id, (metric,), by, where, survey_ids)
    t = t.filter(t.value.between(lo, hi))
    top_from = TOP_FROM.get(metric, 11)
    grouped = t.group_by("month", "key").aggregate(
        n=t.value.count(),
        promoters=(t.value >= 9).cast("int64").sum(),
        detractors=(t.value <= 6).cast("int64").sum(),
        top=(t.value >= top_from).cast("int64").sum(),
        total=t.value.sum(),
        total_sq=(t.value * t.value).sum(),
    )
    cells = {}
    for r in grouped.to_pyarrow().to_pylist():
        key_text = segment_name(by, r["key"], survey_ids)
        cells[(_month(r["month"]), key_text)] = Cell(
            int(r["n"]),
            int(r["promoters"] or 0),
            int(r["detractors"] or 0),
            int(r["top"] or 0),
            float(r["total"] or 0.0),
            float(r["total_sq"] or 0.0),
        )
    return cells


def _estimates(metric: str, c: Cell) -> tuple[stats.Estimate, stats.Estimate | None]:
    if metric in ("nps", "enps"):
        return stats.nps(c.promoters, c.n - c.promoters - c.detractors, c.detractors), None
    moments = stats.mean_from_moments(c.n, c.total, c.total_sq)
    share = stats.proportion(c.top, c.n)
    return (share, moments) if metric == "csat" else (moments, share)


def _compare(metric: str, before: Cell, now: Cell) -> stats.Change:
    if metric in ("nps", "enps"):
        return stats.compare_nps(_estimates(metric, before)[0], _estimates(metric, now)[0])
    if metric == "csat":
        return stats.compare_proportions(before.top, before.n, now.top, now.n)
    return stats.compare_estimated_means(
        stats.mean_from_moments(before.n, before.total, before.total_sq),
        stats.mean_from_moments(now.n, now.total, now.total_sq),
    )


def _pooled(cells: dict[tuple[str, str], Cell], period: str, key: str | None) -> Cell | None:
    """One segment's statistics over every month of a period (they add up); every
    segment's when ``key`` is None."""
    months = set(months_of(period))
    found = [c for (m, k), c in cells.items() if m in months and key in (None, k)]
    if not found:
        return None
    return Cell(
        sum(c.n for c in found),
        sum(c.promoters for c in found),
        sum(c.detractors for c in found),
        sum(c.top for c in found),
        sum(c.total for c in found),
        sum(c.total_sq for c in found),
    )


def _figure(metric: str, period: str, key: str, cells: dict[tuple[str, str], Cell]) -> KpiFigure:
    now = _pooled(cells, period, key)
    assert now is not None
    before = _pooled(cells, previous_period(period), key)
    if metric == "enps" and now.n < MIN_EMPLOYEE_GROUP:
        return KpiFigure(
            metric, period, key, stats.Estimate(None, now.n, None, None), None, None, None,
            suppressed=True,
        )  # fmt: skip
    if metric == "enps" and before is not None and before.n < MIN_EMPLOYEE_GROUP:
        before = None
    estimate, detail = _estimates(metric, now)
    previous = _estimates(metric, before)[0] if before is not None else None
    change = _compare(metric, before, now) if before is not None else None
    return KpiFigure(metric, period, key, estimate, previous, change, detail)


def _versus_rest(metric: str, f: KpiFigure, cells: dict[tuple[str, str], Cell]) -> KpiFigure:
    """The figure with its segment compared to all other answers of the period together."""
    mine, every = _pooled(cells, f.period, f.key), _pooled(cells, f.period, None)
    assert mine is not None and every is not None
    rest = Cell(*(a - b for a, b in zip(dataclasses.astuple(every),
                                         dataclasses.astuple(mine), strict=True)))  # fmt: skip
    too_few = metric == "enps" and min(mine.n, rest.n) < MIN_EMPLOYEE_GROUP
    if rest.n == 0 or f.suppressed or too_few:
        return f
    return dataclasses.replace(f, versus_rest=_compare(metric, rest, mine))


def survey_codes(analytics: Analytics, org_id: int) -> dict[str, int]:
    with analytics.db.session() as s:
        rows = s.execute(select(Survey.code, Survey.id).where(Survey.organization_id == org_id))
        return {str(code): int(sid) for code, sid in rows}


def validate(metric: str, by: str | None, period: str | None) -> None:
    if metric not in METRICS:
        raise ValidationError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if by is not None and by not in BREAKDOWNS:
        raise ValidationError(f"by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")
    if period is not None:
        months_of(period)


def kpi_figures(
    analytics: Analytics,
    org_id: int,
    metric: str,
    by: str | None = None,
    period: str | None = None,
    where: KpiFilter | None = None,
    paired: bool = False,
) -> list[KpiFigure]:
    """The KPI for a period (default: the last complete month), overall or per segment.

    A period is a month (2026-10), a quarter (2026-Q3) or a year (2026), compared with the
    period of the same length before it. ``by="month"`` gives the trend instead: every month
    with answers (up to the end of ``period``), each against the month before. With
    ``paired``, each figure also has the change among respondents who answered in both.
    """
    validate(metric, by, period)
    survey_ids = survey_codes(analytics, org_id)
    where = where or KpiFilter()
    with analytics.fresh() as con:
        # Every month's cells at once: another period of the same query reuses them.
        key = ("kpi_cells", org_id, metric, by, where, tuple(sorted(survey_ids.items())))
        cells = analytics.cached(key, lambda: kpi_cells(con, org_id, metric, by, where, survey_ids))
    months = {m for m, _ in cells}
    if by == "month":
        last = months_of(period)[-1] if period else None
        shown = sorted(m for m in months if last is None or m <= last)
        return [_figure(metric, m, "all", cells) for m in shown]
    period = period or latest_period(months)
    if period is None:
        return []
    wanted = set(months_of(period))
    keys = sorted({k for m, k in cells if m in wanted})
    figures = [_figure(metric, period, k, cells) for k in keys]
    if paired and metric != "enps":  # employees answer anonymously: nobody to pair
        from cxm.analytics.paired import paired_changes

        with analytics.fresh() as con:
            found = analytics.cached(
                ("paired", org_id, metric, by, where, period, tuple(sorted(survey_ids.items()))),
                lambda: paired_changes(con, org_id, metric, by, where, survey_ids, period),
            )
        figures = [dataclasses.replace(f, paired=found.get(f.key)) for f in figures]
    if len(figures) > 1:
        figures = [_versus_rest(metric, f, cells) for f in figures]
        adjusted = stats.adjust([f.change.p_value if f.change else None for f in figures])
        against = stats.adjust([f.versus_rest.p_value if f.versus_rest else None for f in figures])
        figures = [
            dataclasses.replace(f, adjusted_p=q, versus_rest_adjusted_p=r)
            for f, q, r in zip(figures, adjusted, against, strict=True)
        ]
    return figures
