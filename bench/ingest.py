"""Ingestion throughput through the product's own code paths.

1. HTTP: `cxm serve` in one process on a fresh SQLite store; this script, a client in another
   process, posts batches of 500 realistic Segment messages (identify and track, new and known
   customers, properties of a few hundred bytes) over keep-alive connections.
2. Import: `cxm import events` from a Parquet file (bench/ingest_import.py), when present.

Run: python bench/ingest.py [--events 200000] [--clients 2] [--workers 1] [--import-events 1000000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
HTTP_TARGET = 20_000
IMPORT_TARGET = 200_000
EVENTS = [
    "Product Viewed",
    "Product Added",
    "Checkout Step Viewed",
    "Order Completed",
    "Store Visit",
    "Contact Centre Call",
    "Order Delivered",
    "Email Opened",
]
CHANNELS = ["web", "app", "store", "contact_centre", "delivery", "email"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_batches(n_events: int, batch: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    bodies: list[bytes] = []
    known = 5_000
    msgs: list[dict[str, Any]] = []
    for i in range(n_events):
        new = rng.random() < 0.3
        uid = f"c{known + i}" if new else f"c{rng.randrange(known)}"
        ts = f"2026-0{rng.randrange(1, 10)}-{rng.randrange(10, 28)}T{rng.randrange(10, 23)}:00:00Z"
        if rng.random() < 0.1:
            msgs.append(
                {
                    "type": "identify",
                    "messageId": f"s{seed}-m{i}",
                    "userId": uid,
                    "timestamp": ts,
                    "traits": {"email": f"{uid}@example.com", "name": f"Customer {uid}"},
                }
            )
        else:
            event = rng.choice(EVENTS)
            msgs.append(
                {
                    "type": "track",
                    "messageId": f"s{seed}-m{i}",
                    "userId": uid,
                    "timestamp": ts,
                    "event": event,
                    "properties": {
                        "channel": rng.choice(CHANNELS),
                        "sku": f"SKU-{rng.randrange(10_000)}",
                        "price": round(rng.uniform(50, 5000), 2),
                        "page": "/catalog/" + "x" * rng.randrange(40, 120),
                        "campaign": "spring-sale-" + str(rng.randrange(50)),
                        "note": "y" * rng.randrange(60, 200),
                    },
                    "context": {"ip": "10.0.0.1", "userAgent": "Mozilla/5.0 (X11) bench"},
                }
            )
            if event == "Order Completed":
                msgs[-1]["properties"] |= {"order_id": f"s{seed}-o{i}", "total": 1999.0}
        if len(msgs) == batch:
            bodies.append(orjson.dumps({"batch": msgs}))
            msgs = []
    if msgs:
        bodies.append(orjson.dumps({"batch": msgs}))
    return bodies


def start_server(data_dir: Path, port: int, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    env = os.environ | {"CXM_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-m", "cxm.cli", "migrate"], env=env, check=True, capture_output=True
    )
    code = (
        "from cxm.core.db import Database; from cxm.core.settings import get_settings;"
        "from cxm.core.auth import get_or_create_organization, create_api_key;"
        "db = Database(get_settings().resolved_database_url)\n"
        "with db.session() as s:\n"
        "    org = get_or_create_organization(s, 'demo', 'Demo')\n"
        "    print(create_api_key(s, org.id, 'bench').key)"
    )
    key = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxm.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc, key
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def post_all(port: int, key: str, bodies: list[bytes], clients: int) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    accepted = [0] * clients
    errors: list[str] = []
    # Every message counts, identify as well as track: each is a stored Segment event.
    sizes = {body: len(orjson.loads(body)["batch"]) for body in bodies}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for body in bodies[i::clients]:
            conn.request("POST", "/api/v1/batch", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                errors.append(f"{resp.status}: {data[:200]!r}")
                return
            accepted[i] += sizes[body] - json.loads(data)["duplicates"]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise RuntimeError(errors[0])
    return elapsed, sum(accepted)


def run_import(n: int) -> tuple[float, int] | None:
    script = ROOT / "bench" / "ingest_import.py"
    if not script.exists():
        return None
    sys.path.insert(0, str(script.parent))
    import ingest_import  # type: ignore[import-not-found]

    secs, stored, _cpu = ingest_import.measure_sqlite(n)
    return secs, stored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--import-events", type=int, default=1_000_000)
    args = ap.parse_args()
    bodies = make_batches(args.events, args.batch)
    rows: list[tuple[str, int, float, float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc, key = start_server(Path(tmp), port, args.workers)
        try:
            post_all(port, key, make_batches(2_000, args.batch, seed=99), 1)  # warm-up
            elapsed, accepted = post_all(port, key, bodies, args.clients)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        rows.append(
            (
                f"HTTP /api/v1/batch -> SQLite ({args.workers}w)",
                accepted,
                elapsed,
                accepted / elapsed,
                HTTP_TARGET,
            )
        )
    imported = run_import(args.import_events)
    if imported is not None:
        secs, n = imported
        rows.append(("cxm import events (Parquet) -> SQLite", n, secs, n / secs, IMPORT_TARGET))
    print(f"\n{'path':<40}{'events':>11}{'seconds':>9}{'events/s':>11}{'target':>9}  ok")
    for name, n, secs, rate, target in rows:
        mark = "yes" if rate >= target else "NO"
        print(f"{name:<40}{n:>11,}{secs:>9.2f}{rate:>11,.0f}{target:>9,}  {mark}")


if __name__ == "__main__":
    main()
