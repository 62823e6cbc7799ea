"""What happened to each order: lateness, contacts, returns, touchpoints, NPS answer, churn.

The per-order view of journeys: one row per order with the facts that outcome, rework,
driver and friction analyses share. Whether an order was *late* comes from
``cxm.analytics.punctuality`` (the one rule; an order with no promised date is never late),
and *days_late* from the same promised and delivered days; *contacts* are the most events
about the order at any one contact-centre touchpoint (the same question asked again);
*returned* means a "returned" shipment update or a refund. *Churned* means the order is the
customer's last (merged customers counted as one) and at least ``followup_days`` of data
follow it; orders with less follow-up have no churn value. *city* is where the customer's
located events mostly happen, *home_store* the store where most of their store events happen
(their usual store). The NPS answer is the latest 0-10 ``nps`` answer of a response linked
to the order, scored +100 (9-10), 0 (7-8) or -100 (0-6) per respondent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from cxm.analytics.punctuality import delivery_sql
from cxm.core.errors import Fault, ValidationError


@dataclass(frozen=True)
class OrderQuery:
    store: str | None = None  # orders placed at this location code
    channel: str | None = None  # orders placed in this channel
    since: date | None = None  # placed on or after (organization time)
    until: date | None = None
    followup_days: int = 120  # data needed after an order to call it the customer's last
    touchpoints: tuple[str, ...] = ()  # touchpoint codes to flag per order (``tp_<code>``)
    home_store: str | None = None  # orders of customers whose usual store this is

    def check(self) -> None:
        if not 1 <= self.followup_days <= 730:
            raise ValidationError(
                "followup_days must lie between 1 and 730.",
                [Fault("between 1 and 730", "followup_days")],
            )
        if self.since and self.until and self.since > self.until:
            raise ValidationError("since lies after until.", [Fault("after until", "since")])


_ORDERS = """
WITH o AS (
  SELECT o.id AS order_id, coalesce(c.merged_into, c.id) AS person, o.channel,
         o.placed_at, o.placed_at_local, o.promised_delivery_date AS promised,
         coalesce(o.refunded, false) AS refunded, l.code AS store, c.segment
  FROM customer_order o JOIN customer c ON c.id = o.customer_id
  LEFT JOIN location l ON l.id = o.location_id
  WHERE o.organization_id = $org
), ship AS (
  SELECT order_id, bool_or(status = 'returned') AS back
  FROM shipment_update WHERE organization_id = $org GROUP BY order_id
), punctual AS ({punctual}
), ev AS (
  SELECT order_id, max(n) FILTER (WHERE channel = 'contact_centre') AS contacts {flags}
  FROM (
    SELECT e.order_id, t.code, t.channel, count(*) AS n
    FROM event e JOIN touchpoint t ON t.id = e.touchpoint_id
    WHERE e.organization_id = $org AND e.order_id IS NOT NULL
    GROUP BY e.order_id, t.code, t.channel
  ) GROUP BY order_id
), answer AS (
  SELECT r.order_id, arg_max(a.value, r.completed_at) AS nps
  FROM survey_response r JOIN survey_answer a ON a.response_id = r.id
  WHERE r.organization_id = $org AND a.kind = 'nps' AND r.order_id IS NOT NULL
  GROUP BY r.order_id
), visits AS (
  SELECT coalesce(c.merged_into, c.id) AS person, l.city, count(*) AS n
  FROM event e JOIN customer c ON c.id = e.customer_id JOIN location l ON l.id = e.location_id
  WHERE e.organization_id = $org AND l.city IS NOT NULL GROUP BY 1, 2
), home AS (
  SELECT person, first(city ORDER BY n DESC, city) AS city FROM visits GROUP BY person
), store_visits AS (
  SELECT coalesce(c.merged_into, c.id) AS person, l.code, count(*) AS n
  FROM event e JOIN customer c ON c.id = e.customer_id JOIN location l ON l.id = e.location_id
  WHERE e.organization_id = $org AND l.kind = 'store' GROUP BY 1, 2
), home_store AS (
  SELECT person, first(code ORDER BY n DESC, code) AS code FROM store_visits GROUP BY person
), horizon AS (
  SELECT max(occurred_at) AS last_seen FROM event WHERE organization_id = $org
)
SELECT o.order_id, o.person, o.channel, o.store, o.segment, home.city,
       home_store.code AS home_store, o.placed_at,
       o.placed_at_local, o.promised,
       p.delivery <> '(no delivery)' AS delivery, p.delivery = 'late' AS late,
       date_diff('day', p.promised, p.delivered_on) AS days_late,
       coalesce(ev.contacts, 0) AS contacts,
       coalesce(ship.back, false) OR o.refunded AS returned,
       answer.nps,
       lead(o.placed_at) OVER (PARTITION BY o.person ORDER BY o.placed_at, o.order_id)
         AS next_order_at,
       o.placed_at <= horizon.last_seen - to_days($followup) AS followed_up
       {flag_cols}
