"""The response explorer: complete survey responses by filter and full text, with their answers.

The filters are the KPIs' (period, survey, channel, stage, touchpoint, store, region,
language, segment, delivery punctuality), the journeys' first touchpoint and outcome (the
respondent's journey in the period starting at a touchpoint, the group of their latest NPS
answer; ``first_touchpoint``, as the friction sections read them) plus the response's NPS
group, a score range on one KPI's answer and words searched in the open answers
(case-insensitive, every word must occur).
The same query feeds the page, the API and the exports, so an export holds exactly the rows
the filters select. A KPI cell's drill-down is this query with the cell's filters.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from cxm.analytics.backend import Analytics
from cxm.analytics.measures import SCALES, months_of, survey_codes
from cxm.analytics.periods import period_bounds
from cxm.analytics.punctuality import GROUPS, NO_ORDER, delivery_sql
from cxm.core.errors import Fault, ValidationError

NpsGroup = Literal["promoter", "passive", "detractor"]
NPS_GROUPS: tuple[str, ...] = get_args(NpsGroup)
SCORE_KINDS = ("nps", "csat", "ces", "enps")
PAGE_SIZE = 50
EXPORT_LIMIT = 1_000_000
_GROUP_RANGE = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}


@dataclass(frozen=True)
class ResponseQuery:
    """Which responses to list; every field is optional and they combine with AND."""

    period: str | None = None  # 2026-10, 2026-Q3 or 2026, organization time
    survey: str | None = None  # survey code, or several joined by commas
    channel: str | None = None
    stage: str | None = None
    touchpoint: str | None = None  # touchpoint code
    store: str | None = None  # location code
    region: str | None = None
    language: str | None = None
    nps_group: str | None = None  # promoter, passive or detractor (by the NPS answer)
    kpi: str = "nps"  # the answer the score range applies to
    score_min: float | None = None
    score_max: float | None = None
    text: str | None = None  # words that must all occur in the open answers
    customer: int | None = None
    segment: str | None = None  # the respondent's customer segment
    delivery: str | None = None  # punctuality of the response's order (cxm.analytics.punctuality)
    first: str | None = None  # respondents with a journey (in the period) starting here
    outcome: str | None = None  # respondents whose latest NPS answer is in this group
    gap_days: int = 30  # inactivity gap cutting the journeys of the first filter

    def check(self) -> None:
        faults: list[Fault] = []
        if not 1 <= self.gap_days <= 365:
            faults.append(Fault("must lie between 1 and 365", "gap_days"))
        if self.delivery is not None and self.delivery not in GROUPS:
            faults.append(Fault(f"must be one of {', '.join(GROUPS)}", "delivery"))
        if self.period is not None:
            try:
                months_of(self.period)
            except ValidationError:
                faults.append(Fault("must be YYYY-MM, YYYY-Qn or YYYY", "period"))
        for name in ("nps_group", "outcome"):
            if getattr(self, name) is not None and getattr(self, name) not in NPS_GROUPS:
                faults.append(Fault(f"must be one of {', '.join(NPS_GROUPS)}", name))
        if self.kpi not in SCORE_KINDS:
            faults.append(Fault(f"must be one of {', '.join(SCORE_KINDS)}", "kpi"))
        else:
            lo, hi = SCALES[self.kpi]
            for name in ("score_min", "score_max"):
                v = getattr(self, name)
                if v is not None and not lo <= v <= hi:
                    faults.append(Fault(f"must lie between {lo} and {hi} for {self.kpi}", name))
        if self.text is not None and len(self.text) > 200:
            faults.append(Fault("at most 200 characters", "text"))
        if faults:
            raise ValidationError("The response filters are not valid.", faults)

    def as_params(self) -> dict[str, str]:
        """The filters set, as query-string parameters (for links and exports)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None and v != "" and not (f.name == "kpi" and v == "nps"):
                out[f.name] = f"{v:g}" if isinstance(v, float) else str(v)
        return out


@dataclass(frozen=True)
class AnswerRow:
    question: str
    kind: str
    value: float | None
    text: str | None


