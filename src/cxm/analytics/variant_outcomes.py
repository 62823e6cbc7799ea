"""Outcome per journey variant: the NPS, conversion and churn of each variant's journeys.

Definitions (the same on the journey store's fast path here and on the portable Ibis path,
``portable_variants``; times in whole UTC seconds, each floored to its second; a customer
merged into another counts as that one):

- **NPS**: the complete NPS answers (0-10) of the journey's customer given from the
  journey's first event to ``GRACE_DAYS`` (14) days after its last event, since surveys
  follow the journey. The grace is cut to ``gap_days`` when that is shorter, so an answer
  never counts for two journeys of one customer (the next journey starts more than
  ``gap_days`` after). By order cycle (``split="order"``) the grace is the full 14 days,
  and an answer given early in the next journey counts for both. Every such answer counts;
  NPS with its 95% interval (``stats.nps``).
- **Conversion**: the share of journeys during which the customer placed an order (an order
  of theirs placed between the journey's first and last event, both included), with its
  Wilson interval. Orders come from the orders table, not from the events, so a journey
  that only carries after-sales events about an earlier order does not convert.
- **Churn**: of the journeys that end at least ``churn_days`` (default 90) before the end
  of the data (the organization's latest mapped event), the share after which the
  customer's next mapped event (in time, then arrival, whatever the filters) came more
  than ``churn_days`` later, or never; with its Wilson interval and the journeys counted
  (``followed_up``). Recent journeys are not called churned, as in ``order_facts``.

Only the variants shown (the top ones) get outcomes: their journeys are picked from the
kernel's per-journey keys, so the cost follows the journeys shown, not every variant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from cxm.analytics import journey_kernels
from cxm.analytics.journeys import JourneyQuery, Variant
from cxm.analytics.stats import nps, proportion
from cxm.core.errors import Fault, ValidationError

GRACE_DAYS = 14
CHURN_DAYS = 90
DAY = 86400


@dataclass(frozen=True)
class Tally:
    """One variant's outcome counts."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    converted: int = 0
    followed_up: int = 0
    churned: int = 0


def check_churn_days(churn_days: int) -> None:
    if not 1 <= churn_days <= 365:
        raise ValidationError(
            "churn_days must lie between 1 and 365.", [Fault("1-365", "churn_days")]
        )


def gap_for_grace(q: JourneyQuery) -> int:
    """The gap that cuts the grace: ``gap_days``, or none (the full grace) by order cycle."""
    return q.gap_days if q.split == "gap" else GRACE_DAYS


def grace_secs(gap_days: int) -> int:
    """Seconds after a journey's last event in which an answer still counts for it."""
    return min(GRACE_DAYS, gap_days) * DAY


def with_outcomes(variant: Variant, tally: Tally) -> Variant:
    score = nps(tally.promoters, tally.passives, tally.detractors)
    conversion = proportion(tally.converted, variant.journeys)
    churn = proportion(tally.churned, tally.followed_up)
    return replace(
        variant,
        respondents=score.n,
        nps=score.value,
        nps_low=score.low,
        nps_high=score.high,
        converted=tally.converted,
        conversion=conversion.value,
        conversion_low=conversion.low,
        conversion_high=conversion.high,
        followed_up=tally.followed_up,
        churned=tally.churned,
        churn=churn.value,
        churn_low=churn.low,
        churn_high=churn.high,
    )


_ANSWERS = """
SELECT coalesce(c.merged_into, c.id) AS person,
       CAST(floor(epoch_us(r.completed_at) / 1000000) AS BIGINT) AS secs, a.value
FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
JOIN customer c ON c.id = r.customer_id
WHERE a.organization_id = ? AND a.kind = 'nps' AND r.status = 'complete'
  AND r.completed_at IS NOT NULL AND a.value BETWEEN 0 AND 10
"""

_ORDERS = """
SELECT coalesce(c.merged_into, c.id) AS person,
       CAST(floor(epoch_us(o.placed_at) / 1000000) AS BIGINT) AS secs
FROM customer_order o JOIN customer c ON c.id = o.customer_id
WHERE o.organization_id = ?
"""


