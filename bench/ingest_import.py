"""`cxm import events` from Parquet into a fresh SQLite store, through the product's code.

Run: python bench/ingest_import.py [--events 1000000] [--postgres URL]

With ``--postgres`` the same file is also imported into PostgreSQL (a schema of its own,
dropped afterwards), e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


@contextmanager
def sqlite_store(tmp: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp / 'store.sqlite3'}"


@contextmanager
def postgres_store(url: str) -> Iterator[str]:
    """A schema of its own in the PostgreSQL database at ``url``, dropped afterwards."""
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        options = {"options": f"-csearch_path={schema}"}
        yield make_url(url).update_query_dict(options).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def measure(path: Path, url: str, rejects: Path) -> tuple[float, int, float]:
    """Seconds to import the file into the store at ``url``, events stored, CPU seconds."""
    db = Database(url)
    upgrade(db.engine)
    with db.session() as s:
        org_id = get_or_create_organization(s, "demo", "Demo").id
    t0, cpu0 = time.perf_counter(), time.process_time()
    summary = import_events(db, org_id, path, None, {}, rejects)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    db.dispose()
    return elapsed, summary.stored, cpu


def measure_sqlite(n: int) -> tuple[float, int, float]:
    """Seconds to import n generated events into a fresh SQLite store, stored, CPU seconds."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        make_file(tmp / "events.parquet", n)
        with sqlite_store(tmp) as url:
            return measure(tmp / "events.parquet", url, tmp / "rejects.csv")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--postgres", metavar="URL", help="also import into this PostgreSQL database")
    args = ap.parse_args()
    print(f"{'path':<44}{'events':>11}{'seconds':>9}{'cpu s':>7}{'events/s':>11}{'target':>9}  ok")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "events.parquet"
        make_file(path, args.events)
        stores = [("cxm import events (Parquet) -> SQLite", sqlite_store(tmp), TARGET)]
        if args.postgres:
            stores.append(
                ("cxm import events (Parquet) -> PostgreSQL", postgres_store(args.postgres), 0)
            )
        for label, store, target in stores:
            with store as url:
                secs, stored, cpu = measure(path, url, tmp / "rejects.csv")
            rate = stored / secs
            verdict = ("yes" if rate >= target else "NO") if target else "-"
            shown = f"{target:,}" if target else "-"
            print(
                f"{label:<44}{stored:>11,}{secs:>9.2f}{cpu:>7.2f}"
                f"{rate:>11,.0f}{shown:>9}  {verdict}"
            )


if __name__ == "__main__":
    main()
