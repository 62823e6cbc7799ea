"""The truths planted in the demo world: causal structure and the values analyses must find.

Analytics never import the generator; tests compare what an analysis finds with the values
here. Each truth states what causes what, what confounds it, and the value to find: the raw
difference a naive group-by shows and the effect adjusted for the other factors.

Scales: likelihood to recommend (LTR) is 0-10; an NPS "effect in points" is the difference in
mean per-respondent score where promoters (9-10) score +100, passives 0, detractors -100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The world's calendar: twelve months ending on this day (organization time, Europe/Kyiv).
END_DATE = date(2026, 10, 31)
DAYS = 365


@dataclass(frozen=True)
class LateDelivery:
    """Late deliveries lower NPS by about 30 points and raise churn.

    Structure: delay -> LTR (direct: -0.95 LTR for an unnotified late order, -0.5 notified);
    delay -> extra contact-centre contacts -> LTR (contact loops cost more, see ContactLoop),
    so the raw late/on-time NPS gap is wider than the adjusted one. Winter months have more
    delays (a seasonal confounder with nothing else planted on it).
    """

    share_of_delivered_orders: float = 0.18
    winter_share: float = 0.26  # December to February
    ltr_effect: float = -0.95  # direct effect, unnotified
    # Per-order NPS points over delivered orders (regression on late, contact loop, app):
    nps_effect_adjusted: float = -28.0  # any late order, notified or not
    nps_effect_adjusted_unnotified: float = -36.0
    nps_effect_raw: float = -42.0  # naive late minus on-time difference (includes loops)
    tolerance: float = 7.0
    churn_on_time: float = 0.22  # chance the customer buys no more after the order
    churn_late: float = 0.42


@dataclass(frozen=True)
class CheckoutStep:
    """One website checkout step loses far more customers than the others.

    Steps 1-5 of the web checkout; step 3 (delivery options) loses 34% of those who reach it,
    the others 4-7%. App checkout has no such step.
    """

    steps: tuple[str, ...] = ("cart", "contact details", "delivery options", "payment", "review")
    worst_step: int = 3
    drop_rates: tuple[float, ...] = (0.06, 0.05, 0.34, 0.07, 0.04)


@dataclass(frozen=True)
class ContactLoop:
    """More than two contact-centre contacts about one order make the customer angry.

    Contacts per order ~ Poisson(0.35), or Poisson(1.5) for late orders (so delay confounds
    it). Orders with 3+ contacts: LTR -2.6 on top of any delay effect; about 85% of those
    customers are detractors. Their complaints are angry (emotion: anger). Adjusted NPS effect
    of a loop: about -79 points.
    """

    contact_rate_on_time: float = 0.35
    contact_rate_late: float = 1.5
    threshold: int = 3  # "more than twice"
    ltr_effect: float = -2.6
    detractor_share_min: float = 0.70
    nps_effect_adjusted: float = -79.0


@dataclass(frozen=True)
class Stores:
    """Two stores are worse: one for its senses, one for its staff.

    KYIV-2 (Kyiv, Ocean Plaza): noisy, harsh lighting: CSAT (1-5) -0.7, LTR -0.5 for its
    purchases. LVIV-1 (Lviv): employee eNPS -20 against +25 elsewhere, and CSAT -0.5,
    LTR -0.4 for its purchases.
    """

    sensory_store: str = "KYIV-2"
    sensory_csat_effect: float = -0.7
    sensory_ltr_effect: float = -0.5
    low_enps_store: str = "LVIV-1"
    low_enps: float = -20.0
    other_enps: float = 25.0
    low_enps_csat_effect: float = -0.5
    low_enps_ltr_effect: float = -0.4


@dataclass(frozen=True)
class FakeReviewRing:
    """A ring of fake reviews for one product: a burst, near-duplicate texts, no orders.

    40 five-star reviews of the product within three days, from accounts with no order, with
    texts that are paraphrases of two templates. Generated when reviews land.
    """

    sku: str = "HX-200"
    product: str = "Hexa HX-200 robot vacuum"
    reviews: int = 40
    burst_start: date = date(2026, 9, 14)
    burst_days: int = 3


@dataclass(frozen=True)
class ProactiveNotice:
    """Proactive delay notices, sent to a random half of delayed orders, soften the drop.

    Randomised (an experiment): a notified late order costs -0.5 LTR instead of -0.95, so the
    NPS effect of lateness is about 16 points smaller for notified orders (-21 against -36).
    """

    share_of_delayed: float = 0.5
    ltr_effect_notified: float = -0.5
    nps_softening: float = 16.0
    tolerance: float = 7.0


@dataclass(frozen=True)
class Gaps:
    """Expectation and sacrifice gaps on named attributes (1-7 scales).

    Expectation gap = perception - expectation; sacrifice gap = ideal - accepted.
    """

    expectation_gap: tuple[tuple[str, float], ...] = (
        ("delivery speed", -1.4),
        ("product choice", 0.3),
        ("staff helpfulness", -0.2),
    )
    sacrifice_gap: tuple[tuple[str, float], ...] = (
        ("delivery speed", 1.8),
        ("product choice", 1.1),
        ("price", 0.6),
    )


LATE_DELIVERY = LateDelivery()
CHECKOUT = CheckoutStep()
CONTACT_LOOP = ContactLoop()
STORES = Stores()
FAKE_REVIEWS = FakeReviewRing()
PROACTIVE_NOTICE = ProactiveNotice()
GAPS = Gaps()

LANGUAGES = (("uk", 0.60), ("ru", 0.25), ("en", 0.15))
UNMAPPED_SHARE = 0.005  # events with a name no touchpoint rule knows

# Effects that exist in the world but are not planted truths (noise an analysis must not
# mistake for them): app orders are a little happier (+0.2 LTR), loyalty members buy more
# often and churn less, and winter has more delays.
APP_LTR_EFFECT = 0.2


@dataclass(frozen=True)
class EmergingTopic:
    """A complaint topic nobody has a theme for, appearing late in the year.

    From its start date about 6% of delivered orders bring a complaint about damaged
    packaging, with no category set; theme discovery should find it as one cluster.
    """

    topic: str = "damaged packaging"
    start: date = date(2026, 8, 1)
    share_of_delivered: float = 0.06


@dataclass(frozen=True)
class Complaints:
    """Who writes: 80% of contact loops (angry), 30% of late orders (sad, disappointed)."""

    loop_share: float = 0.8
    late_share: float = 0.3
    praise_share_of_promoters: float = 0.1


EMERGING_TOPIC = EmergingTopic()
COMPLAINTS = Complaints()