FROM o LEFT JOIN punctual p ON p.punctual_order = o.order_id
LEFT JOIN ship ON ship.order_id = o.order_id
LEFT JOIN ev ON ev.order_id = o.order_id
LEFT JOIN answer ON answer.order_id = o.order_id
LEFT JOIN home ON home.person = o.person
LEFT JOIN home_store ON home_store.person = o.person
CROSS JOIN horizon
"""


PROBLEMS = ("late", "contact_loop", "returned")  # the order problems read from the facts


def had(name: str, loop_contacts: int) -> pl.Expr:
    """Whether an order had ``name``: one of ``PROBLEMS`` (a contact loop is
    ``loop_contacts`` or more contacts at one contact-centre touchpoint) or, for any other
    name, an event at that touchpoint code (its ``tp_`` column)."""
    if name == "contact_loop":
        return pl.col("contacts") >= loop_contacts
    return pl.col(name) if name in ("late", "returned") else pl.col(f"tp_{name}")


def nps_score(column: str = "nps") -> pl.Expr:
    """A 0-10 answer as a per-respondent NPS score: +100, 0 or -100 (null stays null)."""
    value = pl.col(column)
    score = pl.when(value >= 9).then(100.0).when(value >= 7).then(0.0).otherwise(-100.0)
    return pl.when(value.is_null()).then(None).otherwise(score)


def known_touchpoints(con: Any, org_id: int) -> dict[str, dict[str, Any]]:
    """Touchpoint codes of the organization with their channel and stage."""
    rows = con.con.execute(
        "SELECT code, channel, stage, id FROM touchpoint WHERE organization_id = ?", [org_id]
    ).fetchall()
    return {r[0]: {"channel": r[1], "stage": r[2], "id": r[3]} for r in rows}


def order_facts(con: Any, org_id: int, q: OrderQuery) -> pl.DataFrame:
    """One row per order matching the query (``con`` is a synced Ibis DuckDB connection)."""
    q.check()
    known = known_touchpoints(con, org_id)
    unknown = [c for c in q.touchpoints if c not in known]
    if unknown:
        raise ValidationError(
            f"Unknown touchpoint: {', '.join(unknown)}.",
            [Fault(f"no touchpoint '{c}'", "touchpoints") for c in unknown],
        )
    flags = "".join(f", bool_or(code = $tp{i}) AS f{i}" for i in range(len(q.touchpoints)))
    flag_cols = "".join(
        f', coalesce(ev.f{i}, false) AS "tp_{code.replace(chr(34), chr(34) * 2)}"'
        for i, code in enumerate(q.touchpoints)
    )
    params: dict[str, Any] = {"org": org_id, "followup": q.followup_days}
    params.update({f"tp{i}": code for i, code in enumerate(q.touchpoints)})
    sql = _ORDERS.format(flags=flags, flag_cols=flag_cols, punctual=delivery_sql(con, org_id))
    frame = pl.from_arrow(con.con.sql(sql, params=params).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    if q.store:
        frame = frame.filter(pl.col("store") == q.store)
    if q.channel:
        frame = frame.filter(pl.col("channel") == q.channel)
    if q.home_store:
        frame = frame.filter(pl.col("home_store") == q.home_store)
    if q.since:
        frame = frame.filter(pl.col("placed_at_local").dt.date() >= q.since)
    if q.until:
        frame = frame.filter(pl.col("placed_at_local").dt.date() <= q.until)
    return with_outcomes(frame)


def with_outcomes(frame: pl.DataFrame) -> pl.DataFrame:
    """The facts with the outcomes read from them: ``score`` (from ``nps``), ``churned`` and
    ``repeat_90`` (from ``followed_up`` and ``next_order_at``); both forms of the facts end
    here, so the outcome rules have one definition."""
    return frame.with_columns(
        score=nps_score(),
        churned=pl.when(pl.col("followed_up")).then(pl.col("next_order_at").is_null()),
        # A last order did not repeat: False, not null (a null would drop it from the share).
        repeat_90=pl.when(pl.col("followed_up")).then(
            pl.col("next_order_at").is_not_null()
            & ((pl.col("next_order_at") - pl.col("placed_at")).dt.total_days() <= 90)
        ),
    )


_VARIANTS = """
SELECT order_id, string_agg(code, '{sep}' ORDER BY ts, seq) AS variant FROM (
  SELECT e.order_id, t.code, e.occurred_at AS ts, e.id AS seq,
         lag(t.code) OVER (PARTITION BY e.order_id ORDER BY e.occurred_at, e.id) AS before
  FROM event e JOIN touchpoint t ON t.id = e.touchpoint_id
  WHERE e.organization_id = ? AND e.order_id IS NOT NULL
) WHERE before IS NULL OR before <> code GROUP BY order_id
"""


_VOICES = """
SELECT r.order_id, 'csat' AS kind, a.value AS value, NULL AS negative
FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
WHERE a.organization_id = $org AND a.kind = 'csat' AND r.order_id IS NOT NULL
  AND r.status = 'complete'
