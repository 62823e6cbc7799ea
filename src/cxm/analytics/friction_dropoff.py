"""Drop-off friction: funnel steps that lose far more attempts than the other steps.

The funnels are the organization's multi-step touchpoints, found in the data: a touchpoint
whose events carry a whole-number ``step`` property (a checkout, a sign-up form) is read
as the funnel ``Event[step=1]``, ``Event[step=2]``, ... in the touchpoint's channel, through
the funnel kernel (``funnels.attempts_of``; gaps allowed, a 24-hour window). Each step but
the last has a drop rate: the attempts that reached it and not the next, over those that
reached it. Its peers are every other measured step of every such funnel. A step is
unusual when its drop rate is significantly above the pooled rate of its peers (two-
proportion z test, Benjamini-Hochberg over all steps) and above their median rate.

Funnels can also be given (``A > B > C``: steps as ``funnels`` reads them, e.g. a found
funnel with its completing event added); their steps join the peers, with the channel filter
as their channel.

The score is the attempts lost beyond a typical step: attempts that reached the step x (its
drop rate - the median drop rate of its peers). It is not in NPS points: people who leave
a checkout have placed no order and are seldom asked for an answer, so the loyalty effect
of dropping off cannot be measured from answers; conversion lost is what is measured. The
customers affected are the distinct customers whose attempts ended at the step.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

import ibis
import polars as pl
from ibis import _

from cxm.analytics.funnels import FunnelQuery, attempts_of
from cxm.analytics.stats import adjust, compare_proportions, proportion

WINDOW_HOURS = 24.0
MIN_STEPS = 2  # a touchpoint with fewer step values is no funnel
MAX_FUNNEL_STEPS = 30
SEPARATOR = re.compile(r"\s+>\s+")  # between the steps of a funnel given

_STEPPED = """
SELECT t.code, t.channel, e.name, TRY_CAST(json_extract_string(e.properties, '$.step')
       AS INTEGER) AS step
