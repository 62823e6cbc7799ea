"""First touchpoint and outcome filters of drivers, quadrants and friction: by hand on a few
orders, against the journey map's own journeys on the small demo world, and the refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.drivers import DriverQuery, analyse
from cxm.analytics.first_touchpoint import (
    keep_orders,
    one_reading,
    orders_starting_at,
    portable_orders_starting_at,
)
from cxm.analytics.friction import (
    NO_EFFECT_UNDER_OUTCOME,
    UNDER_OUTCOME_NOTE,
    FrictionQuery,
    friction,
)
from cxm.analytics.friction_evidence import friction_evidence
from cxm.analytics.journeys import JourneyQuery, journey_events, people
from cxm.analytics.order_facts import OrderQuery, order_facts
from cxm.analytics.quadrants import QuadrantQuery, quadrants
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.models import CustomerIdentity, Order
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from tests.factories import organization, survey_answers, track
from tests.worlds import World


def _order(i: str, user: str, when: str) -> dict[str, object]:
    return track(f"o{i}", "Order Completed", user_id=user, timestamp=when, order_id=f"W{i}",
                 total=10, promised_delivery_date="2026-04-01", channel="web")  # fmt: skip


def first_world(db: Database, org: int | None = None) -> tuple[int, dict[str, int]]:
    """u1: an ad, then W1 a day later and W5 18 days after that (one journey from the ad).
    u2: a store visit, then W2. u3: an ad 59 days before W3 (a new journey starts at the
    order). u4: W4 with nothing before it, then an ad within the gap."""
    org = organization(db) if org is None else org
    with db.writer() as conn:
        for code, channel, name in (
            ("ad", "web", "Ad Click"),
            ("visit", "store", "Store Visit"),
            ("order", "web", "Order Completed"),
        ):
            add_rule(conn, org, add_touchpoint(conn, org, code, code, channel, "purchase"),
                     event_name=name)  # fmt: skip
    ingest_batch(
        db,
        org,
        [
            track("a1", "Ad Click", user_id="u1", timestamp="2026-03-01T09:00:00Z"),
            _order("1", "u1", "2026-03-02T10:00:00Z"),
            _order("5", "u1", "2026-03-20T10:00:00Z"),
            track("v2", "Store Visit", user_id="u2", timestamp="2026-03-01T09:00:00Z"),
            _order("2", "u2", "2026-03-03T10:00:00Z"),
            track("a3", "Ad Click", user_id="u3", timestamp="2026-01-01T09:00:00Z"),
            _order("3", "u3", "2026-03-01T10:00:00Z"),
            _order("4", "u4", "2026-03-05T10:00:00Z"),
            track("a4", "Ad Click", user_id="u4", timestamp="2026-03-10T09:00:00Z"),
        ],
    )
    ident = table(CustomerIdentity)
    with db.session() as s:
        who = dict(s.execute(select(ident.c.value, ident.c.customer_id)).all())
    survey_answers(db, org, datetime(2026, 3, 25, tzinfo=UTC), "nps", [10], customer_id=who["u1"])
    survey_answers(db, org, datetime(2026, 3, 25, tzinfo=UTC), "nps", [3], customer_id=who["u2"])
    with db.session() as s:
        orders = dict(s.execute(select(table(Order).c.external_id, table(Order).c.id)).all())
    return org, orders


@pytest.mark.parametrize(
    ("first", "outcome", "since", "gap_days", "expected"),
    [
        ("ad", None, None, 30, {"W1", "W5"}),
        ("visit", None, None, 30, {"W2"}),
        ("order", None, None, 30, {"W3", "W4"}),
        # The journey is cut from all events: a period does not change where an order's
        # journey starts (u3's ad lies before it, yet W3 still starts at the order).
        ("order", None, date(2026, 3, 1), 30, {"W3", "W4"}),
        ("ad", None, date(2026, 3, 10), 30, {"W5"}),
        (None, "promoter", None, 30, {"W1", "W5"}),
        (None, "detractor", None, 30, {"W2"}),
        ("visit", "promoter", None, 30, set()),
        # The gap cuts the journeys: at 60 days u3's ad (59 days and an hour before W3) opens
        # W3's journey; at one day u1's ad (25 hours before W1) and u2's visit (49 hours)
        # are journeys of their own, so every order opens its journey.
        ("ad", None, None, 60, {"W1", "W5", "W3"}),
        ("order", None, None, 60, {"W4"}),
        ("ad", None, None, 1, set()),
        ("order", None, None, 1, {"W1", "W2", "W3", "W4", "W5"}),
    ],
)
def test_orders_are_kept_by_where_their_journey_starts_and_by_outcome(
    sqlite_db: Database,
    tmp_path: Path,
    first: str | None,
    outcome: str | None,
    since: date | None,
    gap_days: int,
    expected: set[str],
) -> None:
    org, orders = first_world(sqlite_db)
    names = {v: k for k, v in orders.items()}
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            facts = order_facts(con, org, OrderQuery(since=since))
            kept = keep_orders(con, org, facts, first, outcome, gap_days)
            if first is not None:  # the Ibis form (other engines) cuts at the same gap
                ibis_form = portable_orders_starting_at(con, org, first, gap_days)
                assert ibis_form == orders_starting_at(con, org, first, gap_days)
    finally:
        analytics.close()
    assert {names[int(o)] for o in kept["order_id"]} == expected


def test_one_reading_answers_each_question_once_and_only_within_it(
    sqlite_db: Database, tmp_path: Path
) -> None:
    org, _ = first_world(sqlite_db)
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    calls: list[int] = []
    try:
        with analytics.fresh() as con:
            real = con.con.execute

            class Counting:  # the DuckDB connection, counting the queries it runs
                def __getattr__(self, name: str) -> object:
                    return getattr(real.__self__, name)

                def execute(self, sql: str, *args: object) -> object:
                    calls.append(1)
                    return real(sql, *args)

            duck = con.con
            con.con = Counting()
            try:
                with one_reading():
                    first = orders_starting_at(con, org, "ad", 30)
                    assert orders_starting_at(con, org, "ad", 30) == first
                    asked = len(calls)
                    assert orders_starting_at(con, org, "ad", 60) != first  # another question
                    assert len(calls) > asked
                outside = len(calls)
                orders_starting_at(con, org, "ad", 30)
                assert len(calls) > outside  # no memory outside the block
            finally:
                con.con = duck
    finally:
        analytics.close()


def test_unknown_first_touchpoint_and_outcome_are_refused_naming_the_field(
    sqlite_db: Database, tmp_path: Path
) -> None:
    org, _ = first_world(sqlite_db)
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            with pytest.raises(ValidationError, match="first: no touchpoint 'nowhere'") as e:
                orders_starting_at(con, org, "nowhere")
            assert [f.field for f in e.value.faults] == ["first"]
            with pytest.raises(ValidationError, match="first") as e:
                analyse(con, org, DriverQuery(first="nowhere"))
            assert [f.field for f in e.value.faults] == ["first"]
            with pytest.raises(ValidationError, match="outcome must be one of") as e:
                friction(con, org, FrictionQuery(outcome="happy"))
            assert [f.field for f in e.value.faults] == ["outcome"]
            with pytest.raises(ValidationError, match="first") as e:
                friction(con, org, FrictionQuery(first="nowhere"))
            for bad in (0, 366):
                with pytest.raises(ValidationError, match="gap_days") as e:
                    analyse(con, org, DriverQuery(first="ad", gap_days=bad))
                assert [f.field for f in e.value.faults] == ["gap_days"]
                with pytest.raises(ValidationError, match="gap_days") as e:
                    friction(con, org, FrictionQuery(first="ad", gap_days=bad))
                assert [f.field for f in e.value.faults] == ["gap_days"]
                with pytest.raises(ValidationError, match="gap_days") as e:
                    quadrants(con, org, QuadrantQuery(first="ad", gap_days=bad))
                assert [f.field for f in e.value.faults] == ["gap_days"]
    finally:
        analytics.close()


def test_drivers_and_quadrants_refuse_an_outcome_since_it_is_what_they_explain() -> None:
    with pytest.raises(ValidationError, match="outcome: the driver analysis explains") as e:
        DriverQuery(outcome="promoter").check()
    assert [f.field for f in e.value.faults] == ["outcome"]
    with pytest.raises(ValidationError, match="outcome: the quadrants") as e:
        QuadrantQuery(outcome="detractor").check()
    assert [f.field for f in e.value.faults] == ["outcome"]
    with pytest.raises(ValidationError, match="outcome must be one of") as e:
        DriverQuery(outcome="fan").check()
    assert [f.field for f in e.value.faults] == ["outcome"]


def _order_starts(con: object, org: int) -> pl.DataFrame:
    """Each order's first touchpoint, from the journey map's own journeys (the Polars
    path): the journey holding the order's earliest linked event."""
    frame = journey_events(con, org, JourneyQuery())
    linked = pl.from_arrow(
        con.con.sql(  # type: ignore[attr-defined]
            "SELECT id AS seq, order_id FROM event WHERE order_id IS NOT NULL"
        ).to_arrow_table()
    )
    assert isinstance(linked, pl.DataFrame)
    starts = frame.group_by("journey").agg(start=pl.col("step").first())
    holding = frame.join(linked, on="seq").sort(["ts", "seq"])
    holding = holding.group_by("order_id").agg(pl.col("journey").first())
    return holding.join(starts, on="journey").select("order_id", "start")


