"""The rows a driver analysis reads: one per order analysed (answered for NPS, with enough
follow-up for repeat purchase and churn) with its score and each driver as 0/1, after the
filters (store, channel, period, segment, delivery promise, first touchpoint, outcome),
theme and rating drivers read in (``theme_drivers``, ``rating_drivers``); and a digest of
those rows, which keys the cached bootstrap intervals (``driver_intervals``)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import polars as pl

from cxm.analytics.driver_targets import analysed, target_rows
from cxm.analytics.first_touchpoint import keep_orders
from cxm.analytics.order_facts import EMBEDDED, PROBLEMS, OrderQuery, OrderSource, had
from cxm.analytics.rating_drivers import complete_cases, is_rating, with_rating_flags
from cxm.analytics.theme_drivers import is_theme, with_theme_flags

if TYPE_CHECKING:
    from cxm.analytics.drivers import DriverQuery


def fingerprint(data: pl.DataFrame) -> str:
    """A digest of the rows an analysis reads, in any order (the same data, the same digest)."""
    rows = data.sort(data.columns, nulls_last=True).write_csv()
    return hashlib.sha1(rows.encode(), usedforsecurity=False).hexdigest()


def respondents(
    con: Any, org_id: int, q: DriverQuery, source: OrderSource = EMBEDDED
) -> pl.DataFrame:
    """One row per order analysed (answered for NPS, with enough follow-up for repeat
    purchase and churn) with each driver as 0/1 and its score."""
    return rows_with_note(con, org_id, q, source)[0]


def rows_with_note(
    con: Any, org_id: int, q: DriverQuery, source: OrderSource = EMBEDDED
) -> tuple[pl.DataFrame, str | None]:
    """``respondents`` and, when rating drivers are named, a note on the orders they kept."""
    themes = [d for d in q.drivers if is_theme(d)]
    ratings = [d for d in q.drivers if is_rating(d)]
    codes = tuple(
        d for d in q.drivers if d not in PROBLEMS and not is_theme(d) and not is_rating(d)
    )
    facts = source.facts(
        con,
        org_id,
        OrderQuery(
            store=q.store,
            channel=q.channel,
            since=q.since,
            until=q.until,
            touchpoints=codes,
            home_store=q.home_store,
        ),
    )
    facts = target_rows(facts, q.target)
    facts = with_rating_flags(con, org_id, facts, ratings, source.portable)
    undelivered = 0  # analysed orders with every rating but no delivery promise
    if q.delivered_only:
        if ratings:
            rated = facts.drop_nulls(ratings)
            undelivered = rated.height - int(rated["delivery"].sum())
        facts = facts.filter(pl.col("delivery"))
    if q.segment is not None:
        facts = facts.filter(pl.col("segment") == q.segment)
    facts = keep_orders(con, org_id, facts, q.first, q.outcome, q.gap_days)
    facts = with_theme_flags(con, org_id, facts, themes, source.portable)
    facts, note = complete_cases(facts, ratings, undelivered, analysed(q.target))
    column = {
        d: pl.col(d) if is_theme(d) or is_rating(d) else had(d, q.loop_contacts) for d in q.drivers
    }
    return facts.sort("order_id").select(  # a fixed order: the bootstrap is reproducible
        "score",
        "channel",
        "segment",
        "city",
        *(column[d].cast(pl.Float64).alias(d) for d in q.drivers),
    ), note
