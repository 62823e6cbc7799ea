"""The demo retailer's locations, touchpoint catalogue and touchpoint rules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from cxm.ingest.touchpoints import add_location, add_rule, add_touchpoint


@dataclass(frozen=True)
class Store:
    code: str
    name: str
    city: str
    region: str
    weight: float  # share of store traffic


STORES: tuple[Store, ...] = (
    Store("KYIV-1", "Kyiv, Khreshchatyk", "Kyiv", "Kyiv", 0.16),
    Store("KYIV-2", "Kyiv, Ocean Plaza", "Kyiv", "Kyiv", 0.14),
    Store("KYIV-3", "Kyiv, Obolon", "Kyiv", "Kyiv", 0.09),
    Store("LVIV-1", "Lviv, Forum", "Lviv", "Lviv", 0.12),
    Store("LVIV-2", "Lviv, Victoria Gardens", "Lviv", "Lviv", 0.07),
    Store("ODESA-1", "Odesa, Deribasivska", "Odesa", "Odesa", 0.11),
    Store("KHARKIV-1", "Kharkiv, Nikolsky", "Kharkiv", "Kharkiv", 0.09),
    Store("DNIPRO-1", "Dnipro, Most City", "Dnipro", "Dnipro", 0.10),
    Store("VINNYTSIA-1", "Vinnytsia, Megamall", "Vinnytsia", "Vinnytsia", 0.06),
    Store("ZAPORIZHZHIA-1", "Zaporizhzhia, City Mall", "Zaporizhzhia", "Zaporizhzhia", 0.06),
)
OTHER_LOCATIONS = (
    ("WH-KYIV", "Central warehouse", "warehouse", "Kyiv"),
    ("CC-1", "Contact centre", "contact_centre", "Dnipro"),
    ("ONLINE", "Website and app", "online", None),
)


@dataclass(frozen=True)
class TouchpointSpec:
    code: str
    name: str
    channel: str
    stage: str
    event: str  # the event name its rule matches
    rule_channel: str | None = None  # also match on channel, when one name has several


TOUCHPOINTS: tuple[TouchpointSpec, ...] = (
    TouchpointSpec("ad_click", "Ad click", "web", "pre_purchase", "Ad Clicked"),
    TouchpointSpec(
        "web_product", "Product page (web)", "web", "pre_purchase", "Product Viewed", "web"
    ),
    TouchpointSpec(
        "app_product", "Product page (app)", "app", "pre_purchase", "Product Viewed", "app"
    ),
    TouchpointSpec("store_visit", "Store visit", "store", "pre_purchase", "Store Visited"),
    TouchpointSpec(
        "cc_presale", "Pre-sale question", "contact_centre", "pre_purchase", "Pre-sale Question"
    ),
    TouchpointSpec("web_cart", "Cart (web)", "web", "purchase", "Cart Viewed", "web"),
    TouchpointSpec("app_cart", "Cart (app)", "app", "purchase", "Cart Viewed", "app"),
    TouchpointSpec(
        "web_checkout", "Checkout step (web)", "web", "purchase", "Checkout Step Viewed", "web"
    ),
    TouchpointSpec(
        "app_checkout", "Checkout (app)", "app", "purchase", "Checkout Step Viewed", "app"
    ),
    TouchpointSpec(
        "web_payment", "Payment details (web)", "web", "purchase", "Payment Info Entered", "web"
    ),
    TouchpointSpec(
        "app_payment", "Payment details (app)", "app", "purchase", "Payment Info Entered", "app"
    ),
    TouchpointSpec("web_order", "Order placed (web)", "web", "purchase", "Order Completed", "web"),
    TouchpointSpec("app_order", "Order placed (app)", "app", "purchase", "Order Completed", "app"),
    TouchpointSpec("store_purchase", "Store purchase", "store", "purchase", "Store Purchase"),
    TouchpointSpec("shipped", "Order shipped", "delivery", "delivery", "Order Shipped"),
    TouchpointSpec("delayed", "Delivery delayed", "delivery", "delivery", "Delivery Delayed"),
    TouchpointSpec("delay_notice", "Delay notice", "email", "delivery", "Delay Notice Sent"),
    TouchpointSpec("delivered", "Order delivered", "delivery", "delivery", "Order Delivered"),
    TouchpointSpec("pickup", "Pick-up point collection", "delivery", "delivery", "Order Picked Up"),
    TouchpointSpec("cc_howto", "How-to question", "contact_centre", "use", "How-to Question"),
    TouchpointSpec("return", "Product returned", "store", "use", "Product Returned"),
    TouchpointSpec(
        "cc_order", "Order enquiry", "contact_centre", "after_sales", "Contact Centre Call"
    ),
    TouchpointSpec("complaint", "Complaint", "contact_centre", "after_sales", "Complaint Filed"),
    TouchpointSpec("repair", "Repair request", "store", "after_sales", "Repair Requested"),
    TouchpointSpec("refund", "Refund", "store", "after_sales", "Order Refunded"),
    TouchpointSpec(
        "social_post", "Social media post", "social", "after_sales", "Social Post Published"
    ),
    TouchpointSpec("newsletter", "Newsletter opened", "email", "after_sales", "Email Opened"),
)
UNMAPPED_EVENT = "Legacy Kiosk Ping"


@dataclass(frozen=True)
class Catalogue:
    store_ids: dict[str, int]
    location_ids: dict[str, int]
    touchpoint_ids: dict[tuple[str, str | None], int]  # (event name, channel or None)

    def touchpoint(self, event: str, channel: str) -> int | None:
        return self.touchpoint_ids.get((event, channel)) or self.touchpoint_ids.get((event, None))


def build_catalogue(conn: Connection, org_id: int) -> Catalogue:
    """Create the locations, touchpoints and their rules."""
    locations: dict[str, int] = {}
    for s in STORES:
        locations[s.code] = add_location(conn, org_id, s.code, s.name, "store", s.city, s.region)
    for code, name, kind, city in OTHER_LOCATIONS:
        locations[code] = add_location(conn, org_id, code, name, kind, city, city)
    touchpoints: dict[tuple[str, str | None], int] = {}
    for spec in TOUCHPOINTS:
        tp = add_touchpoint(conn, org_id, spec.code, spec.name, spec.channel, spec.stage)
        add_rule(
            conn,
            org_id,
            tp,
            event_name=spec.event,
            channel=spec.rule_channel,
            priority=50 if spec.rule_channel else 100,
        )
        touchpoints[(spec.event, spec.rule_channel)] = tp
    return Catalogue({s.code: locations[s.code] for s in STORES}, locations, touchpoints)
