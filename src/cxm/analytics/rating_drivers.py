"""Touchpoint ratings as drivers: whether the customer rated a touchpoint low, as a yes/no
driver of NPS.

A driver named ``rating:<code>`` (``rating:store_purchase``) is 1 for an answered order when
the CSAT answer (1-5) about the order at that touchpoint is low, 1 to 3: not top-2-box, the
quadrants' performance of a touchpoint read the other way round, so its effect reads as the
NPS points lost when customers rate the touchpoint low; 0 when it is 4 or 5. The answer is
the latest completed ``csat`` answer of a response linked to the order
(``survey_response.order_id``) and given at the touchpoint (``survey_response.touchpoint_id``),
the newest answer winning a tie. In the demo world every CSAT answer comes with the NPS
answer of the same response, linked to its order; only anonymous counter answers are
linked to no order (and count for no driver).

An order with no such answer says neither yes nor no: an analysis naming rating drivers keeps
the orders that have every named rating (complete cases) and says how many it kept.
A code that is no touchpoint, or a touchpoint with no CSAT answer about an order, is refused
naming ``drivers``.

The embedded store reads the answers with one DuckDB query; the portable form (the driver
analysis with ``source=PORTABLE``) is an Ibis expression any engine runs (DuckDB, PySpark);
both pick the same answer per order.
"""

from __future__ import annotations

from typing import Any

import ibis
import polars as pl
from ibis import _

from cxm.core.errors import Fault, ValidationError

PREFIX = "rating:"
GOOD_CSAT = 4  # top-2-box of a 1-5 CSAT: 4 and 5 are good, 1 to 3 low

_ANSWERS = """
SELECT order_id, code, value FROM (
  SELECT r.order_id, t.code, a.value,
         row_number() OVER (PARTITION BY r.order_id, t.code
                            ORDER BY r.completed_at DESC, a.id DESC) AS k
  FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
  JOIN touchpoint t ON t.id = r.touchpoint_id
  WHERE a.organization_id = $org AND a.kind = 'csat' AND r.status = 'complete'
    AND r.order_id IS NOT NULL AND list_contains($codes, t.code)
) WHERE k = 1
"""


def is_rating(driver: str) -> bool:
    return driver.startswith(PREFIX)


def rating_code(driver: str) -> str:
    """The touchpoint code a rating driver names."""
    return driver[len(PREFIX) :]


def rating_faults(drivers: tuple[str, ...]) -> list[Fault]:
    """Rating drivers that name no code at all (whether the code exists needs the data)."""
    return [
        Fault(f"'{d}': a rating driver is rating:CODE, e.g. rating:store_purchase", "drivers")
        for d in drivers
        if is_rating(d) and not rating_code(d).strip()
    ]


def _answers(con: Any, org_id: int, codes: list[str]) -> pl.DataFrame:
    table = con.con.sql(_ANSWERS, params={"org": org_id, "codes": codes}).to_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _portable_answers(con: Any, org_id: int, codes: list[str]) -> pl.DataFrame:
    """``_answers`` as an Ibis expression (any engine, e.g. PySpark)."""
    answers = con.table("survey_answer").filter((_.organization_id == org_id) & (_.kind == "csat"))
    answers = answers.select(aid=_.id, response_id=_.response_id, value=_.value)
    responses = con.table("survey_response").filter((_.status == "complete") & _.order_id.notnull())
    responses = responses.select(
        rid=_.id, order_id=_.order_id, tp_id=_.touchpoint_id, at=_.completed_at
    )
    touchpoints = con.table("touchpoint").filter(_.code.isin(codes)).select(tp=_.id, code=_.code)
    t = answers.join(responses, answers.response_id == responses.rid)
    t = t.join(touchpoints, t.tp_id == touchpoints.tp)
    newest = ibis.window(
        group_by=[t.order_id, t.code], order_by=[ibis.desc(t.at), ibis.desc(t.aid)]
    )
    t = t.mutate(k=ibis.row_number().over(newest))
    t = t.filter(t.k == 0).select("order_id", "code", "value")
    frame = pl.from_arrow(t.to_pyarrow())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _known_codes(con: Any, org_id: int, codes: list[str]) -> set[str]:
    found = con.table("touchpoint").filter((_.organization_id == org_id) & _.code.isin(codes))
    return {str(c) for c in found.select("code").to_pyarrow().column("code").to_pylist()}


def with_rating_flags(
    con: Any, org_id: int, facts: pl.DataFrame, drivers: list[str], portable: bool = False
) -> pl.DataFrame:
    """``facts`` (one row per order, with ``order_id``) with a column per rating driver: true
    when the order's CSAT answer at the touchpoint is low, false when top-2-box, null when
    there is none. ``portable``: the answers found by any Ibis engine, else by the embedded
    store's SQL. Unknown touchpoints and touchpoints without CSAT answers about orders are
    refused naming ``drivers``."""
    if not drivers:
        return facts
    codes = [rating_code(d) for d in drivers]
    answers = (_portable_answers if portable else _answers)(con, org_id, codes)
    answers = answers.with_columns(pl.col("order_id").cast(pl.Int64), pl.col("value").cast(float))
    known = _known_codes(con, org_id, codes)
    rated = set(answers["code"].to_list())
    faults = [
        Fault(f"'{d}': no touchpoint '{c}'", "drivers")
        if c not in known
        else Fault(f"'{d}': no CSAT answers about orders at touchpoint '{c}'", "drivers")
        for d, c in zip(drivers, codes, strict=True)
        if c not in rated
    ]
    if faults:
        raise ValidationError("; ".join(f"{f.field}: {f.reason}" for f in faults) + ".", faults)
    for d, c in zip(drivers, codes, strict=True):
        low = answers.filter(pl.col("code") == c).select(
            "order_id", (pl.col("value") < GOOD_CSAT).alias(d)
        )
        facts = facts.join(low, on="order_id", how="left")
    return facts


def complete_cases(
    data: pl.DataFrame, drivers: list[str], undelivered: int = 0, rows: str = "respondents"
) -> tuple[pl.DataFrame, str | None]:
    """The rows (``rows``: respondents, or orders when repeat purchase or churn is explained)
    with every named rating, and a note saying how many were kept (and how many rated orders
    the delivery-promise filter left out before: ``undelivered``)."""
    if not drivers:
        return data, None
    kept = data.drop_nulls(drivers)
    note = (
        f"Rating drivers ({', '.join(drivers)}): {kept.height} of {data.height} {rows} "
        "have every named rating; the others are left out"
    )
    if undelivered:
        note += (
            f"; {undelivered} rated orders without a delivery promise are not analysed "
            "(all orders: all_orders, --all-orders)"
        )
    return kept, note + "."
