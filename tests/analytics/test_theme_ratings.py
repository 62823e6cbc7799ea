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
QUEUE = ("Черга на касі була величезна", "Довга черга, але каса працювала", "Знову черга")


def test_mean_stars_per_theme_count_rated_texts_only(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    items = [
        {"kind": "review", "text": LATE[0], "rating": 1},
        {"kind": "review", "text": LATE[1], "rating": 2},
        {"kind": "complaint", "text": LATE[2]},  # no stars: counted, not rated
        {"kind": "review", "text": QUEUE[0], "rating": 4},
        {"kind": "review", "text": QUEUE[1], "rating": 4},
        {"kind": "review", "text": QUEUE[2], "rating": 5},
    ]
    stored = ingest_feedback(db, org, [{**i, "occurred_at": "2026-10-01T10:00:00Z"} for i in items])
    assert stored.accepted == 6
    read_pending_themes(db, org)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        found = {t.key: t for t in load_themes(analytics, org, ThemeFilter()).themes}
        reviews = {t.key: t for t in load_themes(analytics, org, ThemeFilter(kind="review")).themes}
    finally:
        analytics.close()
    late = found["delivery/late"]
    assert (late.comments, late.rated, late.mean_rating) == (3, 2, pytest.approx(1.5))
    # Stars 1 and 2: s = 0.7071, se = 0.5, t(0.975, 1) = 12.706; the interval is cut to 1-5.
    assert (late.rating_low, late.rating_high) == (1.0, 5.0)
    queue = found["store/queues"]
    assert (queue.comments, queue.rated, queue.mean_rating) == (3, 3, pytest.approx(13 / 3))
    # s = 0.5774, se = 0.3333, t(0.975, 2) = 4.3027: 4.333 ± 1.434, the top cut to 5.
    assert queue.rating_low == pytest.approx(2.8991, abs=1e-3) and queue.rating_high == 5.0
    assert (reviews["delivery/late"].comments, reviews["delivery/late"].rated) == (2, 2)
