"""One demo customer's year, simulated: identities, orders, deliveries, contacts, events.

Deterministic per (seed, customer index), so any chunking of the population gives the same
world, and later generators (surveys, texts) can re-create a customer's latent experience.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cxm.demo import truths as T
from cxm.demo.catalogue import STORES, UNMAPPED_EVENT

START = datetime.combine(T.END_DATE - timedelta(days=T.DAYS - 1), time(0), UTC)
END = datetime.combine(T.END_DATE, time(23, 59), UTC)
STORE_CODES = [s.code for s in STORES]
STORE_WEIGHTS = [s.weight for s in STORES]
FIRST_NAMES = {
    "uk": ("Олена", "Тарас", "Ірина", "Андрій", "Оксана", "Богдан", "Марія", "Дмитро"),
    "ru": ("Анна", "Сергей", "Наталья", "Алексей", "Екатерина", "Игорь", "Ольга", "Павел"),
    "en": ("Emma", "James", "Olivia", "Daniel", "Sophie", "Michael", "Grace", "Thomas"),
}
LAST_NAMES = {
    "uk": ("Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Мельник", "Кравченко"),
    "ru": ("Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев"),
    "en": ("Smith", "Brown", "Taylor", "Wilson", "Evans", "Walker"),
}
SKUS = ("HX-200", "TV-55Q", "PH-12P", "LP-14A", "WM-8K", "FR-300", "HB-5", "KT-2", "AC-9", "SP-1")


@dataclass
class OrderExperience:
    """What happened around one order, including the latent likelihood to recommend."""

    external_id: str
    channel: str
    store: str | None
    placed_at: datetime
    delivered: bool
    late: bool = False
    notified: bool = False
    contacts: int = 0
    returned: bool = False
    ltr: int = 0


@dataclass
class SimulatedCustomer:
    index: int
    user_id: str
    name: str
    language: str
    segment: str
    channel: str
    home_store: str
    first_seen_at: datetime
    identities: list[tuple[str, str]]
    orders: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    experiences: list[OrderExperience] = field(default_factory=list)
    churned: bool = False


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _pick(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def latent_ltr(
    rng: random.Random,
    base: float,
    channel: str,
    store: str | None,
    late: bool,
    notified: bool,
    contacts: int,
) -> int:
    """The structural model of truths.py for one order's likelihood to recommend (0-10)."""
    value = base + rng.gauss(0.0, 1.0)
    if channel == "app":
        value += T.APP_LTR_EFFECT
    if store == T.STORES.sensory_store:
        value += T.STORES.sensory_ltr_effect
    elif store == T.STORES.low_enps_store:
        value += T.STORES.low_enps_ltr_effect
    if late:
        value += T.PROACTIVE_NOTICE.ltr_effect_notified if notified else T.LATE_DELIVERY.ltr_effect
    if contacts >= T.CONTACT_LOOP.threshold:
        value += T.CONTACT_LOOP.ltr_effect
    return max(0, min(10, round(value)))


class _Journey:
    def __init__(self, seed: int, index: int) -> None:
        self.rng = random.Random(seed * 1_000_003 + index)
        self.index = index
        self.seq = 0

    def at(self, base: datetime, min_hours: float, max_hours: float) -> datetime:
        return base + timedelta(hours=self.rng.uniform(min_hours, max_hours))

    def event(
        self,
        c: SimulatedCustomer,
        name: str,
        channel: str,
        ts: datetime,
        order: str | None = None,
        store: str | None = None,
        **props: Any,
    ) -> None:
        if ts > END:
            return
        self.seq += 1
        properties: dict[str, Any] = {"channel": channel, **props}
        if order is not None:
            properties["order_id"] = order
        c.events.append(
            {
                "message_id": f"demo-{c.index}-{self.seq}",
                "name": name,
                "channel": channel,
                "store": store,
                "order": order,
                "occurred_at": ts,
                "properties": properties,
            }
        )
        if self.rng.random() < T.UNMAPPED_SHARE:
            self.seq += 1
            c.events.append(
                {
                    "message_id": f"demo-{c.index}-{self.seq}",
                    "name": UNMAPPED_EVENT,
                    "channel": "store",
                    "store": store,
                    "order": None,
                    "occurred_at": ts + timedelta(seconds=30),
                    "properties": {"kiosk": self.rng.randrange(1, 40)},
                }
            )


