"""Demo survey answers: a post-purchase survey answered by about a fifth of orders.

Every answer has the NPS question; store purchases also rate satisfaction (CSAT, 1-5) and
orders with contact-centre contacts rate the effort of getting help (CES, 1-7).
Answers come from each order's latent experience (experience.latent_ltr, latent_csat,
latent_ces), so
the planted truths show in them; who answers is drawn from a separate random stream.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import table
from cxm.demo.catalogue import Catalogue
from cxm.demo.experience import latent_ces, latent_csat
from cxm.demo.journeys import SimulatedCustomer
from cxm.demo.population import END
from cxm.demo.storage import reserve_ids, write_dicts
from cxm.surveys.models import Answer, Response, Survey, SurveyVersion

RESPONSE_RATE = 0.2
SURVEY_CODE = "post-purchase"
DEFINITION: dict[str, Any] = {
    "languages": ["uk", "ru", "en"],
    "questions": [
        {
            "id": "nps",
            "type": "nps",
            "required": True,
            "text": {
                "uk": "Наскільки ймовірно, що ви порекомендуєте нас друзям?",
                "ru": "Насколько вероятно, что вы порекомендуете нас друзьям?",
                "en": "How likely are you to recommend us to a friend?",
            },
        },
        {
            "id": "csat",
            "type": "csat",
            "required": False,
            "scale": 5,
            "text": {
                "uk": "Наскільки ви задоволені покупкою в магазині?",
                "ru": "Насколько вы довольны покупкой в магазине?",
                "en": "How satisfied are you with your purchase in the store?",
            },
        },
        {
            "id": "ces",
            "type": "ces",
            "required": False,
            "scale": 7,
            "text": {
                "uk": "Наскільки легко було отримати допомогу щодо замовлення?",
                "ru": "Насколько легко было получить помощь по заказу?",
                "en": "How easy was it to get help with your order?",
            },
        },
    ],
}


def create_survey(conn: Connection, org_id: int, mark: int) -> tuple[int, int]:
    """The demo's post-purchase survey and its first version: (survey id, version id)."""
    survey_id = insert_returning_ids(
        conn,
        table(Survey),
        [
            {
                "organization_id": org_id,
                "code": SURVEY_CODE,
                "name": "After your purchase",
                "kind": "transactional",
                "status": "live",
                "sync_mark": mark,
            }
        ],
    )[0]
    version_id = insert_returning_ids(
        conn,
        table(SurveyVersion),
        [
            {
                "survey_id": survey_id,
                "number": 1,
                "definition": DEFINITION,
                "created_at": datetime(2025, 10, 1, tzinfo=UTC),
            }
        ],
    )[0]
    return survey_id, version_id


def write_responses(
    conn: Connection,
    org_id: int,
    cat: Catalogue,
    survey: tuple[int, int],
    seed: int,
    people: list[SimulatedCustomer],
    customer_ids: list[int],
    order_ids: dict[str, int],
    mark: int,
) -> int:
    rows: list[dict[str, Any]] = []
    answers: list[list[tuple[str, float]]] = []
    for person, cid in zip(people, customer_ids, strict=True):
        rng = random.Random(seed * 104_729 + person.index)
        for exp in person.experiences:
            if rng.random() >= RESPONSE_RATE:
                continue
            answered = exp.placed_at + timedelta(
                days=rng.uniform(1, 3) + (4 if exp.delivered else 0)
            )
            if answered > END:
                continue
            event = "Store Purchase" if exp.channel == "store" else "Order Completed"
            rows.append(
                {
                    "organization_id": org_id,
                    "survey_id": survey[0],
                    "version_id": survey[1],
                    "customer_id": cid,
                    "order_id": order_ids.get(exp.external_id),
                    "touchpoint_id": cat.touchpoint(event, exp.channel),
                    "location_id": cat.store_ids[exp.store] if exp.store else None,
                    "channel": exp.channel,
                    "language": person.language,
                    "status": "complete",
                    "started_at": answered - timedelta(seconds=rng.uniform(20, 90)),
                    "completed_at": answered,
                    "sync_mark": mark,
                }
            )
            given = [("nps", float(exp.ltr))]
            if exp.store is not None:
                given.append(("csat", float(latent_csat(seed, exp, person.base_ltr))))
            if exp.contacts > 0:
                given.append(("ces", float(latent_ces(seed, exp))))
            answers.append(given)
    ids = reserve_ids(conn, table(Response), len(rows))
    write_dicts(conn, table(Response), [{"id": rid, **r} for rid, r in zip(ids, rows, strict=True)])
    write_dicts(
        conn,
        table(Answer),
        [
            {
                "organization_id": org_id,
                "response_id": rid,
                "question": question,
                "kind": question,
                "value": value,
                "text": None,
                "sync_mark": mark,
            }
            for rid, given in zip(ids, answers, strict=True)
            for question, value in given
        ],
    )
    return len(rows)