def _frame(duck: Any, sql: str, org_id: int) -> pl.DataFrame:
    frame = pl.from_arrow(duck.sql(sql, params=[org_id]).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def tallies(
    members: pl.DataFrame,
    answers: pl.DataFrame,
    orders: pl.DataFrame,
    events: pl.DataFrame,
    gap_days: int,
    churn_days: int,
) -> dict[int, Tally]:
    """Counts per variant ``rank`` from the chosen journeys (``variant_journeys``), the
    answers and orders (``person``, ``secs``) and every mapped event of the organization in
    journey-store order with the journeys' ``last_row`` pointing into it."""
    members = members.with_row_index("j")
    window = members.select("j", "rank", "person", "first", "last")
    said = (
        window.join(answers, on="person")
        .filter(pl.col("secs").is_between(pl.col("first"), pl.col("last") + grace_secs(gap_days)))
        .group_by("rank")
        .agg(
            promoters=(pl.col("value") >= 9).sum(),
            passives=((pl.col("value") >= 7) & (pl.col("value") < 9)).sum(),
            detractors=(pl.col("value") < 7).sum(),
        )
    )
    bought = (
        window.join(orders, on="person")
        .filter(pl.col("secs").is_between(pl.col("first"), pl.col("last")))
        .group_by("rank")
        .agg(converted=pl.col("j").n_unique())
    )
    # The next event after a journey is the row after its last one, if the same person's.
    n = events.height
    end = int(events["secs"].max() or 0) if n else 0  # type: ignore[arg-type]
    after = members["last_row"].cast(pl.Int64) + 1
    nxt = after.clip(upper_bound=max(n - 1, 0))
    horizon = members["last"] + churn_days * DAY
    churn = (
        pl.DataFrame(
            {
                "rank": members["rank"],
                "followed": horizon <= end,
                "returned": (after < n)
                & (events["person"].gather(nxt) == members["person"])
                & (events["secs"].gather(nxt) <= horizon),
            }
        )
        .group_by("rank")
        .agg(
            followed_up=pl.col("followed").sum(),
            churned=(pl.col("followed") & ~pl.col("returned")).sum(),
        )
    )
    found: dict[int, dict[str, int]] = {}
    for part in (said, bought, churn):
        for r in part.iter_rows(named=True):
            found.setdefault(int(r.pop("rank")), {}).update({k: int(v) for k, v in r.items()})
    return {rank: Tally(**counts) for rank, counts in found.items()}


def load_variants(
    analytics: Any, org_id: int, q: JourneyQuery, top: int = 20, churn_days: int = CHURN_DAYS
) -> list[Variant]:
    """The top variants with their outcomes, from the journey store (the fast path)."""
    from cxm.analytics.journey_store import sorted_events

    check_churn_days(churn_days)
    with analytics.fresh() as con:
        events = sorted_events(analytics, org_id).with_row_index("row")
        frame, names = journey_kernels.read(con, events, org_id, q)
        return top_variants(con, org_id, q, events, frame, names, top, churn_days)


def top_variants(
    con: Any,
    org_id: int,
    q: JourneyQuery,
    events: pl.DataFrame,
    frame: pl.DataFrame,
    names: dict[int, str],
    top: int = 20,
    churn_days: int = CHURN_DAYS,
) -> list[Variant]:
    """The top variants of the query's journeys ``frame`` with their outcomes; ``events``
    is the journey store with a ``row`` index (``con``: synced Ibis DuckDB)."""
    found, members = journey_kernels.variant_journeys(frame, names, top)
    if not found:
        return []
    answers = _frame(con.con, _ANSWERS, org_id)
    orders = _frame(con.con, _ORDERS, org_id)
    counts = tallies(members, answers, orders, events, gap_for_grace(q), churn_days)
    return [with_outcomes(v, counts.get(i, Tally())) for i, v in enumerate(found)]