def simulate(seed: int, index: int, browsing: int = 1) -> SimulatedCustomer:
    """The whole simulated year of customer ``index``.

    ``browsing`` above 1 adds browsing sessions that lead to no purchase (the large world's
    busier traffic), drawn from a separate stream so orders and experiences stay the same.
    """
    j = _Journey(seed, index)
    rng = j.rng
    language = _pick(rng, T.LANGUAGES)
    name = f"{rng.choice(FIRST_NAMES[language])} {rng.choice(LAST_NAMES[language])}"
    segment = rng.choices(("loyalty", "regular", "new"), (0.35, 0.45, 0.20))[0]
    channel = rng.choices(("web", "app", "store"), (0.45, 0.20, 0.35))[0]
    home = rng.choices(STORE_CODES, STORE_WEIGHTS)[0]
    # Half the customers were already customers when the year began; the rest join during it.
    existing = rng.random() < 0.5
    joined = rng.uniform(0, 21) if existing else rng.uniform(0, T.DAYS - 35)
    first_seen = START + timedelta(days=joined, hours=rng.uniform(6, 19))
    user_id = f"C{index:07d}"
    identities = [
        ("user_id", user_id),
        ("email", f"customer{index}@mail.example"),
        ("phone", f"+3806{index:08d}"),
    ]
    if segment == "loyalty":
        identities.append(("loyalty_card", f"LC{index:08d}"))
    if channel != "store":
        identities.append(("anonymous_id", f"anon-{rng.getrandbits(48):012x}"))
    c = SimulatedCustomer(
        index, user_id, name, language, segment, channel, home, first_seen, identities
    )
    base = rng.gauss(7.9, 1.3)
    for _ in range(rng.randrange(0, 7)):
        j.event(
            c,
            "Email Opened",
            "email",
            first_seen + timedelta(days=rng.uniform(0, 360)),
            campaign=f"newsletter-{rng.randrange(1, 13)}",
        )
    gap_mean = 45.0 if segment == "loyalty" else 80.0
    # Existing customers are somewhere in their purchase rhythm when the year starts.
    t = first_seen + timedelta(days=rng.uniform(0, gap_mean)) if existing else first_seen
    while t < END and not c.churned:
        _purchase_cycle(j, c, t, base)
        t = t + timedelta(days=rng.expovariate(1 / gap_mean) + 2)
    if browsing > 1:
        _browse(c, random.Random(seed * 7_919 + index), j, (browsing - 1) * 9)
    c.events.sort(key=lambda e: e["occurred_at"])
    return c


def _browse(c: SimulatedCustomer, rng: random.Random, j: _Journey, mean_sessions: int) -> None:
    last = max((e["occurred_at"] for e in c.events), default=c.first_seen_at)
    span = max(1.0, (last - c.first_seen_at).total_seconds() / 86400)
    channel = "app" if c.channel == "app" else "web"
    for _ in range(rng.randrange(0, 2 * mean_sessions + 1)):
        t = c.first_seen_at + timedelta(days=rng.uniform(0, span), hours=rng.uniform(0, 12))
        for _ in range(rng.randrange(1, 5)):
            t += timedelta(minutes=rng.uniform(0.5, 15))
            j.event(c, "Product Viewed", channel, t, sku=rng.choice(SKUS))


def _purchase_cycle(j: _Journey, c: SimulatedCustomer, t: datetime, base: float) -> None:
    rng = j.rng
    channel = c.channel if rng.random() < 0.75 else rng.choice(("web", "app", "store"))
    sku = rng.choice(SKUS)
    if channel in ("web", "app") and rng.random() < 0.3:
        j.event(c, "Ad Clicked", "web", t, campaign=f"spring-{rng.randrange(1, 9)}")
    for _ in range(rng.randrange(1, 5) if channel != "store" else rng.randrange(0, 2)):
        t = j.at(t, 0.02, 6)
        j.event(c, "Product Viewed", "app" if channel == "app" else "web", t, sku=sku)
    if rng.random() < 0.04:
        t = j.at(t, 0.5, 24)
        j.event(c, "Pre-sale Question", "contact_centre", t, topic="availability")
    if channel == "store":
        store = c.home_store if rng.random() < 0.85 else rng.choices(STORE_CODES, STORE_WEIGHTS)[0]
        t = j.at(t, 1, 72)
        j.event(c, "Store Visited", "store", t, store=store)
        if rng.random() < 0.25:
            return  # browsed, bought nothing
        _order(j, c, "store", store, j.at(t, 0.1, 0.8), sku, base)
        return
    t = j.at(t, 0.01, 2)
    j.event(c, "Cart Viewed", channel, t, sku=sku)
    drops = T.CHECKOUT.drop_rates if channel == "web" else (0.05, 0.05)
    for step, drop in enumerate(drops, start=1):
        t = j.at(t, 0.005, 0.05)
        name = T.CHECKOUT.steps[step - 1] if channel == "web" else ("details", "payment")[step - 1]
        j.event(c, "Checkout Step Viewed", channel, t, step=step, step_name=name)
        if rng.random() < drop:
            return  # abandoned at this step
    _order(j, c, channel, None, j.at(t, 0.005, 0.05), sku, base)