UNION ALL
SELECT f.order_id, 'sentiment', e.sentiment_score, e.sentiment = 'negative'
FROM feedback f JOIN (
  SELECT feedback_id, max(id) AS newest FROM text_enrichment
  WHERE organization_id = $org GROUP BY feedback_id
) n ON n.feedback_id = f.id JOIN text_enrichment e ON e.id = n.newest
WHERE f.organization_id = $org AND f.order_id IS NOT NULL
"""

VARIANT_SEPARATOR = "\u2192"


def order_variants(con: Any, org_id: int) -> pl.DataFrame:
    """``order_id`` and ``variant``: the touchpoint codes of the events about each order, in
    order of time then arrival, a code repeated back to back kept once, joined by an arrow."""
    sql = _VARIANTS.format(sep=VARIANT_SEPARATOR)
    frame = pl.from_arrow(con.con.sql(sql, params=[org_id]).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def order_voices(con: Any, org_id: int) -> pl.DataFrame:
    """What customers said about orders, one row each: ``order_id``, ``kind`` (``csat``: a
    completed 1-5 answer in ``value``; ``sentiment``: a comment's newest enrichment, its score
    in ``value`` and whether it reads ``negative``)."""
    frame = pl.from_arrow(con.con.sql(_VOICES, params={"org": org_id}).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


@dataclass(frozen=True)
class OrderSource:
    """Where the per-order frames come from: the embedded DuckDB SQL (``EMBEDDED``, the fast
    default) or the portable Ibis expressions that run on DuckDB and Spark
    (``cxm.analytics.portable_orders.PORTABLE``). Both give the same frames; the analyses on
    top (drivers, outcomes, friction) are the same Python code on either. ``portable`` says
    how the analyses read what they need besides these frames (theme readings of comments,
    the evidence behind a friction point): as Ibis expressions any engine runs, or with the
    embedded store's SQL."""

    facts: Callable[[Any, int, OrderQuery], pl.DataFrame] = order_facts
    variants: Callable[[Any, int], pl.DataFrame] = order_variants
    voices: Callable[[Any, int], pl.DataFrame] = order_voices
    portable: bool = False


EMBEDDED = OrderSource()
