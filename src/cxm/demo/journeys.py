"""One demo customer's year, simulated: orders, deliveries, contacts and the events they send.

Deterministic per (seed, customer index), so any chunking of the population gives the same
world, and later generators (surveys, reviews, texts) re-create a customer's latent
experience with ``simulate(seed, index).experiences``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cxm.demo import truths as T
from cxm.demo.catalogue import UNMAPPED_EVENT
from cxm.demo.experience import (
    OrderExperience,
    churn_probability,
    contact_rate,
    late_probability,
    latent_ltr,
    poisson,
)
from cxm.demo.population import END, START, STORE_CODES, STORE_WEIGHTS, Person, draw_person

SKUS = ("HX-200", "TV-55Q", "PH-12P", "LP-14A", "WM-8K", "FR-300", "HB-5", "KT-2", "AC-9", "SP-1")
SOCIAL_NETWORKS = ("instagram", "facebook", "telegram")
_MILLISECOND = timedelta(milliseconds=1)


@dataclass(slots=True)
class SimEvent:
    message_id: str
    name: str
    channel: str
    store: str | None
    order: str | None  # external order id
    occurred_at: datetime
    received_at: datetime
    properties: dict[str, Any]


@dataclass(slots=True)
class SimOrder:
    external_id: str
    channel: str
    store: str | None
    amount: float
    placed_at: datetime
    promised: date | None
    refunded: bool = False


@dataclass(slots=True)
class SimShipment:
    order: str
    status: str
    occurred_at: datetime
    new_eta: date | None
    message_id: str


@dataclass
class SimulatedCustomer(Person):
    orders: list[SimOrder] = field(default_factory=list)
    shipments: list[SimShipment] = field(default_factory=list)
    events: list[SimEvent] = field(default_factory=list)
    experiences: list[OrderExperience] = field(default_factory=list)
    churned: bool = False


def arrival_delay(rng: random.Random, channel: str) -> timedelta:
    """How long an event takes to reach the store after it happens, by its source."""
    if channel in ("web", "app"):
        seconds = math.exp(rng.gauss(0.4, 1.0))  # sent from the client, a second or two
        if channel == "app" and rng.random() < 0.003:
            seconds += rng.uniform(3_600, 48 * 3_600)  # queued on a phone that was offline
    elif channel == "store":
        seconds = rng.uniform(60, 900)  # tills and counters upload in batches
    elif channel == "contact_centre":
        seconds = rng.uniform(30, 600)
    elif channel == "delivery":
        seconds = rng.uniform(5, 1_800)  # the carrier's webhooks
    else:
        seconds = rng.uniform(1, 120)
    return timedelta(seconds=seconds)


class _Journey:
    def __init__(self, seed: int, index: int) -> None:
        self.rng = random.Random(seed * 1_000_003 + index)
        # Arrival delays have their own stream, so they never shift what happens.
        self.arrivals = random.Random(seed * 2_000_003 + index)
        self.seq = 0
        self.c: SimulatedCustomer

    def at(self, base: datetime, min_hours: float, max_hours: float) -> datetime:
        return base + timedelta(hours=self.rng.uniform(min_hours, max_hours))

    def event(
        self,
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
        if store is not None:
            properties["store"] = store  # how an integrator names the location
        if order is not None:
            properties["order_id"] = order
        received = ts + arrival_delay(self.arrivals, channel)
        self.c.events.append(
            SimEvent(
                self.message_id(received),
                name,
                channel,
                store,
                order,
                ts,
                received,
                properties,
            )
        )
        if self.rng.random() < T.UNMAPPED_SHARE:
            self.seq += 1
            kiosk = ts + timedelta(seconds=30)
            kiosk_received = kiosk + arrival_delay(self.arrivals, "store")
            self.c.events.append(
                SimEvent(
                    self.message_id(kiosk_received),
                    UNMAPPED_EVENT,
                    "store",
                    self.c.home_store,
                    None,
                    kiosk,
                    kiosk_received,
                    {
                        "channel": "store",
                        "kiosk": self.rng.randrange(1, 40),
                        "store": self.c.home_store,
                    },
                )
            )

    def message_id(self, received: datetime) -> str:
        """Unique, and rising with arrival time like a time-ordered id (UUIDv7, ULID): the
        store's unique index then grows at its end, as it would for such senders."""
        ms = (received - START) // _MILLISECOND
        return f"demo-{ms:011x}-{self.c.index}-{self.seq}"

    def ship(self, order: str, status: str, ts: datetime, new_eta: date | None = None) -> None:
        if ts > END:
            return
        self.c.shipments.append(SimShipment(order, status, ts, new_eta, f"shp-{order}-{status}"))
        if status == "delayed":
            eta = new_eta.isoformat() if new_eta else None
            self.event("Delivery Delayed", "delivery", ts, order=order, new_eta=eta)
        elif status == "shipped":
            self.event("Order Shipped", "delivery", ts, order=order)


