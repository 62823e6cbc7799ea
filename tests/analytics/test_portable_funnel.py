"""The portable funnel equals the fast path: hand-computed attempts (repeats, ties, strict
order, windows), and the small demo world's checkout and cart funnels on DuckDB."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

import pytest

from cxm.analytics.backend import Analytics
from cxm.analytics.funnels import Funnel, FunnelQuery, funnel
from cxm.analytics.portable_funnel import portable_funnel
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from tests.analytics.engines import same_figures
from tests.analytics.test_funnels import STEPS, _segment, _world
from tests.factories import organization, track
from tests.worlds import World

CHECKOUT = tuple(f"Checkout Step Viewed[step={i}]" for i in range(1, 6)) + ("Order Completed",)
DEMO_QUERIES = (
    FunnelQuery(CHECKOUT),
    FunnelQuery(CHECKOUT, window_hours=0.05, strict=True),
    FunnelQuery(("web_cart", "web_order"), window_hours=72, channel="web", segment="loyalty"),
    FunnelQuery(("web_cart", "web_order"), strict=True, since=date(2026, 3, 1)),
    FunnelQuery(("store_visit", "store_purchase"), store="KYIV-2", window_hours=6),
    FunnelQuery(("web_cart", "web_order"), window_hours=72, first="web_product"),
    FunnelQuery(CHECKOUT, outcome="detractor", since=date(2026, 1, 1)),
)


def same_funnel(a: Funnel, b: Funnel) -> None:
    """Equal counts, labels and groups; medians equal up to the engines' float rounding."""
    same_figures(asdict(a), asdict(b), "funnel")


def _both(db: Database, tmp_path: Path, org: int, q: FunnelQuery) -> tuple[Funnel, Funnel]:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return funnel(con, org, q), portable_funnel(con, org, q)
    finally:
        analytics.close()


