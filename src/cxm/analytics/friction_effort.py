"""Effort friction: touchpoints whose customer effort (CES) answers are significantly worse
than the other touchpoints'.

CES answers (1-7, 7 = very easy) are read as the KPI measures read them
(``measures.scoped_answers``: complete responses, grouped by the response's touchpoint);
answers without a touchpoint are left out. Each touchpoint's mean is compared with the
pooled answers of every other touchpoint (Welch's t test, Benjamini-Hochberg over all the
touchpoints); it is friction when its mean is lower and the adjusted p-value is under 0.05.

Customers affected are the distinct customers with an event at the touchpoint in the
period (answered or not). The score is the customers estimated to find it hard beyond a
typical touchpoint: customers affected x (the others' share of easy answers, 5-7, minus the
touchpoint's). It extrapolates the respondents' shares to everyone who passed the
touchpoint and is not in NPS points, so it is ranked on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
from ibis import _

from cxm.analytics import stats
from cxm.analytics.measures import SCALES, TOP_FROM, KpiFilter, scoped_answers
from cxm.analytics.periods import day_bounds

UNKNOWN = "(unknown)"  # the key scoped_answers gives answers without a touchpoint

_REACH = """
SELECT t.code, count(DISTINCT coalesce(c.merged_into, c.id))
FROM event e JOIN touchpoint t ON t.id = e.touchpoint_id
JOIN customer c ON c.id = e.customer_id
LEFT JOIN location l ON l.id = e.location_id
WHERE e.organization_id = $org AND ($store IS NULL OR l.code = $store)
  AND ($segment IS NULL OR c.segment = $segment)
  AND ($persons IS NULL OR list_contains($persons, coalesce(c.merged_into, c.id)))
  AND ($since IS NULL OR e.occurred_at_local >= $since)
  AND ($until IS NULL OR e.occurred_at_local < $until)
GROUP BY t.code
"""


@dataclass(frozen=True)
class EffortPoint:
    touchpoint: str
    channel: str | None
    stage: str | None
    score: float | None  # customers finding it hard beyond a typical touchpoint
    customers: int  # distinct customers with an event at the touchpoint
    respondents: int  # CES answers
    mean: float | None  # CES, 1-7 (7 = very easy), with its 95% t interval
    low: float | None
    high: float | None
    others_mean: float | None
    easy_share: float | None  # answers 5-7
    others_easy_share: float | None
    p_value: float | None  # Welch against the others, Benjamini-Hochberg adjusted
    harmful: bool = False
    note: str | None = None


@dataclass(frozen=True)
class EffortList:
    points: list[EffortPoint] = field(default_factory=list)
    respondents: int = 0
    message: str | None = None


@dataclass(frozen=True)
class EffortSums:
    n: int
    total: float
    total_sq: float
    easy: int


def _answers(
    con: Any,
    org_id: int,
    store: str | None,
    since: date | None,
    until: date | None,
    segment: str | None = None,
    persons: list[int] | None = None,
) -> dict[str, EffortSums]:
    lo, hi = SCALES["ces"]
    where = KpiFilter(store=store, segment=segment)
    t = scoped_answers(con, org_id, ("ces",), "touchpoint", where, {})
    t = t.filter(t.value.between(lo, hi) & (t.key != UNKNOWN))
    if persons is not None:
        who = ibis.memtable({"who": persons}, schema={"who": "int64"})
        kept = con.table("customer").select(pc=_.id, person=_.merged_into.fill_null(_.id))
        kept = kept.semi_join(who, kept.person == who.who)
        t = t.semi_join(kept, t.customer_id == kept.pc)
    start, end = day_bounds(since, until)
    if start is not None:
        t = t.filter(t.completed_at_local >= start)
    if end is not None:
        t = t.filter(t.completed_at_local < end)
    grouped = t.group_by("key").aggregate(
        n=t.value.count(),
        total=t.value.sum(),
        total_sq=(t.value * t.value).sum(),
        easy=(t.value >= TOP_FROM["ces"]).cast("int64").sum(),
    )
    return {
        str(r["key"]): EffortSums(
            int(r["n"]), float(r["total"]), float(r["total_sq"]), int(r["easy"])
        )
        for r in grouped.to_pyarrow().to_pylist()
    }


def rank_effort(
    sums: dict[str, EffortSums], reach: dict[str, int], kinds: dict[str, tuple[str, str]]
) -> list[EffortPoint]:
    """Each touchpoint's CES against the pooled answers of the others, ranked by score."""
    names = sorted(sums)
    mine = {k: stats.mean_from_moments(s.n, s.total, s.total_sq) for k, s in sums.items()}
    others: dict[str, EffortSums] = {}
    for k in names:
        rest = [s for j, s in sums.items() if j != k]
        others[k] = EffortSums(
            sum(s.n for s in rest),
            sum(s.total for s in rest),
            sum(s.total_sq for s in rest),
            sum(s.easy for s in rest),
        )
    changes = {
        k: stats.compare_estimated_means(
            stats.mean_from_moments(others[k].n, others[k].total, others[k].total_sq), mine[k]
        )
        for k in names
    }
    adjusted = dict(zip(names, stats.adjust([changes[k].p_value for k in names]), strict=True))
    out: list[EffortPoint] = []
    for k in names:
        s, o, e, change, p = sums[k], others[k], mine[k], changes[k], adjusted[k]
        easy = s.easy / s.n if s.n else None
        others_easy = o.easy / o.n if o.n else None
        harm = bool(change.difference is not None and change.difference < 0 and p is not None)
        harm = harm and p is not None and p < 0.05
        customers = reach.get(k, 0)
        gap = (others_easy - easy) if easy is not None and others_easy is not None else None
        note = None
        if not o.n:
            note = "no other touchpoint to compare with"
        elif not harm:
            note = "not significantly harder than the other touchpoints"
        channel, stage = kinds.get(k, (None, None))
        out.append(
            EffortPoint(
                k,
                channel,
                stage,
                customers * gap if harm and gap is not None and gap > 0 else None,
                customers,
                s.n,
                e.value,
                e.low,
                e.high,
                o.total / o.n if o.n else None,
                easy,
                others_easy,
                p,
                harm,
                note,
            )
        )
    out.sort(key=lambda p: (p.score is None, -(p.score or 0.0), p.mean or 0.0, p.touchpoint))
    return out


