"""Journey filters by segment, channel, first touchpoint and outcome, by hand, on every path:
the journey store's kernels, the Polars frame path and the portable Ibis path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from cxm.analytics.backend import Analytics
from cxm.analytics.journeys import (
    JourneyQuery,
    directly_follows,
    journey_events,
    load_dfg,
    load_variants,
)
from cxm.analytics.portable import portable_dfg, portable_variants
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.models import Customer, CustomerIdentity
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from tests.factories import organization, survey_answers, track


def _customer(db: Database, org: int, user: str) -> int:
    ident = table(CustomerIdentity)
    with db.session() as s:
        return int(
            s.execute(
                select(ident.c.customer_id).where(
                    (ident.c.organization_id == org) & (ident.c.value == user)
                )
            ).scalar_one()
        )


def _world(db: Database) -> int:
    org = organization(db)
    with db.writer() as conn:
        for code, channel in (("A", "web"), ("B", "web"), ("K", "contact_centre")):
            tp = add_touchpoint(conn, org, code, code, channel, "purchase")
            add_rule(conn, org, tp, event_name=code)
    ingest_batch(
        db,
        org,
        [
            # u1 (loyalty, detractor at last): A, B, K.  u2 (new, promoter): B, A.
            # u3 (no segment, no answer): A, B.
            track("1", "A", user_id="u1", timestamp="2026-03-01T10:00:00Z"),
            track("2", "B", user_id="u1", timestamp="2026-03-01T11:00:00Z"),
            track("3", "K", user_id="u1", timestamp="2026-03-01T15:00:00Z"),
            track("4", "B", user_id="u2", timestamp="2026-03-01T10:00:00Z"),
            track("5", "A", user_id="u2", timestamp="2026-03-01T12:00:00Z"),
            track("6", "A", user_id="u3", timestamp="2026-03-02T10:00:00Z"),
            track("7", "B", user_id="u3", timestamp="2026-03-02T13:00:00Z"),
        ],
    )
    segments = {"u1": "loyalty", "u2": "new"}
    ids = {u: _customer(db, org, u) for u in ("u1", "u2", "u3")}
    with db.writer() as conn:
        for user, segment in segments.items():
            conn.execute(
                update(table(Customer))
                .where(table(Customer).c.id == ids[user])
                .values(segment=segment)
            )
    # u1 was a promoter, then a detractor (the latest answer counts); u2 a promoter.
    survey_answers(db, org, datetime(2026, 2, 1, tzinfo=UTC), "nps", [10], customer_id=ids["u1"])
    survey_answers(db, org, datetime(2026, 3, 5, tzinfo=UTC), "nps", [3], customer_id=ids["u1"])
    survey_answers(db, org, datetime(2026, 3, 5, tzinfo=UTC), "nps", [9], customer_id=ids["u2"])
    return org


CASES = [
    (JourneyQuery(segment="loyalty"), {("A", "B"), ("B", "K")}),
    (JourneyQuery(segment="new"), {("B", "A")}),
    (JourneyQuery(channel="contact_centre"), {("A", "B"), ("B", "K")}),
    (JourneyQuery(first="B"), {("B", "A")}),
    (JourneyQuery(first="A"), {("A", "B"), ("B", "K")}),
    (JourneyQuery(outcome="detractor"), {("A", "B"), ("B", "K")}),
    (JourneyQuery(outcome="promoter"), {("B", "A")}),
    (JourneyQuery(outcome="passive"), set()),
    (JourneyQuery(first="nowhere"), set()),
    (JourneyQuery(segment="loyalty", first="B"), set()),
]


@pytest.mark.parametrize(("q", "edges"), CASES)
def test_journey_filters_by_hand_agree_on_every_path(
    db: Database, tmp_path: Path, q: JourneyQuery, edges: set[tuple[str, str]]
) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        fast = load_dfg(analytics, org, q)
        assert {(e.source, e.target) for e in fast} == edges
        with analytics.fresh() as con:
            frame = directly_follows(journey_events(con, org, q))
            portable = portable_dfg(con, org, q)
            variants = portable_variants(con, org, q)
        for other in (frame, portable):
            assert [(e.source, e.target, e.count, e.journeys, e.share) for e in other] == [
                (e.source, e.target, e.count, e.journeys, e.share) for e in fast
            ]
        assert [v.steps for v in variants] == [v.steps for v in load_variants(analytics, org, q)]
    finally:
        analytics.close()


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValidationError, match="promoter, passive, detractor"):
        JourneyQuery(outcome="happy").check()
