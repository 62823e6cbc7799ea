"""The demo's employee pulse: a quarterly eNPS survey of every store's staff.

Answers are anonymous (no customer, no person): each is tied to its store only, and the
KPIs never show a group of fewer than five. Each store's answers are drawn around its
planted eNPS (truths.Stores.enps_by_store, truths.EmployeePulse). The pulse is an anonymous
link: staff who answer open it, and so do some who do not (page views, for its response rate).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import table
from cxm.demo import truths as T
from cxm.demo.catalogue import Catalogue
from cxm.demo.experience import store_enps
from cxm.demo.invitations import local_day, write_views
from cxm.demo.population import END, START
from cxm.demo.storage import reserve_ids, write_dicts
from cxm.surveys.models import Answer, Response, Survey, SurveyVersion

SURVEY_CODE = "employee-pulse"
OPENED = 0.4  # of the staff who do not answer, the share who open the link
DEFINITION: dict[str, Any] = {
    "languages": ["uk", "ru", "en"],
    "anonymous": True,
    "questions": [
        {
            "id": "enps",
            "type": "enps",
            "required": True,
            "text": {
                "uk": "Наскільки ймовірно, що ви порекомендуєте нашу компанію як місце роботи?",
                "ru": "Насколько вероятно, что вы порекомендуете нашу компанию как место работы?",
                "en": "How likely are you to recommend us as a place to work?",
            },
        }
    ],
}


def enps_answer(rng: random.Random, enps: float) -> int:
    """A 0-10 answer such that a store's answers average out to ``enps`` points."""
    passive = T.EMPLOYEE_PULSE.passive_share
    promoter = (1 - passive + enps / 100) / 2
    draw = rng.random()
    if draw < promoter:
        return rng.choice((9, 10))
    if draw < promoter + passive:
        return rng.choice((7, 8))
    return rng.randint(0, 6)


def pulse_dates() -> list[datetime]:
    """The pulse's mid-month dates inside the demo's year."""
    out = []
    for year in (START.year, END.year):
        for month in T.EMPLOYEE_PULSE.months:
            moment = datetime(year, month, 12, 9, tzinfo=UTC)
            if START <= moment <= END:
                out.append(moment)
    return sorted(set(out))


def write_employee_pulse(
    conn: Connection, org_id: int, cat: Catalogue, seed: int, mark: int
) -> int:
    """The employee survey and its answers; returns how many responses."""
    survey_id = insert_returning_ids(
        conn,
        table(Survey),
        [
            {
                "organization_id": org_id,
                "code": SURVEY_CODE,
                "name": "Employee pulse",
                "kind": "employee",
                "status": "live",
                "sync_mark": mark,
            }
        ],
    )[0]
    version_id = insert_returning_ids(
        conn,
        table(SurveyVersion),
        [{"survey_id": survey_id, "number": 1, "definition": DEFINITION, "created_at": START}],
    )[0]
    rng = random.Random(f"pulse:{seed}")
    opens = random.Random(f"pulse-views:{seed}")  # its own stream: the answers stay the same
    views: Counter[tuple[date, str]] = Counter()  # each store's staff open its own link
    rows: list[dict[str, Any]] = []
    values: list[int] = []
    pulse = T.EMPLOYEE_PULSE
    for moment in pulse_dates():
        for store, location_id in sorted(cat.store_ids.items()):
            for _ in range(pulse.staff_per_store):
                if rng.random() >= pulse.response_rate:
                    if opens.random() < OPENED:
                        opened = moment + timedelta(hours=opens.uniform(0, 72))
                        views[(local_day(opened), store)] += 1
                    continue
                answered = moment + timedelta(hours=rng.uniform(0, 72))
                views[(local_day(answered), store)] += 1
                rows.append(
                    {
                        "organization_id": org_id,
                        "survey_id": survey_id,
                        "version_id": version_id,
                        "customer_id": None,
                        "order_id": None,
                        "touchpoint_id": None,
                        "location_id": location_id,
                        "channel": "employee",
                        "language": "uk",
                        "status": "complete",
                        "started_at": answered - timedelta(seconds=rng.uniform(15, 60)),
                        "completed_at": answered,
                        "sync_mark": mark,
                    }
                )
                values.append(enps_answer(rng, store_enps(store)))
    write_views(conn, survey_id, "link", views)
    ids = reserve_ids(conn, table(Response), len(rows))
    write_dicts(conn, table(Response), [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
    write_dicts(
        conn,
        table(Answer),
        [
            {
                "organization_id": org_id,
                "response_id": i,
                "question": "enps",
                "kind": "enps",
                "value": float(v),
                "text": None,
                "sync_mark": mark,
            }
            for i, v in zip(ids, values, strict=True)
        ],
    )
    return len(rows)
