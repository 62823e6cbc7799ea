"""Experience KPIs per month (organization time) with margins of error and real changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from ibis import _

from cxm.analytics import stats
from cxm.analytics.backend import Analytics

Breakdown = Literal["store", "channel", "language"]


@dataclass(frozen=True)
class NpsFigure:
    """NPS of one period and segment, and its change against the period before."""

    period: str  # YYYY-MM
    key: str
    estimate: stats.Estimate
    previous: stats.Estimate | None
    change: stats.Change | None
    adjusted_p: float | None = None  # Benjamini-Hochberg, when segments are compared at once

    def as_dict(self) -> dict[str, Any]:
        e, c = self.estimate, self.change
        return {
            "period": self.period,
            "key": self.key,
            "nps": e.value,
            "margin": e.margin,
            "n": e.n,
            "small_sample": e.small_sample,
            "previous": self.previous.value if self.previous else None,
            "change": c.difference if c else None,
            "p_value": c.p_value if c else None,
            "adjusted_p": self.adjusted_p,
            "significant": (
                self.adjusted_p
                if self.adjusted_p is not None
                else (c.p_value if c else None) or 1.0
            )
            < 0.05,
        }


def _month(value: Any) -> str:
    d = value.date() if isinstance(value, datetime) else value
    return f"{d.year:04d}-{d.month:02d}"


def _previous(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def nps_counts(
    con: Any, org_id: int, by: Breakdown | None
) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(month, segment) -> (promoters, passives, detractors), as one Ibis expression."""
    answers = con.table("survey_answer").filter((_.organization_id == org_id) & (_.kind == "nps"))
    responses = con.table("survey_response").filter(_.status == "complete")
    joined = answers.join(responses, answers.response_id == responses.id)
    if by == "store":
        locations = con.table("location").select(loc_id=_.id, key=_.code)
        joined = joined.left_join(locations, joined.location_id == locations.loc_id)
        key = joined.key.fill_null("(online)")
    elif by in ("channel", "language"):
        key = joined[by].fill_null("(unknown)")
    else:
        key = joined.survey_id.cast("string").re_replace(".*", "all")
    grouped = joined.group_by(month=joined.completed_at_local.truncate("M"), key=key).aggregate(
        promoters=(joined.value >= 9).cast("int64").sum(),
        passives=((joined.value >= 7) & (joined.value <= 8)).cast("int64").sum(),
        detractors=(joined.value <= 6).cast("int64").sum(),
    )
    return {
        (_month(r["month"]), str(r["key"])): (
            int(r["promoters"]),
            int(r["passives"]),
            int(r["detractors"]),
        )
        for r in grouped.to_pyarrow().to_pylist()
    }


def latest_period(
    counts: dict[tuple[str, str], tuple[int, int, int]], today: date | None = None
) -> str | None:
    """The last complete month, or the newest month with answers if that one has none."""
    today = today or date.today()
    last_complete = _previous(f"{today.year:04d}-{today.month:02d}")
    months = sorted({m for m, _ in counts})
    if not months:
        return None
    return last_complete if last_complete in months else months[-1]


def nps_figures(
    analytics: Analytics, org_id: int, by: Breakdown | None = None, period: str | None = None
) -> list[NpsFigure]:
    """NPS per segment for a month, each with its change since the month before."""
    with analytics.fresh() as con:
        counts = nps_counts(con, org_id, by)
    period = period or latest_period(counts)
    if period is None:
        return []
    before = _previous(period)
    figures = []
    for key in sorted({k for m, k in counts if m == period}):
        now = stats.nps(*counts[(period, key)])
        prev = stats.nps(*counts[(before, key)]) if (before, key) in counts else None
        change = stats.compare_nps(prev, now) if prev is not None else None
        figures.append(NpsFigure(period, key, now, prev, change))
    if len(figures) > 1:
        adjusted = stats.adjust([f.change.p_value if f.change else None for f in figures])
        figures = [
            NpsFigure(f.period, f.key, f.estimate, f.previous, f.change, q)
            for f, q in zip(figures, adjusted, strict=True)
        ]
    return figures
