"""Funnels as portable Ibis expressions (DuckDB, PySpark), equal to ``funnels.funnel``.

An attempt's fate depends on where the one before it ended, which no window function can
express. So every step-1 event is first treated as a possible start: window functions give,
for each event, the next event matching each step (and, strict, the next one that breaks the
order) and the number of events inside the window; k joins then walk the steps from every
possible start and find where that attempt would end, hence the possible start after it.
The real starts are the chain from each person's first step-1 event, followed by pointer
doubling (log₂ of the longest chain in joins, each level cached). Counts, customers and
medians are aggregated by the engine; times are epoch microseconds, as on the fast path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
from ibis import _

from cxm.analytics.funnels import (
    Funnel,
    FunnelQuery,
    Step,
    StepResult,
    resolve_steps,
    step_results,
)

# Each engine's own SQL functions, called by name: microseconds since the epoch, and a JSON
# value as text (numbers too).
_duck_micros: Any = ibis.udf.scalar.builtin(
    lambda ts: None, name="epoch_us", signature=((dt.timestamp,), dt.int64)
)
_spark_micros: Any = ibis.udf.scalar.builtin(
    lambda ts: None, name="unix_micros", signature=((dt.timestamp,), dt.int64)
)
_duck_property: Any = ibis.udf.scalar.builtin(
    lambda doc, path: None,
    name="json_extract_string",
    signature=((dt.string, dt.string), dt.string),
)
_spark_property: Any = ibis.udf.scalar.builtin(
    lambda doc, path: None, name="get_json_object", signature=((dt.string, dt.string), dt.string)
)


def _functions(con: Any) -> tuple[Any, Any]:
    """Epoch microseconds of a UTC time, and a JSON property as text, on this engine."""
    if con.name == "pyspark":
        # Spark reads the Parquet times as TIMESTAMP_NTZ; the session's zone is UTC.
        utc = dt.Timestamp(timezone="UTC")
        return (lambda ts: _spark_micros(ts.cast(utc))), _spark_property
    return _duck_micros, _duck_property


def json_property(con: Any) -> Any:
    """The engine's function giving a JSON document's value at a path as text."""
    return _functions(con)[1]


def _resolve(con: Any, org_id: int, steps: list[Step]) -> list[Step]:
    touchpoints = con.table("touchpoint").filter(_.organization_id == org_id)
    codes = set(touchpoints.select("code").distinct().to_pyarrow().column(0).to_pylist())
    found = touchpoints.select("stage").distinct().to_pyarrow().column(0).to_pylist()
    stages = {str(st) for st in found if st}
    names = sorted({s.event or s.label for s in steps})
    events = con.table("event").filter((_.organization_id == org_id) & _.name.isin(names))
    seen = set(events.select("name").distinct().to_pyarrow().column(0).to_pylist())
    return resolve_steps(steps, codes, seen, stages)


def _events(con: Any, org_id: int, steps: list[Step], strict: bool) -> Any:
    """The events a funnel reads, each with its position in the person's order and ``h{i}``:
    whether it matches step i."""
    micros, prop = _functions(con)
    events = con.table("event").filter(_.organization_id == org_id)
    customers = con.table("customer").select(cid=_.id, merged_into=_.merged_into)
    own = con.table("customer").select(pid=_.id, segment=_.segment)
    touchpoints = con.table("touchpoint").select(
        tp=_.id, code=_.code, tp_stage=_.stage, tp_channel=_.channel
    )
    locations = con.table("location").select(loc=_.id, store=_.code)
    t = events.join(customers, events.customer_id == customers.cid)
    t = t.mutate(person=t.merged_into.fill_null(t.cid))
    t = t.join(own, t.person == own.pid)
    t = t.left_join(touchpoints, t.touchpoint_id == touchpoints.tp)
    t = t.left_join(locations, t.location_id == locations.loc)
    names = sorted({s.event for s in steps if s.event})
    codes = sorted({s.touchpoint for s in steps if s.touchpoint})
    stages = sorted({s.stage for s in steps if s.stage})
    if strict:
        t = t.filter(t.touchpoint_id.notnull() | t.name.isin(names or [""]))
    else:
        named = t.name.isin(names or [""]) | t.code.isin(codes or [""])
        t = t.filter(named | t.tp_stage.isin(stages or [""]))
    hits: dict[str, Any] = {}
    for i, s in enumerate(steps):
        if s.touchpoint:
            hit = t.code == s.touchpoint
        elif s.stage:
            hit = t.tp_stage == s.stage
        elif s.key is None:
            hit = t.name == s.event
        else:
            value = prop(t.properties.cast("string"), f"$.{s.key}")
            hit = (t.name == s.event) & (value == s.value)
        hits[f"h{i}"] = hit.fill_null(False)
    t = t.select(
        "person",
        us=micros(t.occurred_at),
        seq=t.id,
        local_at=t.occurred_at_local,
        channel=t.channel.fill_null(t.tp_channel),
        store=t.store,
        segment=t.segment,
        **hits,
    )
    in_order = ibis.window(group_by=t.person, order_by=[t.us, t.seq])
    return t.mutate(pos=ibis.row_number().over(in_order).cast("int64"))


def _lookups(t: Any, k: int, strict: bool, window_us: int) -> Any:
    """Per event: ``wend``, the position of the first event past a window opening here;
    ``nh{j}``, the next event matching step j; ``nb{j}`` (strict), the next one that would
    break the order there; ``nstart``, the first step-1 event here or later."""
    after = ibis.window(group_by=t.person, order_by=t.pos, rows=(1, None))
    from_here = ibis.window(group_by=t.person, order_by=t.pos, rows=(0, None))
    within = ibis.window(group_by=t.person, order_by=t.us, range=(None, window_us))
    cols: dict[str, Any] = {
        "wend": t.count().over(within),
        "nstart": t.h0.ifelse(t.pos, ibis.null("int64")).min().over(from_here),
    }
    for j in range(1, k):
        hit = t[f"h{j}"]
        cols[f"nh{j}"] = hit.ifelse(t.pos, ibis.null("int64")).min().over(after)
        if strict:
            breaks = ~hit & ~t.h0
            cols[f"nb{j}"] = breaks.ifelse(t.pos, ibis.null("int64")).min().over(after)
    return t.mutate(**cols)


def _walk(look: Any, k: int, strict: bool) -> Any:
    """From every step-1 event: the steps an attempt starting there reaches (``reached``,
    times ``u{j}``) and ``succ``, the position where the next attempt would start."""
    t = look.filter(look.h0)
    t = t.select(
        "person",
        "channel",
        "store",
        "local_at",
        "segment",
        "wend",
        start=t.pos,
        p0=t.pos,
        u0=t.us,
        ok=ibis.literal(True),
        reached=ibis.literal(1, "int64"),
        close=ibis.null("int64"),
    )
    for j in range(1, k):
        cols = {"lp": look.person, "lpos": look.pos, "nh": look[f"nh{j}"]}
        if strict:
            cols["nb"] = look[f"nb{j}"]
        if j > 1:
            cols["lus"] = look.us
        at = look.select(**cols)
        t = t.left_join(at, (t.person == at.lp) & (t[f"p{j - 1}"] == at.lpos))
        if j > 1:
            t = t.mutate(**{f"u{j - 1}": t.lus}).drop("lus")
        ok = t.ok & t.nh.notnull() & (t.nh < t.wend)
        if strict:
            ok = ok & (t.nb.isnull() | (t.nh < t.nb))
            ends = ibis.least(t.nb.fill_null(t.wend), t.wend)
        else:
            ends = t.wend
        failed = t.ok & ~ok
        t = t.mutate(
            **{f"p{j}": ok.ifelse(t.nh, ibis.null("int64"))},
            reached=t.reached + ok.cast("int64"),
            close=failed.ifelse(ends, t.close),
            ok=ok,
        )
        t = t.drop("lp", "lpos", "nh", *(["nb"] if strict else []))
    last = look.select(lp=look.person, lpos=look.pos, lus=look.us)
    t = t.left_join(last, (t.person == last.lp) & (t[f"p{k - 1}"] == last.lpos))
    t = t.mutate(
        **{f"u{k - 1}": t.lus},
        close=t.ok.ifelse(t[f"p{k - 1}"] + 1, t.close),
    ).drop("lp", "lpos", "lus")
    following = look.select(np=look.person, npos=look.pos, succ=look.nstart)
    t = t.left_join(following, (t.person == following.np) & (t.close == following.npos))
    return t.drop("np", "npos")


class _Scratch:
    """Intermediate tables materialised for one funnel and dropped after it: Spark keeps
    them as checkpointed views, DuckDB as temporary tables (dropped by name: this Ibis
    release's own ``release`` writes a DROP statement without the table name on DuckDB)."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.names: list[str] = []
        self.frames: list[Any] = []

    def keep(self, expr: Any) -> Any:
        name = ibis.util.gen_name("funnel")
        if self.con.name == "pyspark":
            # A local checkpoint cuts the lineage: cached tables keep their whole plan, and
            # the doubling's plans then grow until the driver runs out of memory.
            frame = self.con._session.sql(self.con.compile(expr)).localCheckpoint()
            frame.createOrReplaceTempView(name)
            self.frames.append(frame)
        else:
            self.con.create_table(name, expr, temp=True)
        self.names.append(name)
        return self.con.table(name)

    def drop(self) -> None:
        for name in self.names:
            if self.con.name == "pyspark":
                self.con._session.catalog.dropTempView(name)
            else:
                self.con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
        for frame in self.frames:
            frame.unpersist()
        self.names.clear()
        self.frames.clear()


def _chains(scratch: _Scratch, walk: Any) -> Any:
    """The real starts (person, start): each person's first step-1 event and every start
    its successors lead to, by pointer doubling over levels of 1, 2, 4... attempts."""
    # Spark's cached tables may narrow a column: keep both ends int64 for the unions.
    jumps = walk.select("person", start=walk.start.cast("int64"), to=walk.succ.cast("int64"))
    jumps = scratch.keep(jumps)
    longest = jumps.group_by("person").aggregate(n=_.count()).n.max().to_pyarrow().as_py()
    levels = [jumps]
    while 2 ** len(levels) < (longest or 0):
        a, b = levels[-1], levels[-1].view()
        twice = a.join(b, (a.person == b.person) & (a.to == b.start), how="left")
        levels.append(scratch.keep(twice.select(a.person, a.start, to=b.to)))
    starts = jumps.group_by("person").aggregate(start=jumps.start.min().cast("int64"))
    starts = scratch.keep(starts)
    for level in reversed(levels if (longest or 0) > 1 else []):
        moved = starts.join(level, ["person", "start"]).filter(_.to.notnull())
        moved = moved.select("person", start=moved.to.cast("int64"))
        starts = scratch.keep(starts.union(moved, distinct=True))
    return starts


def _aggregates(attempts: Any, k: int) -> dict[str, Any]:
    # Values outside a step are nulls rather than ``where=``: Ibis writes Spark's median
    # ``where`` into the percentage, which Spark refuses.
    metrics: dict[str, Any] = {"attempts": attempts.count()}
    for i in range(k):
        here = attempts.reached > i
        metrics[f"n{i}"] = here.cast("int64").sum()
        metrics[f"c{i}"] = here.ifelse(attempts.person, ibis.null("int64")).nunique()
        if i:
            hours = (attempts[f"u{i}"] - attempts[f"u{i - 1}"]).cast("float64") / 3.6e9
            metrics[f"m{i}"] = here.ifelse(hours, ibis.null("float64")).median()
    done = attempts.reached == k
    hours = (attempts[f"u{k - 1}"] - attempts.u0).cast("float64") / 3.6e9
    metrics["completed"] = done.cast("int64").sum()
    metrics["to_complete"] = done.ifelse(hours, ibis.null("float64")).median()
    return metrics


def _steps(row: dict[str, Any], labels: list[str]) -> list[StepResult]:
    k = len(labels)
    medians = [None, *(row[f"m{i}"] for i in range(1, k))]
    return step_results(
        labels,
        int(row["attempts"]),
        [int(row[f"n{i}"] or 0) for i in range(k)],
        [int(row[f"c{i}"] or 0) for i in range(k)],
        [float(m) if m is not None else None for m in medians],
    )


@contextmanager
def portable_attempts(con: Any, org_id: int, q: FunnelQuery) -> Iterator[Any]:
    """The attempts the filters keep, as an Ibis table valid inside the block: ``person``,
    ``reached`` (steps reached), ``u{i}`` (epoch microseconds step i was reached) and the
    first event's ``channel``, ``store``, ``local_at`` and ``segment``."""
    steps = _resolve(con, org_id, q.check())
    k = len(steps)
    look = _lookups(_events(con, org_id, steps, q.strict), k, q.strict, _window_us(q))
    scratch = _Scratch(con)
    try:
        look = scratch.keep(look)
        walk = scratch.keep(_walk(look, k, q.strict))
        attempts = walk.semi_join(_chains(scratch, walk), ["person", "start"])
        if q.store:
            attempts = attempts.filter(attempts.store == q.store)
        if q.channel:
            attempts = attempts.filter(attempts.channel == q.channel)
        if q.segment:
            attempts = attempts.filter(attempts.segment == q.segment)
        if q.since:
            attempts = attempts.filter(attempts.local_at >= datetime.combine(q.since, time()))
        if q.until:
            end = datetime.combine(q.until + timedelta(days=1), time())
            attempts = attempts.filter(attempts.local_at < end)
        if q.first or q.outcome:
            from cxm.analytics.portable_friction import portable_customers_allowed

            allowed = portable_customers_allowed(
                con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days
            )
            attempts = attempts.filter(attempts.person.isin(allowed or [-1]))
        yield attempts
    finally:
        scratch.drop()


def portable_funnel(con: Any, org_id: int, q: FunnelQuery) -> Funnel:
    """The funnel on any Ibis backend: the same as ``funnels.funnel`` on the fast path."""
    labels = [s.label for s in q.check()]
    k = len(labels)
    with portable_attempts(con, org_id, q) as attempts:
        [overall] = attempts.aggregate(**_aggregates(attempts, k)).to_pyarrow().to_pylist()
        if not overall["attempts"]:
            return Funnel([], 0, 0, None, {}, "No attempts match these filters.")
        groups: dict[str, dict[str, list[StepResult]]] = {}
        for column in ("channel", "segment"):
            some = attempts.filter(attempts[column].notnull())
            rows = some.group_by(column).aggregate(**_aggregates(some, k)).to_pyarrow().to_pylist()
            groups[column] = {
                str(r[column]): _steps(r, labels) for r in sorted(rows, key=lambda r: r[column])
            }
    total = overall["to_complete"]
    return Funnel(
        _steps(overall, labels),
        int(overall["attempts"]),
        int(overall["completed"] or 0),
        float(total) if overall["completed"] else None,
        groups["channel"],
        by_segment=groups["segment"],
    )


def _window_us(q: FunnelQuery) -> int:
    return int(q.window_hours * 3_600_000_000)
