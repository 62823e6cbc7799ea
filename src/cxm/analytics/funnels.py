"""Funnels: how many attempts pass an ordered list of steps within a time window, and when.

A step is a touchpoint code (``web_checkout``), a journey stage (``stage:delivery``: an event
at any touchpoint of that stage) or an event name with one property value
(``Checkout Step Viewed[step=3]``). Each person's matching events are read in order (time,
then arrival). An attempt starts at a step-1 event when no attempt of that person is open;
it stays open until its window (from its first step) ends or it completes, and a step-1
event inside an open attempt is part of it, not a new one. With gaps allowed, any events
may lie between two steps; a strict funnel ends an attempt at the first mapped event that is
not its next step. Conversion, drop-off and median time to convert count attempts; each step
also counts the distinct customers who reached it. The breakdowns are by the channel of the
attempt's first event and by the customer's segment (a merged customer's is the one they were
merged into); attempts without one are left out of that breakdown, not of the totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import polars as pl

from cxm.analytics.funnel_attempts import match
from cxm.core.errors import Fault, ValidationError

MAX_STEPS = 30
BREAKDOWNS = ("channel", "segment")
OUTCOME_GROUPS = ("promoter", "passive", "detractor")  # journeys.OUTCOMES
STAGE_PREFIX = "stage:"
_EVENT_STEP = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<key>[A-Za-z0-9_.]+)=(?P<value>[^\]]*)\]$")


@dataclass(frozen=True)
class Step:
    label: str
    touchpoint: str | None = None
    event: str | None = None
    key: str | None = None
    value: str | None = None
    stage: str | None = None  # any touchpoint of this journey stage


def parse_step(text: str) -> Step:
    """``code`` names a touchpoint (or, failing that, an event); ``stage:NAME`` a journey
    stage (any of its touchpoints); ``Event Name[key=value]`` an event with a property
    value."""
    text = text.strip()
    if text.startswith(STAGE_PREFIX):
        return Step(text, stage=text[len(STAGE_PREFIX) :].strip())
    m = _EVENT_STEP.match(text)
    if m:
        return Step(text, event=m["name"].strip(), key=m["key"], value=m["value"].strip())
    return Step(text, touchpoint=text)


@dataclass(frozen=True)
class FunnelQuery:
    steps: tuple[str, ...]
    window_hours: float = 24.0
    strict: bool = False
    store: str | None = None  # only attempts whose first event is at this location code
    channel: str | None = None  # only attempts whose first event is in this channel
    since: date | None = None  # attempts starting in these organization-time dates
    until: date | None = None
    segment: str | None = None  # only attempts of customers in this segment
    first: str | None = None  # only customers with a journey in the period starting here
    outcome: str | None = None  # only customers whose latest NPS answer is in this group
    gap_days: int = 30  # inactivity gap cutting the journeys of the first filter

    def check(self) -> list[Step]:
        faults: list[Fault] = []
        if not 1 <= self.gap_days <= 365:
            faults.append(Fault("between 1 and 365", "gap_days"))
        if self.outcome is not None and self.outcome not in OUTCOME_GROUPS:
            faults.append(Fault(f"one of {', '.join(OUTCOME_GROUPS)}", "outcome"))
        if len(self.steps) < 2:
            faults.append(Fault("a funnel needs at least two steps", "steps"))
        if len(self.steps) > MAX_STEPS:
            faults.append(
                Fault(f"{len(self.steps)} steps; at most {MAX_STEPS} are allowed", "steps")
            )
        if not self.window_hours > 0:
            faults.append(Fault("the window must be longer than zero hours", "window_hours"))
        elif self.window_hours > 24 * 366:
            faults.append(Fault("the window is at most 366 days", "window_hours"))
        if self.since and self.until and self.since > self.until:
            faults.append(Fault("since lies after until", "since"))
        if faults:
            raise ValidationError(
                "The funnel cannot run: " + "; ".join(f.reason for f in faults) + ".", faults
            )
        return [parse_step(s) for s in self.steps]


@dataclass(frozen=True)
class StepResult:
    step: str
    attempts: int
    customers: int
    conversion: float  # of the attempts that entered the funnel
    from_previous: float  # of the attempts that reached the previous step
    drop_off: int  # attempts that reached this step and not the next (0 for the last)
    drop_rate: float | None  # drop_off over attempts (None for the last step)
    median_hours_from_previous: float | None


@dataclass(frozen=True)
class Funnel:
    steps: list[StepResult]
    attempts: int
    completed: int
    median_hours_to_complete: float | None
    by_channel: dict[str, list[StepResult]] = field(default_factory=dict)
    message: str | None = None
    by_segment: dict[str, list[StepResult]] = field(default_factory=dict)

    def breakdown(self, by: str) -> dict[str, list[StepResult]]:
        """The steps per channel (``by="channel"``) or per customer segment."""
        if by not in BREAKDOWNS:
            raise ValidationError(
                f"A funnel breaks down by {' or '.join(BREAKDOWNS)}, not {by!r}.",
                [Fault(f"one of {', '.join(BREAKDOWNS)}", "by")],
            )
        return self.by_channel if by == "channel" else self.by_segment

    def drop_offs(self, group: str | None = None, by: str = "channel") -> list[StepResult]:
        """Steps by drop rate, worst first (the last step has none), overall or in a group."""
        rows = self.breakdown(by).get(group, []) if group else self.steps
        return sorted(
            (s for s in rows if s.drop_rate is not None), key=lambda s: -(s.drop_rate or 0)
        )


_EVENTS = """
SELECT coalesce(c.merged_into, c.id) AS person, e.id AS seq,
       epoch_us(e.occurred_at) AS us, e.occurred_at_local AS local_at,
       e.name, t.code, t.stage, coalesce(e.channel, t.channel) AS channel, l.code AS store,
       p.segment, {props}
