"""The truths planted in the demo world: causal structure and the values analyses must find.

Analytics never import the generator; tests compare what an analysis finds with the values
here. Each truth states what causes what, what confounds it, and the value to find: the raw
difference a naive group-by shows and the effect adjusted for the other factors.

Scales: likelihood to recommend (LTR) is 0-10; an NPS "effect in points" is the difference in
mean per-order score where promoters (9-10) score +100, passives 0 and detractors -100, over
delivered orders (every order's latent LTR, not only the fifth that answer the survey; a
survey sample adds its own sampling error). "Adjusted" means an ordinary least squares
regression of that score on the named factors. Measured values come from 40,000 simulated
customers with seed 7 and hold for any seed within the stated tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# The world's calendar: twelve months ending on this day (times are stored in UTC).
END_DATE = date(2026, 10, 31)
DAYS = 365

LANGUAGES = (("uk", 0.60), ("ru", 0.25), ("en", 0.15))
UNMAPPED_SHARE = 0.005  # events with a name no touchpoint rule knows ("Legacy Kiosk Ping")


@dataclass(frozen=True)
class Population:
    """Who the customers are; segment mix depends on the home store (see Stores)."""

    segments: tuple[str, ...] = ("loyalty", "regular", "new")
    segment_mix: tuple[float, ...] = (0.35, 0.45, 0.20)
    preferred_channel: tuple[tuple[str, float], ...] = (
        ("web", 0.45),
        ("app", 0.20),
        ("store", 0.35),
    )
    existing_share: float = 0.5  # customers already when the year starts
    gap_days_loyalty: float = 45.0  # mean days between purchase cycles
    gap_days_other: float = 80.0


@dataclass(frozen=True)
class Geography:
    """Distance from the Kyiv warehouse makes parcels late; it also moves mood (unplanted).

    Customers in the far cities (Odesa, Kharkiv, Zaporizhzhia) get more late parcels AND have
    a lower baseline LTR for reasons that have nothing to do with delivery: city confounds
    the late-delivery effect, so a naive late/on-time comparison overstates it.
    """

    late_share_by_city: tuple[tuple[str, float], ...] = (
        ("Kyiv", 0.10),
        ("Vinnytsia", 0.14),
        ("Lviv", 0.16),
        ("Dnipro", 0.18),
        ("Odesa", 0.30),
        ("Kharkiv", 0.32),
        ("Zaporizhzhia", 0.32),
    )
    winter_factor: float = 1.45  # December to February: more delays, nothing else seasonal
    far_cities: tuple[str, ...] = ("Odesa", "Kharkiv", "Zaporizhzhia")
    far_ltr_effect: float = -0.6


@dataclass(frozen=True)
class LtrModel:
    """The structural model of one order's latent likelihood to recommend (0-10).

    LTR = round(clip(base + e + app + store + late + loop, 0, 10)), where the customer's
    base ~ N(base_mean + segment + far city, base_sd) and e ~ N(0, order_sd) per order.
    late is LateDelivery.ltr_effect (or ProactiveNotice.ltr_effect_notified when a notice
    was sent); loop is ContactLoop.ltr_effect; store is Stores' effect for store purchases.
    The segment and app effects are real but not planted truths: noise an analysis must
    not mistake for them.
    """

    base_mean: float = 7.9
    base_sd: float = 1.3
    order_sd: float = 1.0
    segment_effects: tuple[tuple[str, float], ...] = (
        ("loyalty", 0.6),
        ("regular", 0.0),
        ("new", -0.5),
    )
    app_effect: float = 0.2


@dataclass(frozen=True)
class LateDelivery:
    """Late deliveries lower NPS by about 30 points and raise churn.

    Structure: late -> LTR directly (-0.95 unnotified, -0.5 with a proactive notice);
    late -> contact-centre contacts -> contact loop -> LTR (a mediator: the total effect is
    larger than the direct one); far city -> late AND far city -> lower base LTR (a
    confounder: the raw gap is larger than the total effect). Winter -> late only.
    Values to find, per delivered order:
      raw: mean NPS of late minus on-time orders;
      total: adjusted for far city, segment and app channel (not for the contact loop);
      direct: adjusted for those and the contact loop as well ("about 30 points").
    Churn: after each order the customer stops buying with probability churn_on_time or
    churn_late (x0.7 for loyalty members, x1.3 for new customers). Observed churn is the
    share of delivered orders placed up to CHURN_CUTOFF that are the customer's last; the
    late/on-time difference is about the same raw and adjusted for segment, far city and
    app (segment moves churn but is independent of lateness).
    """

    share_of_delivered_orders: float = 0.198  # measured
    winter_share: float = 0.255  # measured, December to February
    ltr_effect: float = -0.95  # direct effect, unnotified
    nps_effect_raw: float = -46.0
    nps_effect_total: float = -41.5
    nps_effect_adjusted: float = -27.0  # direct, notified or not
    nps_effect_adjusted_unnotified: float = -35.0
    tolerance: float = 6.0
    churn_on_time: float = 0.22  # planted, per order
    churn_late: float = 0.42
    churn_observed_on_time: float = 0.28  # measured (last-order share, see CHURN_CUTOFF)
    churn_observed_late: float = 0.445
    churn_effect_raw: float = 0.165  # measured difference in observed churn
    churn_effect_adjusted: float = 0.165
    churn_tolerance: float = 0.05


CHURN_CUTOFF = date(2026, 6, 30)  # later orders have too little follow-up to call churn


@dataclass(frozen=True)
class CheckoutStep:
    """One website checkout step loses far more customers than the others.

    Steps 1-5 of the web checkout ("Checkout Step Viewed", properties.step and step_name);
    step 3 (delivery options) loses 34% of those who reach it, the others 4-7%; the drop at
    step 5 is to "Order Completed". The app's checkout has two steps ("details", "payment")
    that lose 5% each. Pooling app and web by step number is the trap: the app's sessions
    end after its step 2, so a pooled funnel shows step 2 losing about as many as step 3
    (pooled_drop_rates); analyse each channel's steps on their own.
    """

    steps: tuple[str, ...] = ("cart", "contact details", "delivery options", "payment", "review")
    worst_step: int = 3
    drop_rates: tuple[float, ...] = (0.06, 0.05, 0.34, 0.07, 0.04)
    app_steps: tuple[str, ...] = ("details", "payment")
    app_drop_rates: tuple[float, ...] = (0.05, 0.05)
    pooled_drop_rates: tuple[float, ...] = (0.06, 0.37, 0.34, 0.07)  # measured, steps 1-4
    tolerance: float = 0.03


@dataclass(frozen=True)
class ContactLoop:
    """More than two contact-centre contacts about one order make the customer angry.

    Contacts per order ~ Poisson(0.35), or Poisson(1.5) for late orders: lateness causes
    both contacts and a lower LTR, so it confounds the loop effect. Orders with 3+ contacts
    ("Contact Centre Call" events with that order_id): LTR -2.6 on top of any delay; most of
    those customers are detractors and their complaints are angry (feedback, "service").
    Values: raw NPS of loop orders minus the rest, and adjusted for late, far city, segment
    and app.
    """

    contact_rate_on_time: float = 0.35
    contact_rate_late: float = 1.5
    threshold: int = 3  # "more than twice"
    ltr_effect: float = -2.6
    share_of_late_orders: float = 0.19  # measured: P(Poisson(1.5) >= 3)
    share_of_on_time_orders: float = 0.005  # measured
    detractor_share: float = 0.855  # measured
    detractor_share_min: float = 0.75
    nps_effect_raw: float = -100.0  # measured
    nps_effect_adjusted: float = -77.0
    tolerance: float = 8.0


@dataclass(frozen=True)
class Stores:
    """Two stores are worse: one for its senses, one for its staff; their customers differ.

    KYIV-2 (Ocean Plaza) is noisy with harsh lighting: CSAT (1-5) -0.7 and LTR -0.5 for its
    purchases. LVIV-1 has low employee eNPS (-20 against about +25 elsewhere): CSAT -0.5 and
    LTR -0.4, and its staff helpfulness gap is wider (Gaps). Confounder: KYIV-2, a mall
    store, draws more new customers (lower base LTR), LVIV-1 more loyalty members (higher
    base LTR), so a raw store comparison overstates KYIV-2's problem and hides almost all of
    LVIV-1's (raw NPS about level with the other stores). Values, store purchases against
    all other stores' purchases: raw and adjusted for segment, far city, late and loop (NPS
    points); CSAT (experience.latent_csat, 1-5) raw and adjusted for segment and far city.
    Store values carry each store's customer-level noise: about +-4 points between seeds.
    """

    sensory_store: str = "KYIV-2"
    sensory_csat_effect: float = -0.7
    sensory_ltr_effect: float = -0.5
    sensory_segment_mix: tuple[float, ...] = (0.15, 0.40, 0.45)  # loyalty, regular, new
    sensory_nps_raw: float = -21.0  # measured
    sensory_nps_adjusted: float = -18.5  # measured
    sensory_csat_raw: float = -0.63  # measured: the 1-5 scale's ceiling trims the -0.7
    sensory_csat_adjusted: float = -0.60
    low_enps_store: str = "LVIV-1"
    low_enps: float = -20.0
    other_enps: float = 25.0  # mean of the other stores' eNPS below
    enps_by_store: tuple[tuple[str, float], ...] = (
        ("KYIV-1", 28.0),
        ("KYIV-2", 22.0),
        ("KYIV-3", 31.0),
        ("LVIV-1", -20.0),
        ("LVIV-2", 24.0),
        ("ODESA-1", 19.0),
        ("KHARKIV-1", 27.0),
        ("DNIPRO-1", 26.0),
        ("VINNYTSIA-1", 30.0),
        ("ZAPORIZHZHIA-1", 18.0),
    )
    low_enps_csat_effect: float = -0.5
    low_enps_ltr_effect: float = -0.4
    low_enps_segment_mix: tuple[float, ...] = (0.55, 0.35, 0.10)
    low_enps_nps_raw: float = 1.0  # measured
    low_enps_nps_adjusted: float = -11.0  # measured
    low_enps_csat_raw: float = -0.29
    low_enps_csat_adjusted: float = -0.37
    csat_tolerance: float = 0.1
    csat_base: float = 3.8
    csat_sd: float = 0.8
    tolerance: float = 6.0
    # Store audits (the five senses, 1-5): KYIV-2 fails on sound and sight only.
    senses: tuple[str, ...] = ("sight", "sound", "smell", "touch", "taste")
    sensory_store_senses: tuple[float, ...] = (2.1, 1.8, 4.0, 4.1, 4.0)
    other_store_senses: tuple[float, ...] = (4.1, 4.0, 4.0, 4.1, 4.0)


@dataclass(frozen=True)
class FakeReviewRing:
    """A ring of fake reviews for one product: a burst, near-duplicate texts, no orders.

    40 accounts, created during three days from a throw-away mail domain, each views the
    product once and posts one five-star review; texts are paraphrases of two templates.
    The accounts (customers with no order) are in the world now; their reviews land with
    the reviews part. Genuine reviews of the product come from buyers and average 3.9 stars.
    """

    sku: str = "HX-200"
    product: str = "Hexa HX-200 robot vacuum"
    reviews: int = 40
    burst_start: date = date(2026, 9, 14)
    burst_days: int = 3
    templates: int = 2
    rating: int = 5
    genuine_mean_rating: float = 3.9
    email_domain: str = "quickmail.example"
    segment: str = "new"


@dataclass(frozen=True)
class ProactiveNotice:
    """Proactive delay notices, sent to a random half of delayed orders, soften the drop.

    Randomised (an experiment): a "Delay Notice Sent" e-mail event for a random half of the
    late orders. A notified late order costs -0.5 LTR instead of -0.95, so the NPS effect of
    lateness is about 15 points smaller for notified orders (-20 against -35, direct).
    Being random, the raw notified/unnotified comparison among late orders is already
    unbiased (nps_softening_raw); comparing notified orders with all orders is not (they
    are all late).
    """

    share_of_delayed: float = 0.5
    ltr_effect_notified: float = -0.5
    nps_softening: float = 15.0  # adjusted: notified minus unnotified late coefficients
    nps_softening_raw: float = 14.0  # measured: notified minus unnotified late orders
    tolerance: float = 7.0


@dataclass(frozen=True)
class GapAttribute:
    name: str
    expectation: float  # mean expectation on 1-7
    expectation_gap: float  # perception - expectation, for customers without a late order
    ideal: float  # mean ideal on 1-7
    sacrifice_gap: float  # ideal - accepted


@dataclass(frozen=True)
class Gaps:
    """Expectation and sacrifice gaps on named attributes (1-7 scales), per customer.

    Expectation gap = perception - expectation; sacrifice gap = ideal - accepted. Delivery
    speed has the widest of both. Customers who had a late delivery (about a third of those
    with a delivered order) see delivery speed lower by late_delivery_effect, and LVIV-1's
    customers see staff helpfulness lower by low_enps_staff_effect; nothing else moves
    perception, so these raw subgroup differences are the effects. Answers come from
    experience.latent_gaps; the survey that asks lands with the surveys part.
    Values: the overall mean gaps below (measured over all customers with a delivered
    order), to be found within tolerance.
    """

    attributes: tuple[GapAttribute, ...] = (
        GapAttribute("delivery speed", 6.2, -0.9, 6.6, 1.8),
        GapAttribute("product choice", 5.4, 0.3, 6.0, 1.1),
        GapAttribute("staff helpfulness", 5.6, -0.2, 6.2, 0.5),
        GapAttribute("price", 5.0, -0.4, 6.1, 0.6),
    )
    late_delivery_effect: float = -1.6  # planted; measured on the 1-7 answers: -1.59
    low_enps_staff_effect: float = -0.8  # planted; measured: -0.79
    sd: float = 0.7
    widest_expectation_gap: str = "delivery speed"
    widest_sacrifice_gap: str = "delivery speed"
    measured_expectation_gap: tuple[tuple[str, float], ...] = field(
        default=(
            ("delivery speed", -1.42),
            ("product choice", 0.27),
            ("staff helpfulness", -0.31),
            ("price", -0.40),
        )
    )
    measured_sacrifice_gap: tuple[tuple[str, float], ...] = field(
        default=(
            ("delivery speed", 1.69),
            ("product choice", 1.09),
            ("staff helpfulness", 0.50),
            ("price", 0.60),
        )
    )
    tolerance: float = 0.15


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
class Effort:
    """Customer effort (CES, 1-7, 7 = very easy) after contact-centre contacts about an order.

    Asked in the post-purchase survey of orders with at least one contact. Each contact
    beyond the first costs per_contact; a contact loop (ContactLoop.threshold or more)
    costs loop_effect on top. Values: mean CES of loop orders minus the other contacted ones.
    """

    base: float = 5.6
    sd: float = 0.9
    per_contact: float = -0.4
    loop_effect: float = -1.5
    loop_difference: float = -2.4  # measured: -1.5 for the loop, -0.4 per extra contact
    tolerance: float = 0.35


@dataclass(frozen=True)
class EmployeePulse:
    """A quarterly employee pulse (eNPS, 0-10) per store: LVIV-1's staff are unhappy.

    staff answer in January, April, July and October; 30% are passives and the rest split so
    that each store's eNPS is Stores.enps_by_store. Groups under five are never shown.
    """

    staff_per_store: int = 24
    response_rate: float = 0.8
    months: tuple[int, ...] = (1, 4, 7, 10)
    passive_share: float = 0.3


@dataclass(frozen=True)
class Complaints:
    """Who writes: 80% of contact loops (angry), 30% of late orders (sad, disappointed)."""

    loop_share: float = 0.8
    late_share: float = 0.3
    praise_share_of_promoters: float = 0.1
    # Survey answers that also say why, in the survey's free-text question: a quarter of
    # those about an order with a contact loop (angry) or a late delivery (sad), or from a
    # promoter (praise), whatever the score otherwise; other answers leave it blank.
    survey_why_share: float = 0.25


POPULATION = Population()
GEOGRAPHY = Geography()
LTR = LtrModel()
LATE_DELIVERY = LateDelivery()
CHECKOUT = CheckoutStep()
CONTACT_LOOP = ContactLoop()
STORES = Stores()
FAKE_REVIEWS = FakeReviewRing()
PROACTIVE_NOTICE = ProactiveNotice()
GAPS = Gaps()
EMERGING_TOPIC = EmergingTopic()
EFFORT = Effort()
EMPLOYEE_PULSE = EmployeePulse()
COMPLAINTS = Complaints()