def simulate(seed: int, index: int, browsing: int = 1) -> SimulatedCustomer:
    """The whole simulated year of customer ``index``.

    ``browsing`` above 1 adds browsing sessions that lead to no purchase (the large world's
    busier traffic), drawn from a separate stream so orders and experiences stay the same.
    """
    j = _Journey(seed, index)
    rng = j.rng
    person = draw_person(rng, index)
    c = SimulatedCustomer(**vars(person))
    j.c = c
    span_days = (END - c.active_from).total_seconds() / 86_400
    for _ in range(rng.randrange(0, 7)):
        j.event(
            "Email Opened",
            "email",
            c.active_from + timedelta(days=rng.uniform(0, span_days)),
            campaign=f"newsletter-{rng.randrange(1, 13)}",
        )
    gap_mean = (
        T.POPULATION.gap_days_loyalty if c.segment == "loyalty" else T.POPULATION.gap_days_other
    )
    # Existing customers are somewhere in their purchase rhythm when the year starts.
    t = c.active_from
    if c.first_seen_at < c.active_from:
        t += timedelta(days=rng.uniform(0, gap_mean))
    while t < END and not c.churned:
        _purchase_cycle(j, t)
        t = t + timedelta(days=rng.expovariate(1 / gap_mean) + 2)
    if browsing > 1:
        _browse(j, random.Random(seed * 7_919 + index), (browsing - 1) * 9)
    c.events.sort(key=lambda e: e.occurred_at)
    return c


def _browse(j: _Journey, rng: random.Random, mean_sessions: int) -> None:
    c = j.c
    last = max((e.occurred_at for e in c.events), default=c.active_from)
    span = max(1.0, (last - c.active_from).total_seconds() / 86_400)
    channel = "app" if c.channel == "app" else "web"
    for _ in range(rng.randrange(0, 2 * mean_sessions + 1)):
        t = c.active_from + timedelta(days=rng.uniform(0, span), hours=rng.uniform(0, 12))
        for _ in range(rng.randrange(1, 5)):
            t += timedelta(minutes=rng.uniform(0.5, 15))
            j.event("Product Viewed", channel, t, sku=rng.choice(SKUS))


def _purchase_cycle(j: _Journey, t: datetime) -> None:
    rng, c = j.rng, j.c
    channel = c.channel if rng.random() < 0.75 else rng.choice(("web", "app", "store"))
    sku = rng.choice(SKUS)
    if channel in ("web", "app") and rng.random() < 0.3:
        j.event("Ad Clicked", "web", t, campaign=f"spring-{rng.randrange(1, 9)}")
    for _ in range(rng.randrange(1, 5) if channel != "store" else rng.randrange(0, 2)):
        t = j.at(t, 0.02, 6)
        j.event("Product Viewed", "app" if channel == "app" else "web", t, sku=sku)
    if rng.random() < 0.04:
        t = j.at(t, 0.5, 24)
        j.event("Pre-sale Question", "contact_centre", t, topic="availability")
    if channel == "store":
        store = c.home_store if rng.random() < 0.85 else rng.choices(STORE_CODES, STORE_WEIGHTS)[0]
        t = j.at(t, 1, 72)
        j.event("Store Visited", "store", t, store=store)
        if rng.random() < 0.25:
            return  # browsed, bought nothing
        _order(j, "store", store, j.at(t, 0.1, 0.8), sku)
        return
    t = j.at(t, 0.01, 2)
    j.event("Cart Viewed", channel, t, sku=sku)
    web = channel == "web"
    drops = T.CHECKOUT.drop_rates if web else T.CHECKOUT.app_drop_rates
    names = T.CHECKOUT.steps if web else T.CHECKOUT.app_steps
    for step, (drop, step_name) in enumerate(zip(drops, names, strict=True), start=1):
        t = j.at(t, 0.005, 0.05)
        j.event("Checkout Step Viewed", channel, t, step=step, step_name=step_name)
        if rng.random() < drop:
            return  # abandoned at this step
        if step_name == "payment":
            method = rng.choices(("card", "apple_pay", "cash_on_delivery"), (0.6, 0.15, 0.25))[0]
            j.event("Payment Info Entered", channel, j.at(t, 0.005, 0.03), payment_method=method)
    _order(j, channel, None, j.at(t, 0.005, 0.05), sku)