FROM event e JOIN customer c ON c.id = e.customer_id
JOIN customer p ON p.id = coalesce(c.merged_into, c.id)
LEFT JOIN touchpoint t ON t.id = e.touchpoint_id
LEFT JOIN location l ON l.id = e.location_id
WHERE e.organization_id = $org AND ({where})
"""


def _read(con: Any, org_id: int, steps: list[Step], strict: bool) -> pl.DataFrame:
    keys = sorted({s.key for s in steps if s.key})
    props = (
        ", ".join(f"json_extract_string(e.properties, $k{i}) AS p{i}" for i in range(len(keys)))
        or "NULL AS p_none"
    )
    params: dict[str, Any] = {"org": org_id}
    params.update({f"k{i}": f"$.{k}" for i, k in enumerate(keys)})
    names = sorted({s.event for s in steps if s.event})
    codes = sorted({s.touchpoint for s in steps if s.touchpoint})
    stages = sorted({s.stage for s in steps if s.stage})
    params.update({f"n{i}": n for i, n in enumerate(names)})
    if not strict:
        params.update({f"c{i}": c for i, c in enumerate(codes)})
        params.update({f"s{i}": st for i, st in enumerate(stages)})
    if strict:
        where = "e.touchpoint_id IS NOT NULL" + (
            " OR e.name IN (" + ", ".join(f"$n{i}" for i in range(len(names))) + ")"
            if names
            else ""
        )
    else:
        parts = [f"e.name = $n{i}" for i in range(len(names))]
        parts += [f"t.code = $c{i}" for i in range(len(codes))]
        parts += [f"t.stage = $s{i}" for i in range(len(stages))]
        where = " OR ".join(parts)
    sql = _EVENTS.format(props=props, where=where)
    frame = pl.from_arrow(con.con.sql(sql, params=params).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    rename = {f"p{i}": k for i, k in enumerate(keys)}
    return frame.rename(rename).sort(["person", "us", "seq"])


def _resolve(con: Any, org_id: int, steps: list[Step]) -> list[Step]:
    """Name each step's touchpoint or event; a bare name no touchpoint has may be an event."""
    rows = con.con.execute(
        "SELECT code, stage FROM touchpoint WHERE organization_id = ?", [org_id]
    ).fetchall()
    codes, stages = {r[0] for r in rows}, {r[1] for r in rows if r[1]}
    names = {s.event or s.label for s in steps}
    seen = {
        r[0]
        for r in con.con.execute(
            "SELECT DISTINCT name FROM event WHERE organization_id = ? AND name IN "
            f"({', '.join('?' for _ in names)})",
            [org_id, *names],
        ).fetchall()
    }
    return resolve_steps(steps, codes, seen, stages)


