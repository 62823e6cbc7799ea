"""Outcome per path: NPS, repeat purchase and churn by order variant or by an event.

The unit is the order (the per-order view of journeys). An order's *variant* is the
sequence of touchpoints of the events about it (ordered by time, then arrival; a touchpoint
repeated back to back counts once). With ``event`` set, orders are split into those that
had it (a touchpoint code or a built-in fact: ``late``, ``contact_loop``, ``returned``) and
those that did not, and the difference is tested (NPS: two-sample z; churn: two-proportion
z). Filters: the order's store, channel and dates, the customer's segment and outcome (as
the journey analyses read them) and the touchpoint the order's variant starts at. Each group
shows its orders, NPS with its 95% interval (from the linked answers), the share that
bought again within 90 days and the share that churned (see ``order_facts`` for the
follow-up rule), the mean CSAT (1-5) of the answers linked to the orders, and the mean
sentiment (-1 to 1) and negative share of the comments filed about them, read from the
newest text enrichment of each comment (Welch t tests for the differences).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from cxm.analytics.journeys import JourneyQuery, people
from cxm.analytics.order_facts import (
    EMBEDDED,
    PROBLEMS,
    VARIANT_SEPARATOR,
    OrderQuery,
    OrderSource,
    had,
)
from cxm.analytics.stats import (
    Change,
    Estimate,
    compare_estimated_means,
    compare_nps,
    compare_proportions,
    mean,
    nps,
    nps_groups,
)
from cxm.core.errors import Fault, ValidationError

BUILT_IN = PROBLEMS
SEPARATOR = VARIANT_SEPARATOR


@dataclass(frozen=True)
class OutcomeQuery:
    event: str | None = None  # split by this; None: by variant
    loop_contacts: int = 3
    top: int = 10
    store: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    followup_days: int = 120
    segment: str | None = None  # only orders of customers in this segment
    outcome: str | None = None  # only customers whose latest NPS answer is in this group
    first: str | None = None  # only orders whose variant starts at this touchpoint code

    def check(self) -> None:
        if not 1 <= self.top <= 100:
            raise ValidationError("top must lie between 1 and 100.", [Fault("1-100", "top")])
        JourneyQuery(segment=self.segment, outcome=self.outcome).check()

    def journey_filter(self) -> JourneyQuery:
        """The customer filters (segment, outcome) as the journey analyses read them."""
        return JourneyQuery(segment=self.segment, outcome=self.outcome)


@dataclass(frozen=True)
class OutcomeGroup:
    label: str
    orders: int
    customers: int
    respondents: int
    nps: float | None
    nps_low: float | None
    nps_high: float | None
    repeat_90: float | None  # share of followed-up orders with another order within 90 days
    churn: float | None  # share of followed-up orders that were the customer's last
    followed_up: int
    csat: float | None = None  # mean CSAT (1-5) of the answers linked to the orders
    csat_low: float | None = None
    csat_high: float | None = None
    csat_n: int = 0
    sentiment: float | None = None  # mean sentiment score (-1 to 1) of comments on the orders
    sentiment_low: float | None = None
    sentiment_high: float | None = None
    comments: int = 0
    negative_share: float | None = None  # share of those comments read as negative


@dataclass(frozen=True)
class Outcomes:
    groups: list[OutcomeGroup] = field(default_factory=list)
    nps_difference: float | None = None  # with the event minus without it
    nps_p_value: float | None = None
    churn_difference: float | None = None
    churn_p_value: float | None = None
    message: str | None = None
    csat_difference: float | None = None  # with the event minus without it (Welch t)
    csat_p_value: float | None = None
    sentiment_difference: float | None = None  # with minus without (Welch t)
    sentiment_p_value: float | None = None


@dataclass(frozen=True)
class _Voices:
    """CSAT answers and enriched comments about orders, one row each."""

    csat: pl.DataFrame
    sentiment: pl.DataFrame

    def of(self, rows: pl.DataFrame) -> tuple[Estimate, Estimate, float | None]:
        ids = rows["order_id"].implode()
        csat = self.csat.filter(pl.col("order_id").is_in(ids))["value"].to_list()
        said = self.sentiment.filter(pl.col("order_id").is_in(ids))
        negative = float(said["negative"].cast(pl.Float64).mean()) if said.height else None  # type: ignore[arg-type]
        return mean(csat), mean(said["value"].to_list()), negative


def _voices(frame: pl.DataFrame) -> _Voices:
    return _Voices(
        frame.filter(pl.col("kind") == "csat"), frame.filter(pl.col("kind") == "sentiment")
    )


def _group(
    label: str, rows: pl.DataFrame, voices: _Voices
) -> tuple[OutcomeGroup, Estimate, Estimate, Estimate]:
    answered = rows["nps"].drop_nulls()
    est = nps(*nps_groups([int(v) for v in answered.to_list()]))
    followed = rows.filter(pl.col("followed_up"))
    csat, said, negative = voices.of(rows)
    return (
        OutcomeGroup(
            label,
            rows.height,
            rows["person"].n_unique(),
            answered.len(),
            est.value,
            est.low,
            est.high,
            float(followed["repeat_90"].mean()) if followed.height else None,  # type: ignore[arg-type]
            float(followed["churned"].mean()) if followed.height else None,  # type: ignore[arg-type]
            followed.height,
            csat.value,
            csat.low,
            csat.high,
            csat.n,
            said.value,
            said.low,
            said.high,
            said.n,
            negative,
        ),
        est,
        csat,
        said,
    )


def _difference(a: Estimate, b: Estimate) -> Change:
    """b minus a, tested when both groups have a spread (a single answer has none)."""
    tested = compare_estimated_means(a, b)
    if tested.difference is None and a.value is not None and b.value is not None:
        return Change(b.value - a.value, None, tested.test)
    return tested


def outcomes(con: Any, org_id: int, q: OutcomeQuery, source: OrderSource = EMBEDDED) -> Outcomes:
    """Outcomes per variant, or with and without an event (``con``: synced Ibis DuckDB, or
    any Ibis backend with ``source=PORTABLE`` from ``cxm.analytics.portable_orders``)."""
    q.check()
    code = (q.event,) if q.event and q.event not in BUILT_IN else ()
    facts = source.facts(
        con,
        org_id,
        OrderQuery(q.store, q.channel, q.since, q.until, q.followup_days, touchpoints=code),
    )
    if q.segment or q.outcome:
        allowed = people(con, org_id, q.journey_filter()).to_pyarrow().column("who")
        facts = facts.filter(pl.col("person").is_in(pl.Series(allowed).implode()))
    if q.event is None or q.first:
        variants = source.variants(con, org_id)
        facts = facts.join(variants, on="order_id", how="left").with_columns(
            pl.col("variant").fill_null("(no events)")
        )
        if q.first:
            first = pl.col("variant").str.split(SEPARATOR).list.first()
            facts = facts.filter(first == q.first)
    if facts.height == 0:
        return Outcomes(message="No orders match these filters.")
    voices = _voices(source.voices(con, org_id))
    if q.event is None:
        ranked = facts.group_by("variant").len().sort(["len", "variant"], descending=[True, False])
        return Outcomes(
            [
                _group(v, facts.filter(pl.col("variant") == v), voices)[0]
                for v in ranked["variant"].head(q.top).to_list()
            ]
        )
    facts = facts.with_columns(had(q.event, q.loop_contacts).alias("had"))
    with_it, a, csat_a, said_a = _group(f"with {q.event}", facts.filter(pl.col("had")), voices)
    without, b, csat_b, said_b = _group(f"without {q.event}", facts.filter(~pl.col("had")), voices)
    csat_change = _difference(csat_b, csat_a)
    said_change = _difference(said_b, said_a)
    nps_change = compare_nps(b, a)
    fa = facts.filter(pl.col("had") & pl.col("followed_up"))
    fb = facts.filter(~pl.col("had") & pl.col("followed_up"))
    churn = compare_proportions(
        int(fb["churned"].sum()), fb.height, int(fa["churned"].sum()), fa.height
    )
    return Outcomes(
        [with_it, without],
        nps_change.difference,
        nps_change.p_value,
        churn.difference,
        churn.p_value,
        None,
        csat_change.difference,
        csat_change.p_value,
        said_change.difference,
        said_change.p_value,
    )