def test_demo_friction_and_drivers_count_the_orders_whose_journey_starts_there(
    small_world: World, tmp_path: Path
) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            starts = _order_starts(con, org)
            facts = order_facts(con, org, OrderQuery()).filter(pl.col("delivery"))
            facts = facts.join(starts, on="order_id", how="left")
            first = "ad_click"
            mine = facts.filter(pl.col("start") == first)
            everyone = friction(con, org, FrictionQuery())
            one = friction(con, org, FrictionQuery(first=first))
            drivers = analyse(con, org, DriverQuery(first=first, bootstrap=0))
            evidence = friction_evidence(con, org, FrictionQuery(first=first), "late")
            starters = journey_events(con, org, JourneyQuery(first=first))["person"].unique()
            panel = quadrants(con, org, QuadrantQuery(first=first))
    finally:
        analytics.close()
    late = next(p for p in one.points if p.name == "late")
    own_late = mine.filter(pl.col("late"))
    assert 0 < late.orders == own_late.height < facts.filter(pl.col("late")).height
    assert late.customers == own_late["person"].n_unique()
    assert evidence.orders == own_late.height
    assert drivers.respondents == mine.filter(pl.col("score").is_not_null()).height
    assert 0 < one.respondents == drivers.respondents < everyone.respondents
    assert panel.panels and all(p.respondents == drivers.respondents for p in panel.panels)
    # Event-based sections keep the customers with a journey starting there.
    attempts = sum(s.attempts for s in one.drop_offs.steps)
    assert 0 < attempts < sum(s.attempts for s in everyone.drop_offs.steps)
    assert 0 < one.effort.respondents < everyone.effort.respondents
    reach_all = {p.touchpoint: p.customers for p in everyone.effort.points}
    for point in one.effort.points:
        assert point.customers <= reach_all[point.touchpoint]
    assert starters.len() < facts["person"].n_unique()


