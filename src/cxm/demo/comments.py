"""Demo feedback: complaints, contact-centre notes and praise in the customers' languages."""

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
            written: list[tuple[str, str, str | None, datetime]] = []
            base = exp.placed_at + timedelta(days=rng.uniform(2, 6))
            if exp.loop and rng.random() < T.COMPLAINTS.loop_share:
                written.append(("complaint", "loop_anger", "service", base))
            elif exp.late and rng.random() < T.COMPLAINTS.late_share:
                written.append(("complaint", "late_delivery", "delivery", base))
            if (
                exp.delivered
                and exp.placed_at >= TOPIC_START
                and rng.random() < T.EMERGING_TOPIC.share_of_delivered
            ):
                written.append(("complaint", "damaged_packaging", None, base + timedelta(hours=3)))
            if exp.ltr >= 9 and rng.random() < T.COMPLAINTS.praise_share_of_promoters:
                written.append(("comment", "praise", None, base + timedelta(hours=5)))
            for j, (kind, situation, category, when) in enumerate(written):
                if when > END:
                    continue
                text = compose(
                    situation,
                    person.language,
                    rng,
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
                        "occurred_at": when,
                        # Typed in by an agent or a form, then synced within minutes.
                        "received_at": when + timedelta(minutes=rng.uniform(1, 30)),
                        "sync_mark": mark,
                    }
                )
    return write_dicts(conn, table(Feedback), rows)
