"""`cxm import events` from Parquet into a fresh SQLite store, through the product's code.

Run: python bench/ingest_import.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cxm.core.auth import get_or_create_organization
from cxm.core.db import Database
from cxm.core.schema import upgrade
from cxm.ingest.event_import import import_events

TARGET = 200_000
EVENTS = [
    "Product Viewed",
    "Cart Viewed",
    "Checkout Step Viewed",
    "Store Visited",
    "Contact Centre Call",
    "Order Delivered",
    "Email Opened",
]
CHANNELS = ["web", "app", "store", "contact_centre", "delivery", "email"]


def make_file(path: Path, n: int, seed: int = 5) -> None:
    """Realistic events: 70% from known customers, properties of a few hundred bytes."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    customers = max(1, n // 25)
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "message_id",
            "user_id",
            "event",
            "timestamp",
            "channel",
            "sku",
            "page",
            "campaign",
            "note",
        )
    }
    for i in range(n):
        cols["message_id"].append(f"evt-{seed}-{i:09d}")
        cols["user_id"].append(f"C{rng.randrange(customers):07d}")
        cols["event"].append(rng.choice(EVENTS))
        cols["timestamp"].append(start + timedelta(seconds=rng.randrange(300 * 86400)))
        cols["channel"].append(rng.choice(CHANNELS))
        cols["sku"].append(f"SKU-{rng.randrange(5000)}")
        cols["page"].append("/catalog/" + "p" * rng.randrange(40, 120))
        cols["campaign"].append(f"campaign-{rng.randrange(40)}")
        cols["note"].append("n" * rng.randrange(60, 180))
    pq.write_table(pa.table(cols), path)


def measure(n: int) -> tuple[float, int, float]:
    """Seconds to import n events, how many were stored, and the CPU seconds it took."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        make_file(path, n)
        db = Database(f"sqlite:///{Path(tmp) / 'store.sqlite3'}")
        upgrade(db.engine)
        with db.session() as s:
            org_id = get_or_create_organization(s, "demo", "Demo").id
        t0, cpu0 = time.perf_counter(), time.process_time()
        summary = import_events(db, org_id, path, None, {}, Path(tmp) / "rejects.csv")
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        db.dispose()
        return elapsed, summary.stored, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    secs, stored, cpu = measure(args.events)
    rate = stored / secs
    print(f"{'path':<40}{'events':>11}{'seconds':>9}{'cpu s':>7}{'events/s':>11}{'target':>9}  ok")
    print(
        f"{'cxm import events (Parquet) -> SQLite':<40}{stored:>11,}{secs:>9.2f}{cpu:>7.2f}"
        f"{rate:>11,.0f}{TARGET:>9,}  {'yes' if rate >= TARGET else 'NO'}"
    )


if __name__ == "__main__":
    main()
