"""Submitting survey answers over HTTP: throughput and latency of the public answering pages.

`cxm serve` runs in one process on a fresh SQLite store with a two-page survey (NPS and a
comment, then CSAT and a choice) and personal links made through the API. This script, in
another process, answers every link as a phone would without JavaScript: one form post per
page over keep-alive connections, from one client address (personal links are rate-limited
per link, not per address). Every post is timed; the target is 200 posts/s with p99 < 100 ms.

Run: python bench/surveys.py [--links 3000] [--clients 8] [--workers 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import free_port  # noqa: E402

TARGET_RATE = 200
TARGET_P99_MS = 100.0
T = {"uk": "Як вам?", "ru": "Как вам?", "en": "How was it?"}
SURVEY = {
    "code": "bench",
    "name": "Bench",
    "definition": {
        "languages": ["uk", "ru", "en"],
        "pages": [
            {
                "id": "p1",
                "questions": [
                    {"id": "nps", "type": "nps", "required": True, "text": T},
                    {"id": "comment", "type": "text", "text": T},
                ],
            },
            {
                "id": "p2",
                "questions": [
                    {"id": "csat", "type": "csat", "text": T},
                    {
                        "id": "where",
                        "type": "single",
                        "text": T,
                        "options": [{"value": "web", "text": T}, {"value": "store", "text": T}],
                    },
                ],
            },
        ],
    },
}


def start_server(data_dir: Path, port: int, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """`cxm serve` on a fresh store and an API key; waits up to two minutes for a busy machine."""
    env = os.environ | {"CXM_DATA_DIR": str(data_dir), "CXM_WORKER_THREADS": "0"}
    subprocess.run([sys.executable, "-m", "cxm.cli", "migrate"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    code = (
        "from cxm.core.db import Database; from cxm.core.settings import get_settings;"
        "from cxm.core.auth import get_or_create_organization, create_api_key;"
        "db = Database(get_settings().resolved_database_url)\n"
        "with db.session() as s:\n"
        "    org = get_or_create_organization(s, 'demo', 'Demo')\n"
        "    print(create_api_key(s, org.id, 'bench').key)"
    )
    key = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                         text=True).stdout.strip()  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxm.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc, key
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def api(port: int, key: str, method: str, path: str, body: object) -> object:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body), headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status >= 300:
        raise RuntimeError(f"{path}: {resp.status} {data[:300]!r}")
    return json.loads(data)


def make_links(port: int, key: str, n: int) -> list[str]:
    api(port, key, "POST", "/api/v1/surveys", SURVEY)
    paths: list[str] = []
    for start in range(0, n, 1000):
        links = [{"customer_id": i, "language": "uk"} for i in range(start, min(n, start + 1000))]
        made = api(port, key, "POST", "/api/v1/surveys/bench/links", {"links": links})
        assert isinstance(made, list)
        paths += [urlsplit(str(link["url"])).path for link in made]
    return paths


def answer_all(port: int, paths: list[str], clients: int) -> tuple[float, list[float], int]:
    """Post both pages of every link; (seconds, latencies in ms, errors)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    pages = [
        urlencode({"page": "p1", "q_nps": "9", "q_comment": "Швидко і зручно, дякую!"}),
        urlencode({"page": "p2", "q_csat": "5", "q_where": "store"}),
    ]
    expected = [303, 200]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path in paths[i::clients]:
            for body, status in zip(pages, expected, strict=True):
                t0 = time.perf_counter()
                conn.request("POST", path + "?lang=uk", body=body, headers=form)
                resp = conn.getresponse()
                resp.read()
                latencies[i].append((time.perf_counter() - t0) * 1000)
                if resp.status != status:
                    errors[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, [x for part in latencies for x in part], sum(errors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--links", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc, key = start_server(Path(tmp), port, args.workers)
        try:
            paths = make_links(port, key, args.links + 200)
            answer_all(port, paths[:200], args.clients)  # warm-up
            seconds, ms, errors = answer_all(port, paths[200:], args.clients)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    ms.sort()
    rate = len(ms) / seconds
    p50, p99 = statistics.median(ms), ms[int(0.99 * (len(ms) - 1))]
    ok = rate >= TARGET_RATE and p99 < TARGET_P99_MS and errors == 0
    print(f"\n{'posts':>8}{'seconds':>9}{'posts/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
          f"{'errors':>8}  target {TARGET_RATE}/s, p99 < {TARGET_P99_MS:.0f} ms: "
          f"{'met' if ok else 'NOT met'}")  # fmt: skip
    print(
        f"{len(ms):>8,}{seconds:>9.2f}{rate:>9,.0f}{p50:>8.1f}{p99:>8.1f}{ms[-1]:>8.1f}{errors:>8}"
    )


if __name__ == "__main__":
    main()
