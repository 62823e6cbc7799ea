"""What a driver analysis explains (its *target*): the NPS answer, a repeat purchase, or churn.

- ``nps``: each answered order scores +100, 0 or -100 by its latest NPS answer (promoter,
  passive, detractor); effects are NPS points, and the orders analysed are the respondents.
- ``repeat``: the order was followed by another order of the customer (merged customers as
  one) within 90 days (``repeat_90``), scored 100, else 0; effects are percentage points of
  the share of orders bought again.
- ``churn``: the order was the customer's last (``churned``), scored 100, else 0; effects are
  percentage points of the share of orders after which the customer stopped buying.

Repeat purchase and churn are read only for orders with enough data after them to tell
(``followed_up``: 120 days, as in the outcome per path); ``order_facts.with_outcomes``
defines all three per order. The outcome filter (the group of the customer's latest NPS
answer) is refused with ``nps``, the answer explained, and allowed with ``repeat`` and
``churn``: an NPS group does not fix whether its customers buy again.
"""

from __future__ import annotations

import polars as pl

from cxm.core.errors import Fault

TARGETS = ("nps", "repeat", "churn")
UNITS = {"nps": "NPS points", "repeat": "percentage points", "churn": "percentage points"}
_COLUMN = {"nps": "score", "repeat": "repeat_90", "churn": "churned"}


def target_faults(target: str) -> list[Fault]:
    """An unknown target, naming the ``target`` field."""
    if target in TARGETS:
        return []
    return [Fault(f"{', '.join(TARGETS)} (not {target!r})", "target")]


def explains_nps(target: str) -> bool:
    return target == "nps"


def analysed(target: str) -> str:
    """What the rows of an analysis of ``target`` are called in its messages."""
    return "respondents" if explains_nps(target) else "orders"


def worse_first(target: str, impact: float | None) -> float:
    """The sort key that puts the drivers doing most harm first: the most NPS points or
    repeat purchases lost (most negative impact), or the most churn added (most positive)."""
    if impact is None:
        return float("inf")
    return -impact if target == "churn" else impact


def target_rows(facts: pl.DataFrame, target: str) -> pl.DataFrame:
    """The order facts the target is measured on, its per-order score in ``score``: answered
    orders for NPS; for repeat purchase and churn the orders with enough follow-up, scored
    100 (it happened) or 0."""
    column = _COLUMN[target]
    kept = facts.filter(pl.col(column).is_not_null())
    if explains_nps(target):
        return kept
    return kept.with_columns(score=pl.col(column).cast(pl.Float64) * 100.0)