def _order(j: _Journey, channel: str, store: str | None, placed: datetime, sku: str) -> None:
    if placed > END:
        return
    rng, c = j.rng, j.c
    external = f"D{c.index:07d}-{len(c.orders) + 1:02d}"
    amount = round(math.exp(rng.gauss(7.2, 0.6)), 2)
    delivered = channel != "store" or rng.random() < 0.1
    exp = OrderExperience(external, channel, store, placed, delivered, far=c.far)
    props: dict[str, Any] = {"total": amount, "currency": "UAH", "sku": sku}
    promised: date | None = None
    if delivered:
        promised = (placed + timedelta(days=rng.randrange(2, 5))).date()
        props["promised_delivery_date"] = promised.isoformat()
    event = "Store Purchase" if channel == "store" else "Order Completed"
    j.event(event, channel, placed, order=external, store=store, **props)
    order = SimOrder(external, channel, store, amount, placed, promised)
    c.orders.append(order)
    done = _deliver(j, exp, promised) if promised is not None else placed
    _aftercare(j, exp, order, sku, done)
    exp.ltr = latent_ltr(rng, c.base_ltr, channel, store, exp.late, exp.notified, exp.contacts)
    c.experiences.append(exp)
    if rng.random() < 0.15 * exp.loop + 0.02 * (exp.ltr >= 9):
        j.event(
            "Social Post Published",
            "social",
            j.at(done, 2, 72),
            order=external,
            network=rng.choice(SOCIAL_NETWORKS),
        )
    c.churned = rng.random() < churn_probability(exp.late, c.segment)


def _deliver(j: _Journey, exp: OrderExperience, promised: date) -> datetime:
    """Ship, maybe delay (and maybe notify), deliver; returns when the parcel arrived."""
    rng, c, external = j.rng, j.c, exp.external_id
    exp.late = rng.random() < late_probability(c.city, exp.placed_at.month)
    shipped = j.at(exp.placed_at, 6, 30)
    j.ship(external, "shipped", shipped)
    if exp.late:
        delay_seen = j.at(shipped, 12, 30)
        new_eta = promised + timedelta(days=rng.randrange(1, 5))
        j.ship(external, "delayed", delay_seen, new_eta)
        exp.notified = rng.random() < T.PROACTIVE_NOTICE.share_of_delayed
        if exp.notified:
            j.event(
                "Delay Notice Sent",
                "email",
                j.at(delay_seen, 0.1, 1),
                order=external,
                new_eta=new_eta.isoformat(),
            )
        arrival = datetime.combine(new_eta, time(9), UTC) + timedelta(hours=rng.uniform(0, 9))
    else:
        arrival = datetime.combine(promised, time(17), UTC) - timedelta(hours=rng.uniform(0, 40))
        arrival = max(arrival, shipped + timedelta(hours=8))
    j.ship(external, "out_for_delivery", arrival - timedelta(hours=rng.uniform(1, 5)))
    j.ship(external, "delivered", arrival)
    pickup = rng.random() < 0.25
    j.event("Order Picked Up" if pickup else "Order Delivered", "delivery", arrival, order=external)
    return arrival


def _aftercare(
    j: _Journey, exp: OrderExperience, order: SimOrder, sku: str, done: datetime
) -> None:
    """Contacts, complaints, questions, returns and repairs after an order."""
    rng, c, external = j.rng, j.c, exp.external_id
    exp.contacts = poisson(rng, contact_rate(exp.late))
    contact_t = exp.placed_at + timedelta(hours=rng.uniform(20, 40))
    for k in range(exp.contacts):
        contact_t = j.at(contact_t, 4, 48)
        j.event(
            "Contact Centre Call",
            "contact_centre",
            contact_t,
            order=external,
            reason="where is my order" if exp.late else rng.choice(("status", "invoice")),
            contact_number=k + 1,
        )
    if (exp.loop and rng.random() < 0.8) or (exp.late and rng.random() < 0.2):
        j.event(
            "Complaint Filed",
            "contact_centre",
            j.at(contact_t, 1, 24),
            order=external,
            topic="delivery" if exp.late else "service",
        )
    if rng.random() < 0.08:
        j.event("How-to Question", "contact_centre", j.at(done, 24, 240), sku=sku)
    exp.returned = rng.random() < (0.12 if exp.late else 0.06)
    if exp.returned:
        returned = j.at(done, 24, 300)
        j.event("Product Returned", "store", returned, order=external, store=c.home_store)
        if exp.delivered:
            j.ship(external, "returned", j.at(done, 48, 320))
        refunded = j.at(returned, 0.05, 0.5)  # at the till, once the item is checked
        if refunded <= END:
            order.refunded = True
            j.event(
                "Order Refunded",
                "store",
                refunded,
                order=external,
                store=c.home_store,
                total=order.amount,
                currency="UAH",
            )
    if rng.random() < 0.02:
        j.event(
            "Repair Requested", "store", j.at(done, 240, 2000), order=external, store=c.home_store
        )