def _order(
    j: _Journey,
    c: SimulatedCustomer,
    channel: str,
    store: str | None,
    placed: datetime,
    sku: str,
    base: float,
) -> None:
    if placed > END:
        return
    rng = j.rng
    external = f"D{c.index:07d}-{len(c.orders) + 1:02d}"
    amount = round(math.exp(rng.gauss(7.2, 0.6)), 2)
    delivered = channel != "store" or rng.random() < 0.1
    promised: date | None = None
    exp = OrderExperience(external, channel, store, placed, delivered)
    event_name = "Store Purchase" if channel == "store" else "Order Completed"
    props: dict[str, Any] = {"total": amount, "currency": "UAH", "sku": sku}
    if delivered:
        promised = (placed + timedelta(days=rng.randrange(2, 5))).date()
        props["promised_delivery_date"] = promised.isoformat()
    j.event(c, event_name, channel, placed, order=external, store=store, **props)
    c.orders.append(
        {
            "external_id": external,
            "channel": channel,
            "store": store,
            "amount": amount,
            "placed_at": placed,
            "promised": promised,
        }
    )
    t = placed
    if delivered and promised is not None:
        winter = placed.month in (12, 1, 2)
        exp.late = rng.random() < (
            T.LATE_DELIVERY.winter_share
            if winter
            else T.LATE_DELIVERY.share_of_delivered_orders * 0.93
        )
        shipped = j.at(placed, 6, 30)
        _ship(j, c, external, "shipped", shipped)
        promised_end = datetime.combine(promised, time(17), UTC)
        if exp.late:
            delay_seen = j.at(shipped, 12, 30)
            new_eta = promised + timedelta(days=rng.randrange(1, 5))
            _ship(j, c, external, "delayed", delay_seen, new_eta)
            exp.notified = rng.random() < T.PROACTIVE_NOTICE.share_of_delayed
            if exp.notified:
                j.event(
                    c,
                    "Delay Notice Sent",
                    "email",
                    j.at(delay_seen, 0.1, 1),
                    order=external,
                    new_eta=new_eta.isoformat(),
                )
            arrival = datetime.combine(new_eta, time(9), UTC) + timedelta(hours=rng.uniform(0, 9))
        else:
            arrival = promised_end - timedelta(hours=rng.uniform(0, 40))
            arrival = max(arrival, shipped + timedelta(hours=8))
        _ship(j, c, external, "out_for_delivery", arrival - timedelta(hours=rng.uniform(1, 5)))
        _ship(j, c, external, "delivered", arrival)
        pickup = rng.random() < 0.25
        j.event(
            c,
            "Order Picked Up" if pickup else "Order Delivered",
            "delivery",
            arrival,
            order=external,
        )
        t = arrival
    rate = T.CONTACT_LOOP.contact_rate_late if exp.late else T.CONTACT_LOOP.contact_rate_on_time
    exp.contacts = _poisson(rng, rate)
    contact_t = placed + timedelta(hours=rng.uniform(20, 40))
    for k in range(exp.contacts):
        contact_t = j.at(contact_t, 4, 48)
        j.event(
            c,
            "Contact Centre Call",
            "contact_centre",
            contact_t,
            order=external,
            reason="where is my order" if exp.late else rng.choice(("status", "invoice")),
            contact_number=k + 1,
        )
    loop = exp.contacts >= T.CONTACT_LOOP.threshold
    if (loop and rng.random() < 0.8) or (exp.late and rng.random() < 0.2):
        j.event(
            c,
            "Complaint Filed",
            "contact_centre",
            j.at(contact_t, 1, 24),
            order=external,
            topic="delivery" if exp.late else "service",
        )
    if rng.random() < 0.08:
        j.event(c, "How-to Question", "contact_centre", j.at(t, 24, 240), sku=sku)
    exp.returned = rng.random() < (0.12 if exp.late else 0.06)
    if exp.returned:
        j.event(
            c, "Product Returned", "store", j.at(t, 24, 300), order=external, store=c.home_store
        )
        if delivered:
            _ship(j, c, external, "returned", j.at(t, 48, 320))
    if rng.random() < 0.02:
        j.event(
            c, "Repair Requested", "store", j.at(t, 240, 2000), order=external, store=c.home_store
        )
    exp.ltr = latent_ltr(rng, base, channel, store, exp.late, exp.notified, exp.contacts)
    c.experiences.append(exp)
    churn = T.LATE_DELIVERY.churn_late if exp.late else T.LATE_DELIVERY.churn_on_time
    c.churned = rng.random() < churn * (0.7 if c.segment == "loyalty" else 1.0)


def _ship(
    j: _Journey,
    c: SimulatedCustomer,
    order: str,
    status: str,
    ts: datetime,
    new_eta: date | None = None,
) -> None:
    if ts > END:
        return
    c.shipments.append(
        {
            "order": order,
            "status": status,
            "occurred_at": ts,
            "new_eta": new_eta,
            "message_id": f"shp-{order}-{status}",
        }
    )
    if status == "delayed":
        j.event(
            c,
            "Delivery Delayed",
            "delivery",
            ts,
            order=order,
            new_eta=new_eta.isoformat() if new_eta else None,
        )
    elif status == "shipped":
        j.event(c, "Order Shipped", "delivery", ts, order=order)
