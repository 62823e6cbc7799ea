"""Demo feedback: complaints, contact-centre notes and rated reviews in the customers' languages.

Promoters who write praise post it as a review of 4 or 5 stars (5 when their likelihood to
recommend is 10); a third of those who complain about a late delivery also review it on the
web with 1 or 2 stars (1 after two contacts or more). Ratings follow the experience, not the
text, so they are the weak labels a shop really has."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from cxm.core.db import table
from cxm.demo import truths as T
from cxm.demo.catalogue import Catalogue
from cxm.demo.journeys import SimulatedCustomer
from cxm.demo.population import END
from cxm.demo.storage import write_dicts
from cxm.demo.texts import compose
from cxm.feedback.models import Feedback

DAY = timedelta(days=1)
TOPIC_START = datetime.combine(T.EMERGING_TOPIC.start, time(0), UTC)


def write_comments(
    conn: Connection,
    org_id: int,
    cat: Catalogue,
    seed: int,
    people: list[SimulatedCustomer],
    customer_ids: list[int],
    order_ids: dict[str, int],
    mark: int,
) -> int:
    rows: list[dict[str, Any]] = []
    cc = cat.touchpoint("Complaint Filed", "contact_centre")
    for person, cid in zip(people, customer_ids, strict=True):
        rng = random.Random(seed * 15_485_863 + person.index)
        for k, exp in enumerate(person.experiences):
            written: list[tuple[str, str, str | None, datetime, int | None]] = []
            base = exp.placed_at + timedelta(days=rng.uniform(2, 6))
            if exp.loop and rng.random() < T.COMPLAINTS.loop_share:
                written.append(("complaint", "loop_anger", "service", base, None))
            elif exp.late and rng.random() < T.COMPLAINTS.late_share:
                written.append(("complaint", "late_delivery", "delivery", base, None))
                if (person.index + k) % 3 == 0:
                    low = 1 if exp.contacts >= 2 else 2
                    written.append(("review", "late_delivery", "delivery", base + DAY, low))
            if (
                exp.delivered
                and exp.placed_at >= TOPIC_START
                and rng.random() < T.EMERGING_TOPIC.share_of_delivered
            ):
                written.append(
                    ("complaint", "damaged_packaging", None, base + timedelta(hours=3), None)
                )
            if exp.ltr >= 9 and rng.random() < T.COMPLAINTS.praise_share_of_promoters:
                high = 5 if exp.ltr == 10 else 4
                written.append(("review", "praise", None, base + timedelta(hours=5), high))
            for j, (kind, situation, category, when, stars) in enumerate(written):
                if when > END:
                    continue
                # A review of a late delivery draws apart, so the customer's other texts
                # and later experiences stay as they were before reviews were planted.
                late_review = situation == "late_delivery" and kind == "review"
                draw = random.Random(f"review:{seed}:{person.index}:{k}") if late_review else rng
                text = compose(
                    situation,
                    person.language,
                    draw,
                    n=exp.contacts,
                    order=exp.external_id,
                    date=(exp.placed_at + timedelta(days=3)).date().isoformat(),
                )
                rows.append(
                    {
                        "organization_id": org_id,
                        "external_id": f"demo-fb-{person.index}-{k}-{j}",
                        "kind": kind,
                        "text": text,
                        "channel": "contact_centre" if kind == "complaint" else "web",
                        "touchpoint_id": cc if kind == "complaint" else None,
                        "location_id": cat.store_ids[exp.store] if exp.store else None,
                        "customer_id": cid,
                        "order_id": order_ids.get(exp.external_id),
                        "category": category,
                        "language": None,
                        "rating": stars,
                        "occurred_at": when,
                        # Typed in by an agent or a form, then synced within minutes.
                        "received_at": when + timedelta(minutes=draw.uniform(1, 30)),
                        "sync_mark": mark,
                    }
                )
    return write_dicts(conn, table(Feedback), rows)
