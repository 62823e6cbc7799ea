"""The SQL that counts each sales metric's cells (``sales``): per breakdown key, the base,
the hits, and for the average order value the sum and sum of squares of the amounts.

Each order carries its person (merged customers count as the one they were merged into), its
store, region, language, segment, whether it was returned, and, for the delivery breakdown,
its punctuality from the one lateness rule (``punctuality``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cxm.analytics.measures import KpiFilter

STAGES = ("pre_purchase", "purchase", "delivery", "use", "after_sales")
NEXT_STAGE = dict(zip(STAGES, STAGES[1:], strict=False))


@dataclass(frozen=True)
class Cell:
    n: int
    hits: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    excluded: int = 0


_PEOPLE = """
  SELECT o.id, coalesce(c.merged_into, c.id) AS person, o.amount, o.currency,
         o.placed_at_local AS placed, o.channel, coalesce(l.code, '(online)') AS store,
         coalesce(l.region, '(online)') AS region, coalesce(c.language, '(unknown)') AS language,
         coalesce(c.segment, '(unknown)') AS segment, {delivery} AS delivery,
         coalesce(o.refunded, false) OR coalesce(s.back, false) AS returned
  FROM customer_order o JOIN customer c ON c.id = o.customer_id
  LEFT JOIN location l ON l.id = o.location_id
  LEFT JOIN (
    SELECT order_id, bool_or(status = 'returned') AS back
    FROM shipment_update WHERE organization_id = $org GROUP BY order_id
  ) s ON s.order_id = o.id {punctual}
  WHERE o.organization_id = $org
"""


def people_sql(punctual: str) -> str:
    """Each order with its person; its delivery punctuality when ``punctual`` is the SQL of
    ``order_delivery`` (the one rule), else none (only the delivery breakdown needs it)."""
    if not punctual:
        return _PEOPLE.format(delivery="NULL", punctual="")
    join = f"LEFT JOIN ({punctual}) p ON p.punctual_order = o.id"
    return _PEOPLE.format(delivery="p.delivery", punctual=join)


def _where(alias: str, where: KpiFilter) -> tuple[str, dict[str, Any]]:
    parts, params = [], {}
    for name in ("channel", "store", "region", "language"):
        value = getattr(where, name)
        if value is not None:
            parts.append(f"{alias}.{name} = $f_{name}")
            params[f"f_{name}"] = value
    return "".join(f" AND {p}" for p in parts), params


def _key(alias: str, by: str | None) -> str:
    return "'all'" if by in (None, "month") else f"{alias}.{by}"


def order_cells(
    duck: Any, people: str, org: int, metric: str, by: str | None, where: KpiFilter,
    start: datetime, end: datetime, currency: str,
) -> dict[str, Cell]:  # fmt: skip
    cond, params = _where("o", where)
    params |= {"org": org, "start": start, "end": end}
    if metric == "aov":
        params["cur"] = currency
        select = (
            "count(*) FILTER (WHERE o.currency = $cur) AS n, 0 AS hits, "
            "sum(o.amount) FILTER (WHERE o.currency = $cur) AS total, "
            "sum(o.amount * o.amount) FILTER (WHERE o.currency = $cur) AS total_sq, "
            "count(*) FILTER (WHERE o.currency <> $cur) AS excluded"
        )
    else:  # returns
        select = "count(*) AS n, count(*) FILTER (WHERE o.returned) AS hits, 0, 0, 0"
    sql = (
        f"WITH o AS ({people}) SELECT {_key('o', by)} AS key, {select} FROM o "
        f"WHERE o.placed >= $start AND o.placed < $end{cond} GROUP BY 1"
    )
    return _cells(duck.sql(sql, params=params).fetchall())


def repeat_cells(
    duck: Any, people: str, org: int, by: str | None, where: KpiFilter, start: datetime,
    end: datetime,
) -> dict[str, Cell]:  # fmt: skip
    cond, params = _where("o", where)
    params |= {"org": org, "start": start, "end": end}
    sql = f"""
    WITH o AS ({people}),
    buyers AS (
      SELECT o.person, arg_min({_key("o", by)}, o.placed) AS key FROM o
      WHERE o.placed >= $start AND o.placed < $end{cond} GROUP BY o.person
    ), counts AS (SELECT person, count(*) AS n FROM o WHERE placed < $end GROUP BY person)
    SELECT b.key, count(*), count(*) FILTER (WHERE c.n >= 2), 0, 0, 0
    FROM buyers b JOIN counts c ON c.person = b.person GROUP BY 1
    """
    return _cells(duck.sql(sql, params=params).fetchall())


def churn_cells(
    duck: Any, people: str, org: int, by: str | None, where: KpiFilter, as_of: datetime, days: int
) -> dict[str, Cell]:
    cond, params = _where("last", where)
    params |= {"org": org, "as_of": as_of, "cut": as_of - timedelta(days=days)}
    sql = f"""
    WITH o AS ({people}),
    people AS (
      SELECT person, min(placed) AS first_at, max(placed) AS last_at, arg_max(id, placed) AS last_id
      FROM o WHERE placed < $as_of GROUP BY person
    )
    SELECT {_key("last", by)}, count(*), count(*) FILTER (WHERE p.last_at < $cut), 0, 0, 0
    FROM people p JOIN o AS last ON last.id = p.last_id
    WHERE p.first_at < $cut{cond} GROUP BY 1
    """
    return _cells(duck.sql(sql, params=params).fetchall())


def conversion_cells(
    duck: Any, org: int, by: str | None, where: KpiFilter, start: datetime, end: datetime
) -> dict[str, Cell]:
    cond, params = _where("en", where)
    params |= {"org": org, "start": start, "end": end}
    nxt = " ".join(f"WHEN '{a}' THEN '{b}'" for a, b in NEXT_STAGE.items())
    sql = f"""
    WITH ev AS (
      SELECT coalesce(c.merged_into, c.id) AS person, t.stage, e.occurred_at_local AS ts,
             coalesce(e.channel, t.channel) AS channel, coalesce(l.code, '(online)') AS store,
             coalesce(l.region, '(online)') AS region,
             coalesce(c.language, '(unknown)') AS language,
             coalesce(c.segment, '(unknown)') AS segment
      FROM event e JOIN touchpoint t ON t.id = e.touchpoint_id
      JOIN customer c ON c.id = e.customer_id LEFT JOIN location l ON l.id = e.location_id
      WHERE e.organization_id = $org AND e.occurred_at_local >= $start
        AND e.occurred_at_local < $end
    ), en AS (
      SELECT person, stage, min(ts) AS first_at, arg_min(channel, ts) AS channel,
             arg_min(store, ts) AS store, arg_min(region, ts) AS region,
             any_value(language) AS language, any_value(segment) AS segment
      FROM ev GROUP BY person, stage
    ), reach AS (SELECT person, stage, max(ts) AS last_at FROM ev GROUP BY person, stage)
    SELECT en.stage || '|' || {_key("en", by)}, count(*),
           count(*) FILTER (WHERE r.last_at >= en.first_at), 0, 0, 0
    FROM en LEFT JOIN reach r ON r.person = en.person
      AND r.stage = (CASE en.stage {nxt} END)
    WHERE en.stage IN ({", ".join(f"'{s}'" for s in NEXT_STAGE)}){cond}
    GROUP BY 1
    """
    return _cells(duck.sql(sql, params=params).fetchall())


def _cells(rows: list[tuple[Any, ...]]) -> dict[str, Cell]:
    return {
        str(k): Cell(int(n), int(h or 0), float(t or 0), float(sq or 0), int(x or 0))
        for k, n, h, t, sq, x in rows
    }
