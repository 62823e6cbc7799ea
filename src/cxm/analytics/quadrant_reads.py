"""What the quadrants read from the analytics store besides the driver analyses: touchpoint
stages, the stores, the order facts and the CSAT ratings per touchpoint.

Two forms give the same answers. ``embedded_reads`` is the embedded DuckDB's SQL (fast, for
pages). ``portable_reads`` is Ibis expressions only, so the quadrants run on any engine
(PySpark over a Parquet export, ``cxm analytics spark quadrants``). On such an engine every
read is a job, so it reads the order facts of the quadrants' query once and cuts them per
usual store in Polars (as ``order_facts`` itself cuts them), keeps the orders whose journey
starts at the first touchpoint once (``first_touchpoint.portable_orders_starting_at``), finds
the raters with such a journey once (``portable_friction.portable_customers_allowed``, as the
friction sections find their customers) and counts the ratings of every store and touchpoint
in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

import ibis
import polars as pl
from ibis import _

from cxm.analytics.drivers import BUILT_IN
from cxm.analytics.first_touchpoint import (
    check_first,
    customers_allowed,
    portable_orders_starting_at,
)
from cxm.analytics.order_facts import EMBEDDED, OrderQuery, OrderSource, known_touchpoints
from cxm.analytics.rating_drivers import GOOD_CSAT

if TYPE_CHECKING:
    from cxm.analytics.quadrants import QuadrantQuery

Ratings = dict[str, tuple[int, int]]  # touchpoint code: (top-2-box ratings, ratings)


@dataclass(frozen=True)
class QuadrantReads:
    """The reads of one quadrants query on one engine."""

    source: OrderSource  # the order facts of the driver analyses and of the performance
    first: str | None  # the first touchpoint still to filter on (None: ``source`` did)
    stages: Callable[[], dict[str, str | None]]  # touchpoint code: its stage
    stores: Callable[[], list[str]]  # the organization's store codes, in order
    ratings: Callable[[str | None], Ratings]  # CSAT given at a store (None: anywhere)


_RATINGS = """
SELECT t.code, count(*) AS n, sum(CASE WHEN a.value >= ? THEN 1 ELSE 0 END) AS good
FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
JOIN touchpoint t ON t.id = r.touchpoint_id
LEFT JOIN location l ON l.id = r.location_id
LEFT JOIN customer c ON c.id = r.customer_id
WHERE a.organization_id = ? AND a.kind = 'csat' AND r.status = 'complete'
  AND (? IS NULL OR l.code = ?)
  AND (? IS NULL OR c.segment = ?)
  AND (? IS NULL OR list_contains(?, coalesce(c.merged_into, c.id)))
  AND (? IS NULL OR CAST(r.completed_at_local AS DATE) >= ?)
  AND (? IS NULL OR CAST(r.completed_at_local AS DATE) <= ?)
