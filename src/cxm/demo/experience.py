"""Latent experience of demo customers and orders: the structural model of truths.py as code.

The journey simulation draws each order's experience (late or not, notice sent, contacts
about it, latent likelihood to recommend) with these functions; the survey and review
generators call them again to answer consistently with the truths. Functions that take no
random stream derive one from the seed and the record's identity, so they are deterministic
and importable on their own.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from cxm.demo import truths as T

_SEGMENT_LTR = dict(T.LTR.segment_effects)
_ENPS = dict(T.STORES.enps_by_store)


@dataclass
class OrderExperience:
    """What happened around one order, including the latent likelihood to recommend."""

    external_id: str
    channel: str
    store: str | None
    placed_at: datetime
    delivered: bool
    far: bool = False
    late: bool = False
    notified: bool = False
    contacts: int = 0
    returned: bool = False
    ltr: int = 0

    @property
    def loop(self) -> bool:
        """More than two contact-centre contacts about this order."""
        return self.contacts >= T.CONTACT_LOOP.threshold


@dataclass(frozen=True)
class GapAnswer:
    """One customer's answers about one attribute, each on 1-7."""

    expectation: int
    perception: int
    ideal: int
    accepted: int


def nps_score(ltr: int) -> int:
    """+100 for a promoter (9-10), 0 for a passive (7-8), -100 for a detractor (0-6)."""
    return 100 if ltr >= 9 else -100 if ltr <= 6 else 0


def base_ltr(rng: random.Random, segment: str, far: bool) -> float:
    """A customer's baseline likelihood to recommend, before any order's events."""
    mean = T.LTR.base_mean + _SEGMENT_LTR[segment] + (T.GEOGRAPHY.far_ltr_effect if far else 0.0)
    return rng.gauss(mean, T.LTR.base_sd)


def late_probability(city: str, month: int) -> float:
    """How likely a delivered order to a customer in ``city`` is late in ``month``."""
    share = dict(T.GEOGRAPHY.late_share_by_city)[city]
    return share * (T.GEOGRAPHY.winter_factor if month in (12, 1, 2) else 1.0)


def contact_rate(late: bool) -> float:
    """Mean contact-centre contacts about one order."""
    return T.CONTACT_LOOP.contact_rate_late if late else T.CONTACT_LOOP.contact_rate_on_time


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def latent_ltr(
    rng: random.Random,
    base: float,
    channel: str,
    store: str | None,
    late: bool,
    notified: bool,
    contacts: int,
) -> int:
    """One order's likelihood to recommend (0-10) under the structural model of truths.py."""
    value = base + rng.gauss(0.0, T.LTR.order_sd)
    if channel == "app":
        value += T.LTR.app_effect
    if store == T.STORES.sensory_store:
        value += T.STORES.sensory_ltr_effect
    elif store == T.STORES.low_enps_store:
        value += T.STORES.low_enps_ltr_effect
    if late:
        value += T.PROACTIVE_NOTICE.ltr_effect_notified if notified else T.LATE_DELIVERY.ltr_effect
    if contacts >= T.CONTACT_LOOP.threshold:
        value += T.CONTACT_LOOP.ltr_effect
    return max(0, min(10, round(value)))


def churn_probability(late: bool, segment: str) -> float:
    """Chance the customer buys nothing more after an order."""
    p = T.LATE_DELIVERY.churn_late if late else T.LATE_DELIVERY.churn_on_time
    return p * {"loyalty": 0.7, "new": 1.3}.get(segment, 1.0)


def latent_csat(seed: int, order: OrderExperience, base: float) -> int:
    """Satisfaction (1-5) with a store purchase; the store effects of truths.Stores apply."""
    rng = random.Random(f"csat:{seed}:{order.external_id}")
    value = T.STORES.csat_base + 0.3 * (base - T.LTR.base_mean) + rng.gauss(0.0, T.STORES.csat_sd)
    if order.store == T.STORES.sensory_store:
        value += T.STORES.sensory_csat_effect
    elif order.store == T.STORES.low_enps_store:
        value += T.STORES.low_enps_csat_effect
    return max(1, min(5, round(value)))


def latent_ces(seed: int, order: OrderExperience) -> int:
    """Effort (1-7, 7 = very easy) of getting an order's issue resolved; needs a contact."""
    rng = random.Random(f"ces:{seed}:{order.external_id}")
    value = T.EFFORT.base + T.EFFORT.per_contact * max(0, order.contacts - 1)
    if order.loop:
        value += T.EFFORT.loop_effect
    return max(1, min(7, round(value + rng.gauss(0.0, T.EFFORT.sd))))


def store_enps(store: str) -> float:
    """The employee NPS of a store's staff (the employee survey samples around it)."""
    return _ENPS[store]


def _scale(value: float) -> int:
    return max(1, min(7, round(value)))


def latent_gaps(
    seed: int, customer_index: int, had_late: bool, home_store: str
) -> dict[str, GapAnswer]:
    """A customer's expectation, perception, ideal and accepted level for each attribute."""
    rng = random.Random(f"gaps:{seed}:{customer_index}")
    sd = T.GAPS.sd
    out: dict[str, GapAnswer] = {}
    for a in T.GAPS.attributes:
        expected = rng.gauss(a.expectation, sd)
        perceived = expected + a.expectation_gap + rng.gauss(0.0, sd)
        if a.name == "delivery speed" and had_late:
            perceived += T.GAPS.late_delivery_effect
        if a.name == "staff helpfulness" and home_store == T.STORES.low_enps_store:
            perceived += T.GAPS.low_enps_staff_effect
        ideal = rng.gauss(a.ideal, sd)
        accepted = ideal - a.sacrifice_gap + rng.gauss(0.0, sd)
        out[a.name] = GapAnswer(
            _scale(expected), _scale(perceived), _scale(ideal), _scale(accepted)
        )
    return out
