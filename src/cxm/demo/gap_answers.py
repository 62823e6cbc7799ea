"""The demo's expectations survey: what customers expected and got, wanted and settled for.

Answered once by a quarter of the customers with a delivered order, a few days after their
last delivery, about four attributes (truths.Gaps) on 1-7 scales: expectation and
perception (the expectation gap) and ideal and accepted (the customer sacrifice gap). Each
side is one answer: question = the attribute, kind = expectation, perception, ideal or
accepted. Answers come from experience.latent_gaps, so the planted effects show in them.
The survey is a link in the customer's e-mails: most of those who do not answer still open it
(page views, for its response rate).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import table
from cxm.demo import truths as T
from cxm.demo.catalogue import Catalogue
from cxm.demo.experience import latent_gaps
from cxm.demo.invitations import LAST, local_day
from cxm.demo.journeys import SimulatedCustomer
from cxm.demo.population import START
from cxm.demo.storage import reserve_ids, write_dicts
from cxm.surveys.models import Answer, Response, Survey, SurveyVersion

SURVEY_CODE = "expectations"
RESPONSE_RATE = 0.25
OPENED = 0.85  # of the customers who do not answer, the share who open the link
SIDES = ("expectation", "perception", "ideal", "accepted")
_TEXT = {
    "expectation": {"uk": "Чого ви очікували", "ru": "Чего вы ожидали", "en": "What you expected"},
    "perception": {"uk": "Що ви отримали", "ru": "Что вы получили", "en": "What you got"},
    "ideal": {
        "uk": "Що було б ідеально",
        "ru": "Что было бы идеально",
        "en": "What would be ideal",
    },
    "accepted": {
        "uk": "З чим ви погодилися",
        "ru": "С чем вы согласились",
        "en": "What you settled for",
    },
}
DEFINITION: dict[str, Any] = {
    "languages": ["uk", "ru", "en"],
    "questions": [
        {
            "id": "expected",
            "type": "expectation_perception",
            "attributes": [a.name for a in T.GAPS.attributes],
            "scale": 7,
            "text": {"expectation": _TEXT["expectation"], "perception": _TEXT["perception"]},
        },
        {
            "id": "sacrifice",
            "type": "ideal_accepted",
            "attributes": [a.name for a in T.GAPS.attributes],
            "scale": 7,
            "text": {"ideal": _TEXT["ideal"], "accepted": _TEXT["accepted"]},
        },
    ],
}


def create_gap_survey(conn: Connection, org_id: int, mark: int) -> tuple[int, int]:
    survey_id = insert_returning_ids(
        conn,
        table(Survey),
        [{"organization_id": org_id, "code": SURVEY_CODE, "name": "Expectations",
          "kind": "relationship", "status": "live", "sync_mark": mark}],
    )[0]  # fmt: skip
    version_id = insert_returning_ids(
        conn,
        table(SurveyVersion),
        [{"survey_id": survey_id, "number": 1, "definition": DEFINITION, "created_at": START}],
    )[0]
    return survey_id, version_id


def write_gap_answers(
    conn: Connection,
    org_id: int,
    cat: Catalogue,
    survey: tuple[int, int],
    seed: int,
    people: list[SimulatedCustomer],
    customer_ids: list[int],
    mark: int,
    views: Counter[tuple[date, str]],
) -> int:
    """Write a chunk's answers; count the link's page views (organization days) in ``views``,
    under the customer's home store, which the link in their e-mail names."""

    rows: list[dict[str, Any]] = []
    given: list[list[tuple[str, str, int]]] = []
    for person, cid in zip(people, customer_ids, strict=True):
        delivered = [e for e in person.experiences if e.delivered]
        if not delivered:
            continue
        rng = random.Random(f"gap-survey:{seed}:{person.index}")
        if rng.random() >= RESPONSE_RATE:
            opens = random.Random(f"gap-view:{seed}:{person.index}")
            seen = max(e.placed_at for e in delivered) + timedelta(days=opens.uniform(5, 9))
            if opens.random() < OPENED and seen <= LAST:
                views[(local_day(seen), person.home_store)] += 1
            continue
        answered = max(e.placed_at for e in delivered) + timedelta(days=rng.uniform(5, 9))
        if answered > LAST:  # the end of the last day in organization time
            continue
        views[(local_day(answered), person.home_store)] += 1
        had_late = any(e.late for e in delivered)
        gaps = latent_gaps(seed, person.index, had_late, person.home_store)
        rows.append(
            {"organization_id": org_id, "survey_id": survey[0], "version_id": survey[1],
             "customer_id": cid, "order_id": None, "touchpoint_id": None,
             "location_id": cat.store_ids[person.home_store], "channel": "email",
             "language": person.language, "status": "complete",
             "started_at": answered - timedelta(seconds=rng.uniform(60, 240)),
             "completed_at": answered, "sync_mark": mark}
        )  # fmt: skip
        given.append([(name, side, getattr(g, side)) for name, g in gaps.items() for side in SIDES])
    ids = reserve_ids(conn, table(Response), len(rows))
    write_dicts(conn, table(Response), [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
    write_dicts(
        conn,
        table(Answer),
        [
            {"organization_id": org_id, "response_id": rid, "question": attribute,
             "kind": side, "value": float(value), "text": None, "sync_mark": mark}
            for rid, answers in zip(ids, given, strict=True)
            for attribute, side, value in answers
        ],
    )  # fmt: skip
    return len(rows)