def effort(
    con: Any,
    org_id: int,
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = None,
    persons: list[int] | None = None,
) -> EffortList:
    """Touchpoints ranked by customers finding them hard beyond a typical touchpoint
    (``con``: synced Ibis DuckDB); ``channel`` keeps the touchpoints of that channel,
    ``persons`` the answers and reach of these customers (merged counted as one)."""
    rows = con.con.execute(
        "SELECT code, channel, stage FROM touchpoint WHERE organization_id = ?", [org_id]
    ).fetchall()
    kinds = {str(r[0]): (r[1], r[2]) for r in rows}
    sums = _answers(con, org_id, store, since, until, segment, persons)
    if channel:
        sums = {k: s for k, s in sums.items() if kinds.get(k, (None,))[0] == channel}
    if not sums:
        return EffortList(message="No effort (CES) answers about a touchpoint match these filters.")
    start, end = day_bounds(since, until)
    params = {"org": org_id, "store": store, "since": start, "until": end, "segment": segment,
              "persons": persons}  # fmt: skip
    reach = {str(r[0]): int(r[1]) for r in con.con.execute(_REACH, params).fetchall()}
    return EffortList(rank_effort(sums, reach, kinds), sum(s.n for s in sums.values()))


def _portable_reach(
    con: Any,
    org_id: int,
    store: str | None,
    since: date | None,
    until: date | None,
    segment: str | None,
    persons: list[int] | None,
) -> dict[str, int]:
    """``_REACH`` as an Ibis expression: distinct customers with an event per touchpoint."""
    events = con.table("event").filter(_.organization_id == org_id)
    start, end = day_bounds(since, until)
    if start is not None:
        events = events.filter(events.occurred_at_local >= start)
    if end is not None:
        events = events.filter(events.occurred_at_local < end)
    touchpoints = con.table("touchpoint").select(tp=_.id, code=_.code)
    customers = con.table("customer").select(
        cid=_.id, person=_.merged_into.fill_null(_.id), segment=_.segment
    )
    t = events.join(touchpoints, events.touchpoint_id == touchpoints.tp)
    t = t.join(customers, t.customer_id == customers.cid)
    if store is not None:
        locations = con.table("location").select(loc=_.id, store=_.code)
        t = t.join(locations, t.location_id == locations.loc).filter(_.store == store)
    if segment is not None:
        t = t.filter(t.segment == segment)
    if persons is not None:
        who = ibis.memtable({"who": persons}, schema={"who": "int64"})
        t = t.semi_join(who, t.person == who.who)
    rows = t.group_by("code").aggregate(n=t.person.nunique()).to_pyarrow().to_pylist()
    return {str(r["code"]): int(r["n"]) for r in rows}


def portable_effort(
    con: Any,
    org_id: int,
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = None,
    persons: list[int] | None = None,
) -> EffortList:
    """``effort`` on any Ibis connection (DuckDB, PySpark): the same touchpoints and tests;
    the engine sums the answers and counts the customers, the tests run here."""
    found = con.table("touchpoint").filter(_.organization_id == org_id)
    rows = found.select("code", "channel", "stage").to_pyarrow().to_pylist()
    kinds = {str(r["code"]): (r["channel"], r["stage"]) for r in rows}
    sums = _answers(con, org_id, store, since, until, segment, persons)
    if channel:
        sums = {k: s for k, s in sums.items() if kinds.get(k, (None,))[0] == channel}
    if not sums:
        return EffortList(message="No effort (CES) answers about a touchpoint match these filters.")
    reach = _portable_reach(con, org_id, store, since, until, segment, persons)
    return EffortList(rank_effort(sums, reach, kinds), sum(s.n for s in sums.values()))