GROUP BY t.code
"""


def embedded_reads(con: Any, org_id: int, q: QuadrantQuery) -> QuadrantReads:
    """The reads as SQL on the embedded DuckDB (``con``: synced Ibis DuckDB)."""

    @cache
    def raters() -> list[int] | None:
        # The outcome reaches here only when the quadrants explain repeat purchase or churn.
        return customers_allowed(con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days)

    def ratings(store: str | None) -> Ratings:
        who = raters()
        rows = con.con.execute(
            _RATINGS,
            [
                GOOD_CSAT,
                org_id,
                store,
                store,
                q.segment,
                q.segment,
                who,
                who,
                q.since,
                q.since,
                q.until,
                q.until,
            ],  # fmt: skip
        ).fetchall()
        return {str(code): (int(good), int(n)) for code, n, good in rows if n}

    def stores() -> list[str]:
        rows = con.con.execute(
            "SELECT code FROM location WHERE organization_id = ? AND kind = 'store' ORDER BY code",
            [org_id],
        ).fetchall()
        return [str(code) for (code,) in rows]

    def stages() -> dict[str, str | None]:
        return {code: tp["stage"] for code, tp in known_touchpoints(con, org_id).items()}

    return QuadrantReads(EMBEDDED, q.first, stages, stores, ratings)


class _FactsOnce:
    """``OrderSource.facts`` over ``source`` that reads each query's facts once, flagging all
    of the quadrants' touchpoints and keeping only the orders whose journey (cut at
    ``gap_days``) starts at ``first``, and cuts them per usual store in Polars."""

    def __init__(
        self, source: OrderSource, codes: tuple[str, ...], first: str | None, gap_days: int
    ) -> None:
        self.source, self.codes, self.first, self.gap_days = source, codes, first, gap_days
        self.frames: dict[OrderQuery, pl.DataFrame] = {}

    def __call__(self, con: Any, org_id: int, q: OrderQuery) -> pl.DataFrame:
        assert set(q.touchpoints) <= set(self.codes), q.touchpoints
        key = replace(q, touchpoints=self.codes, home_store=None)
        if key not in self.frames:
            frame = self.source.facts(con, org_id, key)
            if self.first is not None:
                check_first(con, org_id, self.first)
                orders = portable_orders_starting_at(con, org_id, self.first, self.gap_days)
                kept = pl.Series(orders, dtype=pl.Int64).implode()
                frame = frame.filter(pl.col("order_id").is_in(kept))
            self.frames[key] = frame
        frame = self.frames[key]
        if q.home_store is not None:
            frame = frame.filter(pl.col("home_store") == q.home_store)
        return frame


def rating_counts(
    con: Any, org_id: int, q: QuadrantQuery, raters: list[int] | None
) -> pl.DataFrame:
    """Completed CSAT answers per ``store`` (the response's location code, null for none)
    and touchpoint ``code``: ``n`` and ``good`` (top-2-box), of the customers in ``raters``
    (None: everyone) and the query's segment and days; any Ibis engine."""
    answers = con.table("survey_answer").filter((_.organization_id == org_id) & (_.kind == "csat"))
    answers = answers.select(response_id=_.response_id, value=_.value)
    responses = con.table("survey_response").filter(_.status == "complete")
    responses = responses.select(
        rid=_.id,
        tp_id=_.touchpoint_id,
        loc_id=_.location_id,
        cust_id=_.customer_id,
        at=_.completed_at_local,
    )
    touchpoints = con.table("touchpoint").select(tp=_.id, code=_.code)
    locations = con.table("location").select(loc=_.id, store=_.code)
    customers = con.table("customer").select(
        cid=_.id, person=_.merged_into.fill_null(_.id), segment=_.segment
    )
    t = answers.join(responses, answers.response_id == responses.rid)
    t = t.join(touchpoints, t.tp_id == touchpoints.tp)
    t = t.left_join(locations, t.loc_id == locations.loc)
    t = t.left_join(customers, t.cust_id == customers.cid)
    if q.segment is not None:
        t = t.filter(t.segment == q.segment)
    if raters is not None:
        who = ibis.memtable({"who": raters}, schema={"who": "int64"})
        t = t.semi_join(who, t.person == who.who)
    if q.since is not None:
        t = t.filter(t.at >= datetime.combine(q.since, time()))
    if q.until is not None:
        t = t.filter(t.at < datetime.combine(q.until + timedelta(days=1), time()))
    counted = t.group_by(["store", "code"]).aggregate(
        n=t.count(), good=ibis.ifelse(t.value >= GOOD_CSAT, 1, 0).sum()
    )
    frame = pl.from_arrow(counted.to_pyarrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.col("n", "good").cast(pl.Int64))


def portable_reads(con: Any, org_id: int, q: QuadrantQuery, source: OrderSource) -> QuadrantReads:
    """The reads as Ibis expressions on any engine, the order facts from ``source`` (e.g.
    ``portable_orders.PORTABLE``)."""
    from cxm.analytics.portable_friction import portable_customers_allowed

    codes = tuple(d for d in q.drivers if d not in BUILT_IN)
    facts = _FactsOnce(source, codes, q.first, q.gap_days)

    @cache
    def counts() -> pl.DataFrame:
        raters = portable_customers_allowed(
            con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days
        )
        return rating_counts(con, org_id, q, raters)

    def ratings(store: str | None) -> Ratings:
        rows = counts() if store is None else counts().filter(pl.col("store") == store)
        summed = rows.group_by("code").agg(pl.col("good", "n").sum())
        return {r["code"]: (int(r["good"]), int(r["n"])) for r in summed.to_dicts() if r["n"]}

    def stores() -> list[str]:
        found = con.table("location").filter((_.organization_id == org_id) & (_.kind == "store"))
        codes = found.select("code").to_pyarrow().column("code").to_pylist()
        return sorted(str(c) for c in codes)

    def stages() -> dict[str, str | None]:
        found = con.table("touchpoint").filter(_.organization_id == org_id)
        rows = found.select("code", "stage").to_pyarrow().to_pylist()
        return {str(r["code"]): r["stage"] for r in rows}

    return QuadrantReads(replace(source, facts=facts), None, stages, stores, ratings)