def resolve_steps(
    steps: list[Step], codes: set[str], seen: set[str], stages: set[str] | None = None
) -> list[Step]:
    """Steps named by touchpoint ``codes``, event names ``seen`` or the touchpoints'
    ``stages``; the others refused."""
    out: list[Step] = []
    faults: list[Fault] = []
    for i, s in enumerate(steps):
        if s.stage is not None:
            if s.stage not in (stages or set()):
                known = ", ".join(sorted(stages or set())) or "none"
                faults.append(Fault(f"unknown stage '{s.stage}' (the stages: {known})", "steps", i))
            out.append(s)
            continue
        if s.touchpoint and s.touchpoint not in codes and s.touchpoint in seen:
            s = Step(s.label, event=s.touchpoint)
        if (s.touchpoint and s.touchpoint not in codes) or (s.event and s.event not in seen):
            faults.append(
                Fault(f"unknown step '{s.label}': no touchpoint or event of that name", "steps", i)
            )
        out.append(s)
    if faults:
        raise ValidationError(
            "Unknown funnel steps: " + "; ".join(f.reason for f in faults) + ".", faults
        )
    return out


def _step_index(frame: pl.DataFrame, steps: list[Step]) -> np.ndarray:
    """For each event, the bit mask of the steps it matches."""
    mask = pl.lit(0, dtype=pl.Int64)
    for i, s in enumerate(steps):
        if s.touchpoint:
            hit = pl.col("code") == s.touchpoint
        elif s.stage:
            hit = pl.col("stage") == s.stage
        elif s.key is None:
            hit = pl.col("name") == s.event
        else:
            hit = (pl.col("name") == s.event) & (pl.col(s.key or "") == s.value)
        mask = mask | pl.when(hit.fill_null(False)).then(1 << i).otherwise(0)
    return frame.select(mask.alias("m"))["m"].to_numpy()


def _attempts(frame: pl.DataFrame, masks: np.ndarray, q: FunnelQuery, k: int) -> pl.DataFrame:
    """One row per attempt: person, first row, steps reached and the time each was reached."""
    window = int(q.window_hours * 3_600_000_000)
    us = frame["us"].to_numpy()
    firsts, reached, rows = match(frame["person"].to_numpy(), us, masks, k, window, q.strict)
    # Each step's time, null where not reached, as one flat column cut into rows of k.
    flat = pl.Series(us[rows].ravel(), dtype=pl.Int64)
    flat = flat.scatter(np.flatnonzero(rows.ravel() < 0), None)
    out = pl.DataFrame(
        {
            "person": frame["person"].gather(firsts).cast(pl.Int64),
            "reached": pl.Series(reached, dtype=pl.Int64),
            "times": flat.reshape((firsts.size, k)).cast(pl.List(pl.Int64)),
        }
    )
    return out.with_columns(
        channel=frame["channel"].gather(firsts),
        store=frame["store"].gather(firsts),
        local_at=frame["local_at"].gather(firsts),
        segment=frame["segment"].gather(firsts),
    )