FROM event e JOIN touchpoint t ON t.id = e.touchpoint_id
WHERE e.organization_id = ? AND e.properties LIKE '%"step"%'
GROUP BY ALL HAVING step IS NOT NULL AND step > 0
ORDER BY t.code, e.name, step
"""


@dataclass(frozen=True)
class StepFunnel:
    """A multi-step touchpoint read as a funnel, or a funnel given (touchpoint "")."""

    touchpoint: str
    channel: str | None
    steps: tuple[str, ...]  # funnel step labels: Event[step=n]


def given_funnel(spec: str, channel: str | None) -> StepFunnel:
    """``A > B > C`` as a funnel (its steps are checked when it runs); the ``>`` needs a
    space on each side, so an event name may hold one."""
    return StepFunnel("", channel, tuple(s.strip() for s in SEPARATOR.split(spec) if s.strip()))


@dataclass(frozen=True)
class DropOff:
    touchpoint: str  # "" for a funnel given
    channel: str | None
    step: str  # the funnel step's label, e.g. Checkout Step Viewed[step=3]
    next_step: str
    funnel: list[str]
    score: float | None  # attempts lost beyond a typical step (None: not unusual)
    attempts: int  # attempts that reached the step
    dropped: int  # of those, attempts that did not reach the next step
    customers: int  # distinct customers whose attempts ended here
    drop_rate: float
    drop_low: float | None  # Wilson 95% interval of the drop rate
    drop_high: float | None
    peer_rate: float | None  # median drop rate of the other steps
    p_value: float | None  # against the other steps' pooled rate, Benjamini-Hochberg
    unusual: bool = False
    note: str | None = None


@dataclass(frozen=True)
class DropOffList:
    steps: list[DropOff] = field(default_factory=list)
    funnels: list[StepFunnel] = field(default_factory=list)
    message: str | None = None


def step_funnels(con: Any, org_id: int, channel: str | None = None) -> list[StepFunnel]:
    """The touchpoints whose events carry a whole-number ``step`` property, as funnels."""
    rows = con.con.execute(_STEPPED, [org_id]).fetchall()
    found: dict[tuple[str, str, str], list[int]] = {}
    for code, chan, name, step in rows:
        found.setdefault((str(code), str(chan), str(name)), []).append(int(step))
    out: list[StepFunnel] = []
    for (code, chan, name), steps in sorted(found.items()):
        if channel and chan != channel:
            continue
        if MIN_STEPS <= len(steps) <= MAX_FUNNEL_STEPS:
            out.append(StepFunnel(code, chan, tuple(f"{name}[step={s}]" for s in sorted(steps))))
    return out


@dataclass(frozen=True)
class MeasuredStep:
    funnel: StepFunnel
    index: int
    attempts: int
    dropped: int
    customers: int


def _measure(attempts: pl.DataFrame, f: StepFunnel) -> list[MeasuredStep]:
    out: list[MeasuredStep] = []
    for i in range(len(f.steps) - 1):
        here = attempts.filter(pl.col("reached") > i)
        gone = here.filter(pl.col("reached") == i + 1)
        out.append(MeasuredStep(f, i, here.height, gone.height, gone["person"].n_unique()))
    return out


def rank_drop_offs(measured: list[MeasuredStep]) -> list[DropOff]:
    """Each step against its peers (every other measured step), ranked by score."""
    rates = [m.dropped / m.attempts if m.attempts else None for m in measured]
    tests = []
    for i, m in enumerate(measured):
        others = [o for j, o in enumerate(measured) if j != i and o.attempts]
        lost = sum(o.dropped for o in others)
        reached = sum(o.attempts for o in others)
        change = compare_proportions(lost, reached, m.dropped, m.attempts)
        tests.append(change.p_value if change.difference and change.difference > 0 else None)
    p_values = adjust(tests)
    out: list[DropOff] = []
    for i, m in enumerate(measured):
        rate = rates[i]
        peers = [r for j, r in enumerate(rates) if j != i and r is not None]
        peer = statistics.median(peers) if peers else None
        interval = proportion(m.dropped, m.attempts)
        p = p_values[i]
        unusual = (
            rate is not None and peer is not None and rate > peer and p is not None and p < 0.05
        )
        note = None
        if not m.attempts:
            note = "no attempt reached this step"
        elif peer is None:
            note = "no other step to compare with"
        elif not unusual:
            note = "not significantly above the other steps"
        out.append(
            DropOff(
                m.funnel.touchpoint,
                m.funnel.channel,
                m.funnel.steps[m.index],
                m.funnel.steps[m.index + 1],
                list(m.funnel.steps),
                m.attempts * (rate - peer) if unusual and rate is not None and peer else None,
                m.attempts,
                m.dropped,
                m.customers,
                rate or 0.0,
                interval.low,
                interval.high,
                peer,
                p,
                unusual,
                note,
            )
        )
    out.sort(key=lambda d: (d.score is None, -(d.score or 0.0), -d.drop_rate, d.step))
    return out


def drop_offs(
    con: Any,
    org_id: int,
    store: str | None = None,
    channel: str | None = None,
    since: Any = None,
    until: Any = None,
    given: tuple[str, ...] = (),
    segment: str | None = None,
    persons: list[int] | None = None,
) -> DropOffList:
    """Funnel steps ranked by attempts lost beyond a typical step (``con``: synced Ibis DuckDB);
    ``store``, ``channel``, ``since`` and ``until`` filter the attempts by their first event;
    ``given`` adds funnels (``A > B > C``; unknown steps are refused with the reason);
    ``persons`` keeps the attempts of these customers (merged counted as one)."""
    funnels = step_funnels(con, org_id, channel) + [given_funnel(f, channel) for f in given]
    if not funnels:
        return DropOffList(message="No touchpoint's events carry a step property to follow.")
    measured: list[MeasuredStep] = []
    for f in funnels:
        q = FunnelQuery(f.steps, WINDOW_HOURS, False, store, f.channel, since, until, segment)
        attempts = attempts_of(con, org_id, q)
        if persons is not None:
            attempts = attempts.filter(pl.col("person").is_in(pl.Series(persons).implode()))
        measured += _measure(attempts, f)
    if not any(m.attempts for m in measured):
        return DropOffList([], funnels, "No attempts match these filters.")
    return DropOffList(rank_drop_offs(measured), funnels)


def portable_step_funnels(con: Any, org_id: int, channel: str | None = None) -> list[StepFunnel]:
    """``step_funnels`` on any Ibis connection (DuckDB, PySpark)."""
    from cxm.analytics.portable_funnel import json_property

    events = con.table("event").filter(_.organization_id == org_id)
    events = events.filter(events.properties.cast("string").contains('"step"'))
    touchpoints = con.table("touchpoint").select(tp=_.id, code=_.code, tp_channel=_.channel)
    t = events.join(touchpoints, events.touchpoint_id == touchpoints.tp)
    step = json_property(con)(t.properties.cast("string"), "$.step").try_cast("int32")
    t = t.select("code", "name", channel=t.tp_channel, step=step).distinct()
    rows = t.filter(t.step > 0).to_pyarrow().to_pylist()
    found: dict[tuple[str, str, str], list[int]] = {}
    for r in sorted(rows, key=lambda r: (r["code"], r["name"], r["step"])):
        found.setdefault((str(r["code"]), str(r["channel"]), str(r["name"])), []).append(r["step"])
    out: list[StepFunnel] = []
    for (code, chan, name), steps in sorted(found.items()):
        if channel and chan != channel:
            continue
        if MIN_STEPS <= len(steps) <= MAX_FUNNEL_STEPS:
            out.append(StepFunnel(code, chan, tuple(f"{name}[step={s}]" for s in sorted(steps))))
    return out


def _portable_measure(
    con: Any, org_id: int, q: FunnelQuery, f: StepFunnel, persons: list[int] | None
) -> list[MeasuredStep]:
    """Each step's attempts, drops and customers dropping, counted by the engine."""
    from cxm.analytics.portable_funnel import portable_attempts

    counts: dict[str, Any] = {}
    with portable_attempts(con, org_id, q) as t:
        if persons is not None:
            who = ibis.memtable({"who": persons}, schema={"who": "int64"})
            t = t.semi_join(who, t.person == who.who)
        for i in range(len(f.steps) - 1):
            gone = t.reached == i + 1
            counts[f"a{i}"] = (t.reached > i).cast("int64").sum()
            counts[f"d{i}"] = gone.cast("int64").sum()
            counts[f"c{i}"] = gone.ifelse(t.person, ibis.null("int64")).nunique()
        [row] = t.aggregate(**counts).to_pyarrow().to_pylist()
    return [
        MeasuredStep(f, i, int(row[f"a{i}"] or 0), int(row[f"d{i}"] or 0), int(row[f"c{i}"] or 0))
        for i in range(len(f.steps) - 1)
    ]


def portable_drop_offs(
    con: Any,
    org_id: int,
    store: str | None = None,
    channel: str | None = None,
    since: Any = None,
    until: Any = None,
    given: tuple[str, ...] = (),
    segment: str | None = None,
    persons: list[int] | None = None,
) -> DropOffList:
    """``drop_offs`` on any Ibis connection (DuckDB, PySpark): the attempts of the portable
    funnel (``portable_funnel``), counted by the engine; the tests run here."""
    funnels = portable_step_funnels(con, org_id, channel)
    funnels += [given_funnel(f, channel) for f in given]
    if not funnels:
        return DropOffList(message="No touchpoint's events carry a step property to follow.")
    measured: list[MeasuredStep] = []
    for f in funnels:
        q = FunnelQuery(f.steps, WINDOW_HOURS, False, store, f.channel, since, until, segment)
        measured += _portable_measure(con, org_id, q, f, persons)
    if not any(m.attempts for m in measured):
        return DropOffList([], funnels, "No attempts match these filters.")
    return DropOffList(rank_drop_offs(measured), funnels)