def test_portable_funnel_by_hand(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    # u5 starts nine attempts, 30 hours apart, each alone in its 24-hour window: a chain
    # long enough for three levels of doubling.
    ingest_batch(
        db,
        org,
        [
            track(f"u5-{i}", "A", user_id="u5", timestamp=f"2026-04-{1 + i:02d}T{i:02d}:00:00Z")
            for i in range(9)
        ],
    )
    _segment(db, org, {"u1": "loyalty", "u2": "new", "u3": "loyalty", "u4": "new"})
    fast, portable = _both(db, tmp_path, org, FunnelQuery(STEPS, window_hours=24))
    # The hand-computed funnel of test_funnels, plus u5's nine attempts at A.
    assert portable.attempts == 14 and portable.completed == 2
    assert [s.attempts for s in portable.steps] == [14, 3, 2]
    assert [s.customers for s in portable.steps] == [5, 3, 2]
    assert portable.steps[1].median_hours_from_previous == pytest.approx(2.0)
    assert portable.steps[2].median_hours_from_previous == pytest.approx(0.5)
    assert portable.median_hours_to_complete == pytest.approx(2.0)
    assert [s.attempts for s in portable.by_segment["new"]] == [3, 2, 1]
    same_funnel(portable, fast)
    for q in (
        FunnelQuery(STEPS, window_hours=24, strict=True),
        FunnelQuery(STEPS, window_hours=48),
        FunnelQuery(STEPS, window_hours=24, segment="new"),
        FunnelQuery(STEPS, channel="store"),
        FunnelQuery(("A", "A"), window_hours=1000),
    ):
        fast, portable = _both(db, tmp_path, org, q)
        same_funnel(portable, fast)
    strict = _both(db, tmp_path, org, FunnelQuery(STEPS, window_hours=24, strict=True))[1]
    assert [s.attempts for s in strict.steps] == [14, 2, 2]
    with pytest.raises(ValidationError, match="unknown step 'nowhere'"):
        _both(db, tmp_path, org, FunnelQuery(("A", "nowhere")))


def test_portable_funnel_equals_the_fast_path_on_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        for q in DEMO_QUERIES:
            with analytics.fresh() as con:
                fast = funnel(con, org, q)
                same_funnel(portable_funnel(con, org, q), fast)
            assert fast.attempts > 0, q
    finally:
        analytics.close()


def test_first_touchpoint_and_outcome_keep_only_those_customers_attempts(
    small_world: World, tmp_path: Path
) -> None:
    from cxm.analytics.first_touchpoint import customers_starting_at, outcome_customers
    from cxm.analytics.funnels import attempts_of

    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            q = FunnelQuery(("web_cart", "web_order"), window_hours=72)
            every = attempts_of(con, org, q)
            starting = set(customers_starting_at(con, org, "web_product"))
            detractors = set(outcome_customers(con, org, "detractor"))
            first = attempts_of(con, org, replace(q, first="web_product"))
            both = attempts_of(con, org, replace(q, first="web_product", outcome="detractor"))
            with pytest.raises(ValidationError) as refused:
                funnel(con, org, replace(q, outcome="fans"))
    finally:
        analytics.close()
    people = every["person"].to_list()
    assert 0 < first.height < every.height
    assert first.height == sum(1 for p in people if p in starting)
    assert both.height == sum(1 for p in people if p in starting and p in detractors)
    assert refused.value.faults[0].field == "outcome"


def test_funnel_of_journey_stages_by_hand_on_both_paths(db: Database, tmp_path: Path) -> None:
    """Stages as steps: an event at any touchpoint of the stage. u1 browses, carts, buys and
    gets the parcel; u2 browses and carts; u3 only carts (no start); u4 browses and then
    gets a parcel without buying in between (its attempt stops at the first step)."""
    org = organization(db)
    with db.writer() as conn:
        for code, stage in (("browse", "pre_purchase"), ("cart", "purchase"),
                            ("buy", "purchase"), ("ship", "delivery")):  # fmt: skip
            add_rule(conn, org, add_touchpoint(conn, org, code, code, "web", stage),
                     event_name=code)  # fmt: skip

    def e(i: int, name: str, who: str, hour: int) -> dict[str, object]:
        return track(f"s{i}", name, user_id=who, timestamp=f"2026-03-01T{hour:02d}:00:00Z")

    ingest_batch(
        db,
        org,
        [
            e(1, "browse", "u1", 1), e(2, "cart", "u1", 2), e(3, "buy", "u1", 3),
            e(4, "ship", "u1", 5), e(5, "browse", "u2", 1), e(6, "cart", "u2", 4),
            e(7, "cart", "u3", 1), e(8, "browse", "u4", 1), e(9, "ship", "u4", 2),
        ],
    )  # fmt: skip
    stages = ("stage:pre_purchase", "stage:purchase", "stage:delivery")
    fast, portable = _both(db, tmp_path, org, FunnelQuery(stages))
    same_funnel(portable, fast)
    assert [s.attempts for s in fast.steps] == [3, 2, 1]
    assert fast.steps[1].median_hours_from_previous == pytest.approx(2.0)  # 1 h and 3 h
    assert fast.median_hours_to_complete == pytest.approx(4.0)
    # Strict: u1's second purchase-stage event (buy after cart) is not the next step, so its
    # attempt ends there, as a repeated touchpoint step does.
    fast, portable = _both(db, tmp_path, org, FunnelQuery(stages, strict=True))
    same_funnel(portable, fast)
    assert [s.attempts for s in fast.steps] == [3, 2, 0]
    mixed = _both(db, tmp_path, org, FunnelQuery(("browse", "stage:purchase", "ship")))[0]
    assert [s.attempts for s in mixed.steps] == [3, 2, 1]
    with pytest.raises(ValidationError, match="unknown stage 'checkout'") as refused:
        _both(db, tmp_path, org, FunnelQuery(("browse", "stage:checkout")))
    assert "delivery, pre_purchase, purchase" in str(refused.value)
    assert [(f.field, f.index) for f in refused.value.faults] == [("steps", 1)]
