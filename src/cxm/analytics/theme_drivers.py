"""Themes as drivers: whether a customer wrote about a theme, as a yes/no driver of NPS.

A driver named ``theme:<key>`` (``theme:delivery/late``, or a top-level theme such as
``theme:delivery``) is 1 for an answered order when the newest theme reading of a comment
about that order (``feedback.order_id``) has the theme, or of a comment by the same customer
(merged customers counted as one) that names no order; else 0. The driver analysis then
weighs it like any journey event: raw difference, effect adjusted for the other drivers and
the controls, share of explained variance. A theme that only echoes an event (customers
write "late" because the parcel was late) keeps its raw effect and loses its adjusted one
when the event is a driver too.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

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


def with_theme_flags(
    con: Any, org_id: int, facts: pl.DataFrame, drivers: list[str]
) -> pl.DataFrame:
    """``facts`` (one row per order, with ``order_id`` and ``person``) with a boolean column
    per theme driver."""
    if not drivers:
        return facts
    rows = con.con.sql(_COMMENTS, params={"org": org_id}).fetchall()
    flags = []
    for d in drivers:
        key = f" {d[len(PREFIX) :]} "
        orders = {o for o, _, themes in rows if o is not None and key in themes}
        people = {p for o, p, themes in rows if o is None and p is not None and key in themes}
        flags.append(
            (pl.col("order_id").is_in(list(orders)) | pl.col("person").is_in(list(people))).alias(d)
        )
    return facts.with_columns(flags)
