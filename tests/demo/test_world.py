"""The demo world: deterministic, in the intended proportions, with its truths planted."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sqlalchemy import func, select

from cxm.core.db import Database
from cxm.core.errors import Conflict
from cxm.demo import truths as T
from cxm.demo.journeys import simulate
from cxm.demo.world import generate
from cxm.ingest.models import Customer, Event, Location, Order, ShipmentUpdate


def test_simulation_is_deterministic_by_seed() -> None:
    a, b, other = simulate(7, 42), simulate(7, 42), simulate(8, 42)
    assert [e["message_id"] for e in a.events] == [e["message_id"] for e in b.events]
    assert [e["occurred_at"] for e in a.events] == [e["occurred_at"] for e in b.events]
    assert [e["occurred_at"] for e in a.events] != [e["occurred_at"] for e in other.events]


def test_small_world_is_written_and_counts_add_up(db: Database) -> None:
    summary = generate(db, "small", seed=3)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == summary.customers == 2000
        assert s.scalar(select(func.count()).select_from(Event)) == summary.events
        assert s.scalar(select(func.count()).select_from(Order)) == summary.orders
        assert (
            s.scalar(select(func.count()).select_from(ShipmentUpdate)) == summary.shipment_updates
        )
        cities = set(s.scalars(select(Location.city).where(Location.kind == "store")))
        orphans = s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.customer_id.not_in(select(Customer.id)))
        )
        unmapped = s.scalar(select(func.count()).select_from(Event).where(Event.unmapped))
    assert summary.events > 40_000
    assert len(cities) >= 5
    assert orphans == 0
    assert unmapped is not None and 0 < unmapped / summary.events < 0.02


def test_generating_twice_into_one_store_is_refused(sqlite_db: Database) -> None:
    generate(sqlite_db, "small", seed=3)
    with pytest.raises(Conflict):
        generate(sqlite_db, "small", seed=3)


def _population(n: int = 4000) -> list:  # type: ignore[type-arg]
    return [simulate(11, i) for i in range(n)]


def test_languages_delays_and_notices_have_the_planted_shares() -> None:
    people = _population()
    langs = Counter(p.language for p in people)
    assert abs(langs["uk"] / len(people) - 0.60) < 0.04
    assert abs(langs["ru"] / len(people) - 0.25) < 0.04
    delivered = [e for p in people for e in p.experiences if e.delivered]
    late = [e for e in delivered if e.late]
    assert 0.15 < len(late) / len(delivered) < 0.23
    assert abs(sum(e.notified for e in late) / len(late) - 0.5) < 0.06


def test_the_planted_checkout_step_loses_far_more_than_the_others() -> None:
    reached: Counter[int] = Counter()
    for p in _population(3000):
        for e in p.events:
            if e["name"] == "Checkout Step Viewed" and e["channel"] == "web":
                reached[e["properties"]["step"]] += 1
    drop = {k: 1 - reached[k + 1] / reached[k] for k in range(1, 5)}
    worst = max(drop, key=lambda k: drop[k])
    assert worst == T.CHECKOUT.worst_step
    assert drop[worst] > 3 * max(v for k, v in drop.items() if k != worst)


def test_delays_cause_contacts_and_loops_make_detractors() -> None:
    exps = [e for p in _population() for e in p.experiences if e.delivered]
    late = np.mean([e.contacts for e in exps if e.late])
    on_time = np.mean([e.contacts for e in exps if not e.late])
    assert late > 3 * on_time
    loops = [e for e in exps if e.contacts >= T.CONTACT_LOOP.threshold]
    detractors = sum(e.ltr <= 6 for e in loops) / len(loops)
    assert detractors >= T.CONTACT_LOOP.detractor_share_min


def test_late_delivery_effect_raw_and_adjusted_match_the_truths() -> None:
    exps = [e for p in _population(12_000) for e in p.experiences if e.delivered]
    nps = np.array([100 if e.ltr >= 9 else -100 if e.ltr <= 6 else 0 for e in exps], float)
    late = np.array([e.late for e in exps], float)
    loop = np.array([e.contacts >= T.CONTACT_LOOP.threshold for e in exps], float)
    app = np.array([e.channel == "app" for e in exps], float)
    raw = nps[late == 1].mean() - nps[late == 0].mean()
    x = np.column_stack([np.ones_like(late), late, loop, app])
    adjusted = np.linalg.lstsq(x, nps, rcond=None)[0][1]
    tol = T.LATE_DELIVERY.tolerance
    assert abs(raw - T.LATE_DELIVERY.nps_effect_raw) < tol
    assert abs(adjusted - T.LATE_DELIVERY.nps_effect_adjusted) < tol
    assert raw < adjusted  # the contact-loop confounder widens the naive gap


def test_proactive_notices_soften_the_drop() -> None:
    exps = [e for p in _population(12_000) for e in p.experiences if e.delivered]
    nps = np.array([100 if e.ltr >= 9 else -100 if e.ltr <= 6 else 0 for e in exps], float)
    unnotified = np.array([e.late and not e.notified for e in exps], float)
    notified = np.array([e.late and e.notified for e in exps], float)
    loop = np.array([e.contacts >= T.CONTACT_LOOP.threshold for e in exps], float)
    x = np.column_stack([np.ones_like(loop), unnotified, notified, loop])
    b = np.linalg.lstsq(x, nps, rcond=None)[0]
    softening = b[2] - b[1]
    assert abs(softening - T.PROACTIVE_NOTICE.nps_softening) < T.PROACTIVE_NOTICE.tolerance


def test_churn_is_higher_after_a_late_delivery() -> None:
    after_late, after_on_time = [], []
    for p in _population():
        if p.experiences and p.experiences[-1].delivered:
            (after_late if p.experiences[-1].late else after_on_time).append(p.churned)
    assert np.mean(after_late) > np.mean(after_on_time) + 0.1


def test_demo_feedback_follows_the_planted_situations(sqlite_db: Database) -> None:
    from cxm.feedback.models import Feedback

    summary = generate(sqlite_db, "small", seed=5)
    with sqlite_db.session() as s:
        rows = s.execute(
            select(
                Feedback.kind,
                Feedback.category,
                Feedback.text,
                Feedback.occurred_at,
                Customer.language,
            ).join(Customer, Customer.id == Feedback.customer_id)
        ).all()
    assert summary.feedback == len(rows) > 200
    packaging = [r for r in rows if r.kind == "complaint" and r.category is None]
    assert packaging and all(r.occurred_at.date() >= T.EMERGING_TOPIC.start for r in packaging)
    loops = [r for r in rows if r.category == "service"]
    angry = (
        "лют",
        "обурлив",
        "бешенств",
        "возмутительн",
        "furious",
        "outrageous",
        "Терпіння",
        "Терпение",
        "patience",
        "Жахлив",
        "Отвратительн",
        "Terrible",
    )
    assert loops and all(any(w in r.text for w in angry) for r in loops)
    cyrillic = sum(any("а" <= ch <= "я" or ch in "іїєґ" for ch in r.text.lower()) for r in rows)
    english = sum(r.language == "en" for r in rows)
    assert cyrillic > 0.7 * len(rows) and english > 0
    for r in rows:  # each text is in its customer's language
        if r.language == "en":
            assert not any("а" <= ch <= "я" for ch in r.text.lower())
