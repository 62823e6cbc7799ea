"""The demo's post-purchase survey and what one order's customer answers in it.

Every answer has the NPS question; store purchases also rate satisfaction (CSAT, 1-5) and
orders with contact-centre contacts rate the effort of getting help (CES, 1-7). Answers come
from each order's latent experience (experience.latent_ltr, latent_csat, latent_ces), so the
planted truths show in them; who is invited and who answers is decided in demo.invitations.
Some answers also say why in the free-text question (truths.Complaints.survey_why_share),
in the customer's language: about a contact loop, a late delivery, or praise from a promoter.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import table
from cxm.demo import truths as T
from cxm.demo.experience import OrderExperience, latent_ces, latent_csat
from cxm.demo.texts import compose
from cxm.surveys.models import Survey, SurveyVersion

SURVEY_CODE = "post-purchase"
WHY = "why"  # the free-text question
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
        {
            "id": WHY,
            "type": "text",
            "required": False,
            "text": {
                "uk": "Що найбільше вплинуло на вашу оцінку?",
                "ru": "Что больше всего повлияло на вашу оценку?",
                "en": "What mattered most in your score?",
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


def answers_of(
    seed: int, exp: OrderExperience, base_ltr: float, in_store: bool, language: str
) -> list[tuple[str, float | str]]:
    """The (question, value) answers about one order, from its latent experience; CSAT only
    when asked about the purchase in the store (not after a store order's delivery); the
    free-text reason (``WHY``) for some."""
    given: list[tuple[str, float | str]] = [("nps", float(exp.ltr))]
    if in_store and exp.store is not None:
        given.append(("csat", float(latent_csat(seed, exp, base_ltr))))
    if exp.contacts > 0:
        given.append(("ces", float(latent_ces(seed, exp))))
    why = why_of(seed, exp, language, in_store)
    if why:
        given.append((WHY, why))
    return given


def why_of(seed: int, exp: OrderExperience, language: str, in_store: bool) -> str | None:
    """What the customer writes in the free-text question, or None (most leave it blank).

    Drawn apart from every other draw, so the rest of the world does not change with it. An
    answer about the purchase in a store knows nothing yet of the delivery."""
    rng = random.Random(f"demo-why:{seed}:{exp.external_id}:{in_store}")
    if rng.random() >= T.COMPLAINTS.survey_why_share:
        return None
    if exp.loop and not in_store:
        situation = "loop_anger"
    elif exp.late and not in_store:
        situation = "late_arrival"  # asked after the delivery: it came, but late
    elif exp.ltr >= 9:
        situation = "praise"
    else:
        return None
    return compose(
        situation,
        language,
        rng,
        n=max(exp.contacts, 2),
        order=exp.external_id,
        date=(exp.placed_at + timedelta(days=3)).date().isoformat(),
    )
