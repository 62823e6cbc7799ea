"""What counting page views costs the public survey page: first looks against return looks.

`cxm serve` runs in one process on a fresh SQLite store (as bench/surveys.py). From another
process, clients open the survey's anonymous counter link: each visitor's first look counts a
view (one counter upsert), then the same visitor's second look (its session cookie says it was
counted) does the same work without the upsert. Both are timed in the same run, interleaved,
so the difference is the cost of counting.

Run: python bench/survey_views.py [--visitors 2000] [--clients 4]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import free_port  # noqa: E402
from surveys import SURVEY, api, start_server  # noqa: E402

PATH = "/s/demo/bench?store=kyiv-1&channel=store"


def visit(port: int, visitors: int, clients: int) -> tuple[float, list[float], list[float], int]:
    """(seconds, first-look ms, return-look ms, errors)."""
    first: list[list[float]] = [[] for _ in range(clients)]
    again: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients

    def get(conn: http.client.HTTPConnection, cookie: str | None) -> tuple[float, str | None]:
        t0 = time.perf_counter()
        conn.request("GET", PATH, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        resp.read()
        took = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            raise RuntimeError(str(resp.status))
        set_cookie = resp.getheader("set-cookie")
        return took, set_cookie.split(";")[0] if set_cookie else cookie

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(i, visitors, clients):
            try:
                took, cookie = get(conn, None)
                first[i].append(took)
                took, _ = get(conn, cookie)
                again[i].append(took)
            except (RuntimeError, OSError):
                errors[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [x for part in first for x in part], [x for part in again for x in part]
    return time.perf_counter() - t0, flat[0], flat[1], sum(errors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--visitors", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc, key = start_server(Path(tmp), port, 1)
        try:
            api(port, key, "POST", "/api/v1/surveys", SURVEY)
            visit(port, 200, args.clients)  # warm-up
            seconds, first, again, errors = visit(port, args.visitors, args.clients)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    total = len(first) + len(again)
    print(f"\n{'look':<8}{'requests':>9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
          f"   {total:,} requests in {seconds:.1f} s, {errors} errors")  # fmt: skip
    for name, ms in (("first", first), ("return", again)):
        ms.sort()
        p99 = ms[int(0.99 * (len(ms) - 1))]
        print(f"{name:<8}{len(ms):>9,}{statistics.median(ms):>8.1f}{p99:>8.1f}{ms[-1]:>8.1f}")


if __name__ == "__main__":
    main()
