"""Paired changes: a KPI's change among the respondents who answered in both periods.

The unpaired change compares two periods' answers as independent samples. When the same
customers answer twice, their two scores are not independent, and a paired test on each
respondent's scores is the honest (and usually sharper) test. Per respondent and period the
score is the mean of their answers: NPS and eNPS per answer +100 (9-10), 0 (7-8) or -100
(0-6); CSAT 1 for a top-2-box answer (4-5), else 0; CES the answer. The change is the mean of
the per-respondent differences, tested with a paired t test (``scipy.stats.ttest_rel``).
Respondents are customers; anonymous answers (no customer) are never paired.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import ibis

from cxm.analytics import stats


@dataclass(frozen=True)
class PairedChange:
    change: stats.Change  # this period minus the one before, among the pairs
    n: int  # respondents who answered in both periods


def _score(metric: str, value: Any) -> Any:
    if metric in ("nps", "enps"):
        return ibis.cases((value >= 9, 100.0), (value <= 6, -100.0), else_=0.0)
    if metric == "csat":
        return (value >= 4).cast("float64")
    return value.cast("float64")


def paired_changes(
    con: Any, org_id: int, metric: str, by: str | None, where: Any, survey_ids: dict[str, int],
    period: str,
) -> dict[str, PairedChange]:  # fmt: skip
    """Per segment of ``by`` (``all`` without one), the change among repeat respondents."""
    from cxm.analytics.measures import SCALES, months_of, previous_period, scoped_answers

    lo, hi = SCALES[metric]
    now, before = months_of(period), months_of(previous_period(period))
    t = scoped_answers(con, org_id, (metric,), by, where, survey_ids)
    t = t.filter(t.value.between(lo, hi) & t.customer_id.notnull())
    t = t.mutate(ym=t.month.strftime("%Y-%m"))
    t = t.filter(t.ym.isin(now + before))
    t = t.mutate(later=t.ym.isin(now), score=_score(metric, t.value))
    per_person = t.group_by("key", "customer_id", "later").aggregate(score=t.score.mean())
    scores: dict[str, dict[int, dict[bool, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in per_person.to_pyarrow().to_pylist():
        scores[str(r["key"])][int(r["customer_id"])][bool(r["later"])] = float(r["score"])
    out = {}
    for key, people in scores.items():
        pairs = [(p[False], p[True]) for p in people.values() if len(p) == 2]
        out[key] = PairedChange(
            stats.compare_paired([a for a, _ in pairs], [b for _, b in pairs]), len(pairs)
        )
    return out
