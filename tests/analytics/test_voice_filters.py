"""The Voice filters on a comment's own columns, its journey stage and its writer's NPS group,
by hand: each keeps exactly the comments it should, alone, together and with a word search."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxm.analytics.backend import Analytics
from cxm.analytics.voice import VoiceFilter, load_voice
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.feedback.service import ingest_feedback
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_location, add_rule, add_touchpoint
from cxm.text.search import search_ids, search_terms
from cxm.text.theme_store import read_pending_themes
from tests.analytics.test_emotion_curve import _customer_id
from tests.factories import organization, survey_answers, track

# text -> what it is: channel, store, when, stage (as the emotion curve places it), writer
CART = "The cart page was slow"  # web, K1, 20 Feb, purchase (c1's cart the day before), c1
PARCEL = "Parcel arrived late"  # delivery, L2, 3 Mar, delivery (its touchpoint), c1
SHOP = "Late opening at the shop"  # store, K1, 10 Mar, unknown (c2 has no events), c2, 2*
APP = "App crashed late at night"  # app, no store, 5 Apr, unknown (nobody's), 5* (oddly)


def voice_world(db: Database, org: int) -> None:
    """Four comments; c1's latest NPS answer is 10 (an earlier 2 is superseded), c2's is 8."""
    with db.writer() as conn:
        parcel = add_touchpoint(conn, org, "parcel", "Parcel", "delivery", "delivery")
        add_rule(conn, org, parcel, event_name="Parcel")
        cart = add_touchpoint(conn, org, "cart", "Cart", "web", "purchase")
        add_rule(conn, org, cart, event_name="Cart")
        add_location(conn, org, "K1", "Kyiv 1")
        add_location(conn, org, "L2", "Lviv 2")
    ingest_batch(db, org, [track("e1", "Cart", user_id="c1", timestamp="2026-02-19T10:00:00Z")])
    ingest_feedback(
        db,
        org,
        [
            {"kind": "comment", "text": CART, "occurred_at": "2026-02-20T10:00:00Z",
             "channel": "web", "location": "K1", "customer": {"user_id": "c1"}},
            {"kind": "complaint", "text": PARCEL, "occurred_at": "2026-03-03T10:00:00Z",
             "channel": "delivery", "location": "L2", "touchpoint": "parcel",
             "customer": {"user_id": "c1"}},
            {"kind": "review", "text": SHOP, "occurred_at": "2026-03-10T10:00:00Z",
             "channel": "store", "location": "K1", "customer": {"user_id": "c2"}, "rating": 2},
            {"kind": "review", "text": APP, "occurred_at": "2026-04-05T10:00:00Z",
             "channel": "app", "rating": 5},
        ],
    )  # fmt: skip
    c1, c2 = _customer_id(db, org, "c1"), _customer_id(db, org, "c2")
    survey_answers(db, org, datetime(2026, 2, 1, tzinfo=UTC), "nps", [2], customer_id=c1)
    survey_answers(db, org, datetime(2026, 3, 1, tzinfo=UTC), "nps", [10], customer_id=c1)
    survey_answers(db, org, datetime(2026, 3, 2, tzinfo=UTC), "nps", [8], customer_id=c2)


CASES = [
    ({}, [APP, SHOP, PARCEL, CART]),
    ({"channel": "web"}, [CART]),
    ({"channel": "delivery"}, [PARCEL]),
    ({"channel": "email"}, []),
    ({"store": "K1"}, [SHOP, CART]),
    ({"store": "L2"}, [PARCEL]),
    ({"store": "nowhere"}, []),
    ({"period": "2026-03"}, [SHOP, PARCEL]),
    ({"period": "2026-Q1"}, [SHOP, PARCEL, CART]),
    ({"period": "2026"}, [APP, SHOP, PARCEL, CART]),
    ({"period": "2025"}, []),
    ({"stage": "purchase"}, [CART]),
    ({"stage": "delivery"}, [PARCEL]),
    ({"stage": "unknown"}, [APP, SHOP]),
    ({"stage": "use"}, []),
    ({"nps_group": "promoter"}, [PARCEL, CART]),
    ({"nps_group": "passive"}, [SHOP]),
    ({"nps_group": "detractor"}, []),
    ({"store": "K1", "period": "2026-03"}, [SHOP]),
    ({"stage": "unknown", "nps_group": "passive"}, [SHOP]),
    ({"channel": "web", "stage": "delivery"}, []),
    ({"rating": 2}, [SHOP]),
    ({"rating": 5}, [APP]),
    ({"rating": 3}, []),
    ({"rating": 2, "store": "L2"}, []),
    ({"rating": 2, "nps_group": "passive"}, [SHOP]),
]


def test_each_filter_keeps_exactly_its_comments(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    voice_world(db, org)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        for filters, expected in CASES:
            found = load_voice(analytics, org, VoiceFilter(**filters))  # type: ignore[arg-type]
            assert [c.text for c in found.comments] == expected, filters
            assert found.total == len(expected)
            assert sum(found.by_kind.values()) == len(expected), filters
            stars = {SHOP: 2, APP: 5}
            assert [c.rating for c in found.comments] == [stars.get(t) for t in expected]
            counted = dict(sorted((str(stars[t]), 1) for t in expected if t in stars))
            assert found.by_rating == counted and list(found.by_rating) == list(counted)
    finally:
        analytics.close()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [APP, SHOP, PARCEL]),
        ({"channel": "delivery"}, [PARCEL]),
        ({"store": "K1"}, [SHOP]),
        ({"period": "2026-04"}, [APP]),
        ({"stage": "unknown", "nps_group": "passive"}, [SHOP]),
        ({"nps_group": "promoter", "store": "K1"}, []),
        ({"rating": 5}, [APP]),
    ],
)
def test_a_word_search_combines_with_the_filters(
    db: Database, tmp_path: Path, filters: dict[str, str], expected: list[str]
) -> None:
    """The same hits whether the texts are not read yet (searched on the spot) or read (their
    stored lemmas searched in the analytics store with the filters)."""
    org = organization(db)
    voice_world(db, org)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        words, unread = search_terms(db, org, "late")
        assert len(unread) == 3  # nothing read yet
        found = load_voice(analytics, org, VoiceFilter(words=words, unread_hits=unread, **filters))  # type: ignore[arg-type]
        assert [c.text for c in found.comments] == expected
        read_pending_themes(db, org)
        words, unread = search_terms(db, org, "late")
        assert unread == ()
        found = load_voice(analytics, org, VoiceFilter(words=words, **filters))  # type: ignore[arg-type]
        assert [c.text for c in found.comments] == expected
    finally:
        analytics.close()


def test_a_search_is_not_capped_before_the_filters(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hits beyond the lemma index's cap are still found with a filter (it applies to all)."""
    org = organization(sqlite_db)
    voice_world(sqlite_db, org)
    read_pending_themes(sqlite_db, org)
    monkeypatch.setattr("cxm.text.search.MAX_HITS", 1)
    assert len(search_ids(sqlite_db, org, "late")) == 1  # the index's own cap
    words, unread = search_terms(sqlite_db, org, "late")
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    try:
        every = load_voice(analytics, org, VoiceFilter(words=words, unread_hits=unread))
        oldest = load_voice(analytics, org, VoiceFilter(words=words, store="L2"))
        nothing = load_voice(analytics, org, VoiceFilter(words=()))
    finally:
        analytics.close()
    assert [c.text for c in every.comments] == [APP, SHOP, PARCEL]
    assert [c.text for c in oldest.comments] == [PARCEL] and nothing.total == 0