@dataclass(frozen=True)
class ResponseRow:
    id: int
    completed_at: datetime  # organization time
    survey: str
    channel: str | None
    stage: str | None
    touchpoint: str | None
    store: str | None
    region: str | None
    language: str | None
    customer_id: int | None
    order_id: int | None
    nps: float | None
    answers: tuple[AnswerRow, ...] = ()

    @property
    def nps_group(self) -> str | None:
        if self.nps is None:
            return None
        return "promoter" if self.nps >= 9 else ("passive" if self.nps >= 7 else "detractor")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "completed_at": self.completed_at.isoformat(),
            "survey": self.survey,
            "channel": self.channel,
            "stage": self.stage,
            "touchpoint": self.touchpoint,
            "store": self.store,
            "region": self.region,
            "language": self.language,
            "customer_id": self.customer_id,
            "order_id": self.order_id,
            "nps": self.nps,
            "nps_group": self.nps_group,
            "answers": [
                {"question": a.question, "kind": a.kind, "value": a.value, "text": a.text}
                for a in self.answers
            ],
        }


@dataclass(frozen=True)
class ResponsePage:
    total: int
    offset: int
    rows: list[ResponseRow]


def _sql(
    org: int,
    q: ResponseQuery,
    surveys: dict[str, int],
    punctual: str = "",
    allowed: list[int] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The query's SQL and parameters; ``punctual``: the SQL of the orders' punctuality
    (``punctuality.delivery_sql``), needed when ``q.delivery`` is set; ``allowed``: the
    customers the first-touchpoint and outcome filters keep (None: everyone)."""
    params: dict[str, Any] = {"org": org}
    cond = []
    if allowed is not None:
        if allowed:
            params["allowed"] = allowed
            cond.append("coalesce(c.merged_into, r.customer_id) IN (SELECT unnest($allowed))")
        else:
            cond.append("FALSE")
    if q.delivery == NO_ORDER:
        cond.append("r.order_id IS NULL")
    elif q.delivery is not None:
        params["delivery"] = q.delivery
        cond.append(
            f"r.order_id IN (SELECT punctual_order FROM ({punctual}) p "
            "WHERE p.delivery = $delivery)"
        )
    if q.period is not None:
        params["start"], params["end"] = period_bounds(q.period)
        cond.append("r.completed_at_local >= $start AND r.completed_at_local < $end")
    if q.survey is not None:
        ids = [surveys.get(c.strip(), -1) for c in q.survey.split(",") if c.strip()]
        cond.append(f"r.survey_id IN ({', '.join(str(int(i)) for i in ids) or '-1'})")
    columns = {"channel": "r.channel", "stage": "t.stage", "touchpoint": "t.code",
               "store": "l.code", "region": "l.region", "language": "r.language",
               "segment": "c.segment"}  # fmt: skip
    for name, column in columns.items():
        value = getattr(q, name)
        if value in ("(unknown)", "(online)"):  # the KPIs' name for "none" in a breakdown
            cond.append(f"{column} IS NULL")
        elif value is not None:
            cond.append(f"{column} = ${name}")
            params[name] = value
    if q.customer is not None:
        cond.append("coalesce(c.merged_into, r.customer_id) = $customer")
        params["customer"] = q.customer
    if q.nps_group is not None:
        lo, hi = _GROUP_RANGE[q.nps_group]
        cond.append(f"nps.value BETWEEN {lo} AND {hi}")
    if q.score_min is not None or q.score_max is not None:
        params["kind"] = q.kpi
        params["lo"] = q.score_min if q.score_min is not None else SCALES[q.kpi][0]
        params["hi"] = q.score_max if q.score_max is not None else SCALES[q.kpi][1]
        cond.append(
            "EXISTS (SELECT 1 FROM survey_answer s WHERE s.response_id = r.id "
            "AND s.kind = $kind AND s.value BETWEEN $lo AND $hi)"
        )
    for i, word in enumerate((q.text or "").split()[:10]):
        params[f"w{i}"] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_"
        ) + "%"  # fmt: skip
        cond.append(
            "EXISTS (SELECT 1 FROM survey_answer s WHERE s.response_id = r.id "
            f"AND s.text ILIKE $w{i} ESCAPE '\\')"
        )
    sql = f"""
    SELECT r.id, r.completed_at_local, r.survey_id, r.channel, t.stage, t.code, l.code,
           l.region, r.language, coalesce(c.merged_into, r.customer_id), r.order_id, nps.value
    FROM survey_response r
    LEFT JOIN touchpoint t ON t.id = r.touchpoint_id
    LEFT JOIN location l ON l.id = r.location_id
    LEFT JOIN customer c ON c.id = r.customer_id
    LEFT JOIN (
      SELECT response_id, max(value) AS value FROM survey_answer
      WHERE organization_id = $org AND kind = 'nps' GROUP BY response_id
    ) nps ON nps.response_id = r.id
    WHERE r.organization_id = $org AND r.status = 'complete'
      {"".join(f" AND {c}" for c in cond)}
    """
    return sql, params


def _answers(duck: Any, ids: list[int]) -> dict[int, list[AnswerRow]]:
    if not ids:
        return {}
    rows = duck.execute(
        "SELECT response_id, question, kind, value, text FROM survey_answer "
        "WHERE response_id IN (SELECT unnest(?)) ORDER BY response_id, id",
        [ids],
    ).fetchall()
    out: dict[int, list[AnswerRow]] = {}
    for rid, question, kind, value, text in rows:
        out.setdefault(int(rid), []).append(AnswerRow(str(question), str(kind), value, text))
    return out


def _allowed(con: Any, org_id: int, q: ResponseQuery) -> list[int] | None:
    """The respondents the first-touchpoint and outcome filters keep (``first_touchpoint``:
    a journey in the period starting at the touchpoint; the latest NPS answer's group)."""
    if q.first is None and q.outcome is None:
        return None
    from cxm.analytics.first_touchpoint import customers_allowed

    since = until = None
    if q.period is not None:
        start, end = period_bounds(q.period)
        since, until = start.date(), (end - timedelta(days=1)).date()
    return customers_allowed(con, org_id, q.first, q.outcome, since, until, q.gap_days)


def find_responses(
    analytics: Analytics,
    org_id: int,
    q: ResponseQuery,
    offset: int = 0,
    limit: int | None = PAGE_SIZE,
) -> ResponsePage:
    """The responses matching ``q``, newest first, with every answer; ``limit=None`` gives
    every row (exports), up to ``EXPORT_LIMIT``."""
    q.check()
    if offset < 0 or (limit is not None and not 1 <= limit <= 1000):
        raise ValidationError(
            "offset must be 0 or more and limit between 1 and 1000.",
            [Fault("out of range", "offset" if offset < 0 else "limit")],
        )
    surveys = survey_codes(analytics, org_id)
    names = {v: k for k, v in surveys.items()}
    with analytics.fresh() as con:
        punctual = delivery_sql(con, org_id) if q.delivery else ""
        allowed = _allowed(con, org_id, q)
        sql, params = _sql(org_id, q, surveys, punctual, allowed)
        duck = con.con
        total = int(duck.sql(f"SELECT count(*) FROM ({sql})", params=params).fetchall()[0][0])
        params |= {"limit": limit or EXPORT_LIMIT, "offset": offset}
        found = duck.sql(
            f"{sql} ORDER BY r.completed_at_local DESC, r.id DESC LIMIT $limit OFFSET $offset",
            params=params,
        ).fetchall()
        answers = _answers(duck, [int(r[0]) for r in found])
    rows = [
        ResponseRow(
            int(r[0]),
            r[1],
            names.get(int(r[2]), str(r[2])),
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            None if r[9] is None else int(r[9]),
            None if r[10] is None else int(r[10]),
            r[11],
            tuple(answers.get(int(r[0]), ())),
        )  # fmt: skip
        for r in found
    ]
    return ResponsePage(total, offset, rows)