def test_demo_friction_under_an_outcome_counts_its_customers_without_an_nps_effect(
    small_world: World, tmp_path: Path
) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            facts = order_facts(con, org, OrderQuery()).filter(pl.col("delivery"))
            who = journey_events(con, org, JourneyQuery(outcome="detractor"))
            group = people(con, org, JourneyQuery(outcome="detractor")).to_pyarrow()
            everyone = friction(con, org, FrictionQuery())
            one = friction(con, org, FrictionQuery(outcome="detractor"))
    finally:
        analytics.close()
    detractors = pl.Series(group.column("who").to_pylist())
    assert who.height > 0
    late = next(p for p in one.points if p.name == "late")
    own_late = facts.filter(pl.col("late") & pl.col("person").is_in(detractors.implode()))
    assert 0 < late.orders == own_late.height
    assert late.customers == own_late["person"].n_unique()
    assert all(p.nps_effect is None and p.score is None for p in one.points)
    assert late.note == UNDER_OUTCOME_NOTE and one.message == NO_EFFECT_UNDER_OUTCOME
    assert 0 < one.effort.respondents < everyone.effort.respondents
    attempts = sum(s.attempts for s in one.drop_offs.steps)
    assert 0 < attempts < sum(s.attempts for s in everyone.drop_offs.steps)


def test_emotion_section_counts_only_the_customers_the_filters_keep(
    sqlite_db: Database, tmp_path: Path
) -> None:
    from cxm.analytics.friction_emotion import negative_emotion
    from tests.analytics.test_friction_emotion import emotion_world

    org = emotion_world(sqlite_db)
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            rows = con.con.execute(
                "SELECT customer_id, count(*) FROM feedback GROUP BY 1 ORDER BY 1"
            ).fetchall()
            everyone = negative_emotion(con, org)
            one = negative_emotion(con, org, persons=[int(rows[0][0])])
            nobody = negative_emotion(con, org, persons=[])
    finally:
        analytics.close()
    assert everyone.comments == sum(int(n) for _, n in rows)
    assert one.comments == int(rows[0][1]) and [p.customers for p in one.points] == [1]
    assert nobody.comments == 0 and nobody.message
