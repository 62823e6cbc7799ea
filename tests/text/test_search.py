"""Lemma search: a word finds its other forms in Ukrainian, Russian and English, with the
same hits on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxm.core.db import Database
from cxm.feedback.service import ingest_feedback
from cxm.text.search import search_ids
from cxm.text.theme_store import read_pending_themes
from tests.factories import organization

TEXTS = [
    "Посилка запізнилася, кур'єр не дзвонив",  # 1
    "Курʼєра чекала весь день, посилку так і не привезли",  # 2
    "Посылку привезли вовремя, курьер вежливый",  # 3
    "Курьеров у вас не дождёшься",  # 4
    "The parcels arrived damaged",  # 5
    "My parcel never arrived",  # 6
    "Дякую, все чудово",  # 7
]

QUERIES = [
    ("посилки", {1, 2}),  # Ukrainian: nominative and accusative forms
    ("кур'єрові", {1, 2}),  # another case, and both apostrophes
    ("посылкой", {3}),  # Russian
    ("курьер", {3, 4}),  # Russian: singular and genitive plural
    ("parcel", {5, 6}),
    ("arriving", {5, 6}),
    ("посилку привезли", {2}),  # every word must be there
    ("   ", set()),
    ("телефон", set()),
]


@pytest.fixture
def searched(db: Database) -> tuple[Database, int, dict[int, int]]:
    org = organization(db)
    items = [
        {"kind": "comment", "text": t, "occurred_at": f"2026-09-{i + 1:02d}T10:00:00Z"}
        for i, t in enumerate(TEXTS)
    ]
    result = ingest_feedback(db, org, list(items), now=datetime(2026, 10, 1, tzinfo=UTC))
    assert result.accepted == len(TEXTS)
    read_pending_themes(db, org)
    with db.engine.connect() as conn:
        from sqlalchemy import text

        ids = [int(r[0]) for r in conn.execute(text("SELECT id FROM feedback ORDER BY id"))]
    return db, org, {fid: n + 1 for n, fid in enumerate(ids)}


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_search_finds_word_forms(
    searched: tuple[Database, int, dict[int, int]], query: str, expected: set[int]
) -> None:
    db, org, number = searched
    assert {number[i] for i in search_ids(db, org, query)} == expected


def test_search_stays_inside_the_organization(
    searched: tuple[Database, int, dict[int, int]],
) -> None:
    db, _, _ = searched
    other = organization(db, "other")
    assert search_ids(db, other, "посилка") == []


def test_texts_not_read_yet_are_found_too(db: Database) -> None:
    org = organization(db)
    now = datetime(2026, 10, 1, tzinfo=UTC)
    items = [{"kind": "comment", "text": t, "occurred_at": "2026-09-01T10:00:00Z"} for t in TEXTS]
    ingest_feedback(db, org, items[:4], now=now)
    read_pending_themes(db, org)
    ingest_feedback(db, org, items[4:], now=now)  # stored, no theme reading yet
    ids = sorted(search_ids(db, org, "ПОСИЛКИ") + search_ids(db, org, "parcel"))
    # Two Ukrainian texts from the read batch and both English parcels from the unread one.
    assert len(ids) == 4
    assert search_ids(db, org, "parcel") == sorted(search_ids(db, org, "parcel"), reverse=True)
    read_pending_themes(db, org)
    assert sorted(search_ids(db, org, "ПОСИЛКИ") + search_ids(db, org, "parcel")) == ids
