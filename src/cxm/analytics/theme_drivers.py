"""Themes as drivers: whether a customer wrote about a theme, as a yes/no driver of NPS.

A driver named ``theme:<key>`` (``theme:delivery/late``, or a top-level theme such as
``theme:delivery``) is 1 for an answered order when the newest theme reading of a comment
about that order (``feedback.order_id``) has the theme, or of a comment by the same customer
(merged customers counted as one) that names no order; else 0. The driver analysis then
weighs it like any journey event: raw difference, effect adjusted for the other drivers and
the controls, share of explained variance. A theme that only echoes an event (customers
write "late" because the parcel was late) keeps its raw effect and loses its adjusted one
when the event is a driver too.

The embedded store reads the theme readings with one DuckDB query; the portable form (the
driver analysis with ``source=PORTABLE``) is an Ibis expression that any engine runs (DuckDB,
PySpark), matching the keys there; both find the same comments.
"""

from __future__ import annotations

import re
from typing import Any

import ibis
import polars as pl
from ibis import _

from cxm.core.errors import Fault

PREFIX = "theme:"
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}(?:/[a-z][a-z0-9_]{0,39})?")

_COMMENTS = """
WITH newest AS (
  SELECT feedback_id, max(id) AS id FROM text_themes WHERE organization_id = $org
  GROUP BY feedback_id
)
SELECT f.order_id, coalesce(c.merged_into, c.id) AS person, t.themes
FROM feedback f
JOIN newest n ON n.feedback_id = f.id
JOIN text_themes t ON t.id = n.id
LEFT JOIN customer c ON c.id = f.customer_id
WHERE f.organization_id = $org AND t.themes <> ' '
"""


def is_theme(driver: str) -> bool:
    return driver.startswith(PREFIX)


def theme_faults(drivers: tuple[str, ...]) -> list[Fault]:
    return [
        Fault(f"'{d}': a theme driver is theme:KEY, e.g. theme:delivery/late", "drivers")
        for d in drivers
        if is_theme(d) and not _KEY.fullmatch(d[len(PREFIX) :])
    ]


def _theme_rows(con: Any, org_id: int, keys: list[str]) -> list[tuple[Any, Any, list[bool]]]:
    """The comments with a theme reading: order, person and, per key, whether it has it."""
    rows = con.con.sql(_COMMENTS, params={"org": org_id}).fetchall()
    return [(o, p, [k in themes for k in keys]) for o, p, themes in rows]


def _portable_theme_rows(
    con: Any, org_id: int, keys: list[str]
) -> list[tuple[Any, Any, list[bool]]]:
    """``_theme_rows`` as an Ibis expression (any engine, e.g. PySpark): the engine matches
    the keys and returns only the comments having one of them."""
    readings = con.table("text_themes").filter(_.organization_id == org_id)
    newest = readings.group_by(read_feedback=readings.feedback_id).aggregate(
        newest=readings.id.max()
    )
    feedback = con.table("feedback").filter(_.organization_id == org_id)
    t = feedback.join(newest, feedback.id == newest.read_feedback)
    reading = readings.select(rid=_.id, themes=_.themes)
    t = t.join(reading, t.newest == reading.rid)
    customers = con.table("customer").select(cid=_.id, merged_into=_.merged_into)
    t = t.left_join(customers, t.customer_id == customers.cid)
    has = {f"k{i}": t.themes.contains(key) for i, key in enumerate(keys)}
    t = t.select(order_id=t.order_id, person=t.merged_into.fill_null(t.cid), **has)
    t = t.filter(ibis.or_(*(t[k] for k in has)))
    found = t.to_pyarrow().to_pylist()
    return [(r["order_id"], r["person"], [bool(r[k]) for k in has]) for r in found]


def with_theme_flags(
    con: Any, org_id: int, facts: pl.DataFrame, drivers: list[str], portable: bool = False
) -> pl.DataFrame:
    """``facts`` (one row per order, with ``order_id`` and ``person``) with a boolean column
    per theme driver; ``portable``: the readings found by any Ibis engine (``con``: DuckDB,
    PySpark), else by the embedded store's SQL."""
    if not drivers:
        return facts
    keys = [f" {d[len(PREFIX) :]} " for d in drivers]
    rows = (_portable_theme_rows if portable else _theme_rows)(con, org_id, keys)
    flags = []
    for i, d in enumerate(drivers):
        orders = {int(o) for o, _p, has in rows if o is not None and has[i]}
        people = {int(p) for o, p, has in rows if o is None and p is not None and has[i]}
        flags.append(
            (
                pl.col("order_id").is_in(pl.Series(sorted(orders), dtype=pl.Int64).implode())
                | pl.col("person").is_in(pl.Series(sorted(people), dtype=pl.Int64).implode())
            ).alias(d)
        )
    return facts.with_columns(flags)