def step_results(
    labels: list[str],
    total: int,
    reached: list[int],
    customers: list[int],
    medians: list[float | None],
) -> list[StepResult]:
    """Steps from the attempts (and distinct customers) that reached each step and the median
    hours from the step before; shared by the fast path and the portable one."""
    out: list[StepResult] = []
    for i, label in enumerate(labels):
        n = reached[i]
        prev = total if i == 0 else reached[i - 1]
        nxt = reached[i + 1] if i + 1 < len(labels) else None
        out.append(
            StepResult(
                label,
                n,
                customers[i],
                n / total if total else 0.0,
                n / prev if prev else 0.0,
                n - nxt if nxt is not None else 0,
                (n - nxt) / n if nxt is not None and n else None,
                medians[i] if i and n else None,
            )
        )
    return out


def _summarise(attempts: pl.DataFrame, labels: list[str]) -> list[StepResult]:
    reached: list[int] = []
    customers: list[int] = []
    medians: list[float | None] = []
    for i in range(len(labels)):
        here = attempts.filter(pl.col("reached") > i)
        reached.append(here.height)
        customers.append(here["person"].n_unique())
        gaps = (
            here.select((pl.col("times").list.get(i) - pl.col("times").list.get(i - 1)) / 3.6e9)
            .to_series()
            .drop_nulls()
            if i and here.height
            else None
        )
        medians.append(float(gaps.median()) if gaps is not None and gaps.len() else None)  # type: ignore[arg-type]
    return step_results(labels, attempts.height, reached, customers, medians)


def attempts_of(con: Any, org_id: int, q: FunnelQuery) -> pl.DataFrame:
    """One row per attempt the filters keep: ``person``, ``reached`` (steps reached),
    ``times`` (microseconds each step was reached), and the first event's channel, store,
    organization-time start and segment."""
    steps = q.check()
    steps = _resolve(con, org_id, steps)
    frame = _read(con, org_id, steps, q.strict)
    attempts = _attempts(frame, _step_index(frame, steps), q, len(steps))
    if q.store:
        attempts = attempts.filter(pl.col("store") == q.store)
    if q.channel:
        attempts = attempts.filter(pl.col("channel") == q.channel)
    if q.segment:
        attempts = attempts.filter(pl.col("segment") == q.segment)
    if q.since:
        attempts = attempts.filter(pl.col("local_at") >= datetime.combine(q.since, time()))
    if q.until:
        end = datetime.combine(q.until + timedelta(days=1), time())
        attempts = attempts.filter(pl.col("local_at") < end)
    if q.first or q.outcome:
        from cxm.analytics.first_touchpoint import customers_allowed

        allowed = customers_allowed(con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days)
        attempts = attempts.filter(pl.col("person").is_in(allowed or []))
    return attempts


def funnel(con: Any, org_id: int, q: FunnelQuery) -> Funnel:
    """The funnel over the synced analytics store (``con``: Ibis DuckDB connection)."""
    attempts = attempts_of(con, org_id, q)
    labels = [parse_step(s).label for s in q.steps]
    if attempts.height == 0:
        return Funnel([], 0, 0, None, {}, "No attempts match these filters.")
    done = attempts.filter(pl.col("reached") == len(labels))
    total_hours = (
        done.select((pl.col("times").list.last() - pl.col("times").list.first()) / 3.6e9)
        .to_series()
        .median()
    )
    return Funnel(
        _summarise(attempts, labels),
        attempts.height,
        done.height,
        float(total_hours) if done.height else None,  # type: ignore[arg-type]
        _groups(attempts, "channel", labels),
        by_segment=_groups(attempts, "segment", labels),
    )


def _groups(attempts: pl.DataFrame, column: str, labels: list[str]) -> dict[str, list[StepResult]]:
    return {
        str(g): _summarise(attempts.filter(pl.col(column) == g), labels)
        for g in sorted(attempts[column].drop_nulls().unique().to_list())
    }
