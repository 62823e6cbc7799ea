"""The first-touchpoint and outcome filters of the order-based analyses (drivers, quadrants,
friction points and their evidence) and of the event-based friction sections.

*First touchpoint of an order*: the touchpoint code at which the journey holding the order
starts. Journeys are cut as on the journey map (``journeys``: a customer's mapped events,
merged customers counted as one, ordered by time then arrival, split where the gap to the
previous event is longer than ``gap_days``, in whole seconds; 30 days unless the analysis
names another, as the journey map does), but from all of the customer's events, so an
order's first touchpoint does not depend on the period analysed. The journey
holding an order is the one holding the earliest mapped event linked to the order (where it
was placed, as a rule); an order with no mapped event has no journey and no first-touchpoint
filter keeps it.

*First touchpoint of an event-based section* (funnel drop-off, effort answers, comments):
the customers with a journey in the period starting at that touchpoint (journeys cut from
the period's events, as on the journey map and the emotion curve).

*Outcome*: the group of the customer's latest complete NPS answer (promoter 9-10, passive
7-8, detractor 0-6; ``journeys.people``). It keeps those customers in counts of reach and in
the event-based sections. Where NPS itself is the analysed variable (driver analysis,
quadrants, the NPS effect of a friction point) one outcome group leaves nearly no variation
to explain, so the driver analysis and quadrants refuse it (``refuse_outcome``) and the
friction list measures no NPS effect under it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

import ibis
import polars as pl

from cxm.analytics.journeys import OUTCOMES, JourneyQuery, journey_events, people
from cxm.core.errors import Fault, ValidationError

GAP_DAYS = 30  # the journey map's default inactivity gap
MAX_GAP_DAYS = 365

_ORDER_STARTS = """
WITH ev AS (
  SELECT coalesce(c.merged_into, c.id) AS person, e.id AS seq, e.occurred_at AS ts,
         CAST(floor(epoch(e.occurred_at)) AS BIGINT) AS secs, t.code, e.order_id
  FROM event e JOIN customer c ON c.id = e.customer_id
  JOIN touchpoint t ON t.id = e.touchpoint_id
  WHERE e.organization_id = $org
), marked AS (
  SELECT *, CASE WHEN secs - lag(secs) OVER w <= $gap THEN 0 ELSE 1 END AS new
  FROM ev WINDOW w AS (PARTITION BY person ORDER BY ts, seq)
), numbered AS (
  SELECT *, sum(new) OVER (PARTITION BY person ORDER BY ts, seq
                           ROWS UNBOUNDED PRECEDING) AS journey
  FROM marked
), starts AS (
  SELECT person, journey, first(code ORDER BY ts, seq) AS first_code
  FROM numbered GROUP BY person, journey
), holding AS (
  SELECT order_id, first(person ORDER BY ts, seq) AS person,
         first(journey ORDER BY ts, seq) AS journey
  FROM numbered WHERE order_id IS NOT NULL GROUP BY order_id
)
SELECT h.order_id FROM holding h JOIN starts s USING (person, journey)
WHERE s.first_code = $first ORDER BY h.order_id
"""


def check_first(con: Any, org_id: int, first: str | None) -> None:
    """An unknown touchpoint code is refused, naming the ``first`` field (any Ibis engine)."""
    if first is None:
        return
    known = con.table("touchpoint").filter(
        (ibis._.organization_id == org_id) & (ibis._.code == first)
    )
    if not known.count().to_pyarrow().as_py():
        raise ValidationError(
            f"first: no touchpoint {first!r} (the first touchpoint is a touchpoint code).",
            [Fault(f"no touchpoint '{first}'", "first")],
        )


def check_gap(gap_days: int) -> None:
    """Refuse an inactivity gap outside 1-365 days, naming the field."""
    if not 1 <= gap_days <= MAX_GAP_DAYS:
        raise ValidationError(
            f"gap_days: between 1 and {MAX_GAP_DAYS} days (got {gap_days}).",
            [Fault(f"between 1 and {MAX_GAP_DAYS}", "gap_days")],
        )


def check_outcome(outcome: str | None) -> None:
    """An outcome that is not promoter, passive or detractor is refused, naming the field."""
    if outcome is not None and outcome not in OUTCOMES:
        raise ValidationError(
            f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}.",
            [Fault(f"one of {', '.join(OUTCOMES)}", "outcome")],
        )


def refuse_outcome(outcome: str | None, analysis: str) -> None:
    """The outcome filter where NPS is what ``analysis`` explains: refused, saying why."""
    check_outcome(outcome)
    if outcome is not None:
        raise ValidationError(
            f"outcome: {analysis} explains the NPS answer, and the outcome is that answer's "
            f"group; keeping only {outcome}s leaves nothing to explain. Leave the outcome "
            "out, or compare groups on the journey map.",
            [Fault("not with an analysis of NPS itself", "outcome")],
        )


_READING: ContextVar[dict[tuple[int, int, str, int], list[int]] | None] = ContextVar(
    "order_starts", default=None
)


@contextmanager
def one_reading() -> Iterator[None]:
    """Within this block (one analysis over one synced state, e.g. the friction list or the
    quadrants per store) each ``orders_starting_at`` question is answered once."""
    if _READING.get() is not None:
        yield
        return
    token = _READING.set({})
    try:
        yield
    finally:
        _READING.reset(token)


def orders_starting_at(con: Any, org_id: int, first: str, gap_days: int = GAP_DAYS) -> list[int]:
    """The orders whose journey starts at the touchpoint ``first`` (any Ibis connection;
    the embedded DuckDB answers with one SQL query)."""
    memo = _READING.get()
    key = (id(con), org_id, first, gap_days)
    if memo is not None and key in memo:
        return memo[key]
    check_first(con, org_id, first)
    check_gap(gap_days)
    if getattr(con, "name", "") != "duckdb":
        found = portable_orders_starting_at(con, org_id, first, gap_days)
    else:
        params = {"org": org_id, "gap": gap_days * 86400, "first": first}
        found = [int(r[0]) for r in con.con.execute(_ORDER_STARTS, params).fetchall()]
    if memo is not None:
        memo[key] = found
    return found


def portable_orders_starting_at(
    con: Any, org_id: int, first: str, gap_days: int = GAP_DAYS
) -> list[int]:
    """``_ORDER_STARTS`` as an Ibis expression (window functions and joins only): the same
    orders on any engine, e.g. PySpark (``first`` and ``gap_days`` are not checked here:
    ``orders_starting_at`` checks them)."""
    _ = ibis._
    events = con.table("event").filter((_.organization_id == org_id) & _.touchpoint_id.notnull())
    customers = con.table("customer").select(cid=_.id, merged_into=_.merged_into)
    touchpoints = con.table("touchpoint").select(tp=_.id, code=_.code)
    t = events.join(customers, events.customer_id == customers.cid)
    t = t.join(touchpoints, t.touchpoint_id == touchpoints.tp)
    t = t.select(
        person=t.merged_into.fill_null(t.cid),
        seq=t.id,
        ts=t.occurred_at,
        secs=t.occurred_at.epoch_seconds().floor().cast("int64"),
        code=t.code,
        order_id=t.order_id,
    )
    by_person = ibis.window(group_by=t.person, order_by=[t.ts, t.seq])
    so_far = ibis.cumulative_window(group_by=t.person, order_by=[t.ts, t.seq])
    previous = t.secs.lag().over(by_person)
    t = t.mutate(new=ibis.ifelse((t.secs - previous) <= gap_days * 86400, 0, 1))
    t = t.mutate(journey=t.new.sum().over(so_far))
    in_journey = ibis.window(group_by=[t.person, t.journey], order_by=[t.ts, t.seq])
    starts = t.mutate(pos=ibis.row_number().over(in_journey))
    starts = starts.filter((starts.pos == 0) & (starts.code == first))
    starts = starts.select(s_person=starts.person, s_journey=starts.journey)
    linked = t.filter(t.order_id.notnull())
    in_order = ibis.window(group_by=linked.order_id, order_by=[linked.ts, linked.seq])
    holding = linked.mutate(pos=ibis.row_number().over(in_order))
    holding = holding.filter(holding.pos == 0)
    kept = holding.join(
        starts,
        (holding.person == starts.s_person) & (holding.journey == starts.s_journey),
    ).select("order_id")
    found = kept.to_pyarrow().column("order_id").to_pylist()
    return sorted(int(v) for v in found)


def customers_starting_at(
    con: Any,
    org_id: int,
    first: str,
    since: date | None = None,
    until: date | None = None,
    gap_days: int = GAP_DAYS,
) -> list[int]:
    """The customers (merged counted as one) with a journey in the period starting at
    ``first``."""
    check_first(con, org_id, first)
    frame = journey_events(con, org_id, JourneyQuery(gap_days, since=since, until=until,
                                                     first=first))  # fmt: skip
    return sorted(int(p) for p in frame["person"].unique().to_list()) if frame.height else []


def outcome_customers(con: Any, org_id: int, outcome: str) -> list[int]:
    """The customers whose latest complete NPS answer is in the ``outcome`` group."""
    check_outcome(outcome)
    who = people(con, org_id, JourneyQuery(outcome=outcome)).to_pyarrow()
    return sorted(int(v) for v in who.column("who").to_pylist())


def customers_allowed(
    con: Any,
    org_id: int,
    first: str | None,
    outcome: str | None,
    since: date | None = None,
    until: date | None = None,
    gap_days: int = GAP_DAYS,
) -> list[int] | None:
    """The customers an event-based section keeps under both filters; None when neither is
    set (everyone)."""
    check_outcome(outcome)
    check_gap(gap_days)
    allowed: set[int] | None = None
    if first is not None:
        allowed = set(customers_starting_at(con, org_id, first, since, until, gap_days))
    if outcome is not None:
        grouped = set(outcome_customers(con, org_id, outcome))
        allowed = grouped if allowed is None else allowed & grouped
    return None if allowed is None else sorted(allowed)


def keep_orders(
    con: Any,
    org_id: int,
    facts: pl.DataFrame,
    first: str | None,
    outcome: str | None = None,
    gap_days: int = GAP_DAYS,
) -> pl.DataFrame:
    """``order_facts`` rows of the orders whose journey (cut at ``gap_days``) starts at
    ``first`` and of the customers in the ``outcome`` group (either filter may be None)."""
    check_outcome(outcome)
    check_gap(gap_days)
    if first is not None:
        orders = orders_starting_at(con, org_id, first, gap_days)
        facts = facts.filter(pl.col("order_id").is_in(pl.Series(orders, dtype=pl.Int64).implode()))
    if outcome is not None:
        who = outcome_customers(con, org_id, outcome)
        facts = facts.filter(pl.col("person").is_in(pl.Series(who, dtype=pl.Int64).implode()))
    return facts
