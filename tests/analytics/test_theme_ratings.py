"""Mean stars per theme, by hand: only rated texts count, each with its own stars."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxm.analytics.backend import Analytics
from cxm.analytics.themes import ThemeFilter, load_themes
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.feedback.service import ingest_feedback
from cxm.text.theme_store import read_pending_themes
from tests.factories import organization

LATE = ("Посилка запізнилася на тиждень", "Доставка знову запізнилася", "The delivery was late")
QUEUE = "Черга на касі була величезна"


def test_mean_stars_per_theme_count_rated_texts_only(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    items = [
        {"kind": "review", "text": LATE[0], "rating": 1},
        {"kind": "review", "text": LATE[1], "rating": 2},
        {"kind": "complaint", "text": LATE[2]},  # no stars: counted, not rated
        {"kind": "review", "text": QUEUE, "rating": 4},
    ]
    stored = ingest_feedback(db, org, [{**i, "occurred_at": "2026-10-01T10:00:00Z"} for i in items])
    assert stored.accepted == 4
    read_pending_themes(db, org)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        found = {t.key: t for t in load_themes(analytics, org, ThemeFilter()).themes}
        reviews = {t.key: t for t in load_themes(analytics, org, ThemeFilter(kind="review")).themes}
    finally:
        analytics.close()
    late = found["delivery/late"]
    assert (late.comments, late.rated, late.mean_rating) == (3, 2, pytest.approx(1.5))
    queue = found["store/queues"]
    assert (queue.comments, queue.rated, queue.mean_rating) == (1, 1, pytest.approx(4.0))
    assert (reviews["delivery/late"].comments, reviews["delivery/late"].rated) == (2, 2)
