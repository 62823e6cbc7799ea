"""Dashboard response time on a demo world: the KPIs page, the explorer and the PDF report.

`cxm serve` runs in one process on a demo world (built first with `cxm demo --no-serve` when
the data directory holds none); this script, in another process, logs in as the demo's admin
and times whole HTTP requests. The overview page (`/`) is the peer measured in the same run.
Targets: the KPIs page (the dashboard) under 500 ms on the medium world, under 2 s on the
large one.

Run: python bench/dashboard.py [--size medium] [--data-dir DIR] [--rounds 10]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import free_port  # noqa: E402

TARGET_MS = {"small": 500.0, "medium": 500.0, "large": 2000.0}
EMAIL, PASSWORD = "admin@demo.cxm.example", "demo-admin"
PAGES = (
    ("overview (peer)", "/"),
    ("dashboard /kpis", "/kpis?period=2026-10"),
    ("dashboard, CSAT heatmap", "/kpis?period=2026-10&metric=csat&heat=csat&by=region"),
    ("explorer /responses", "/responses?period=2026-10"),
    ("explorer, full text", "/responses?text=%D0%BA%D1%83%D1%80"),
)


def build(data_dir: Path, size: str) -> None:
    if (data_dir / "cxm.sqlite3").exists():
        return
    print(f"building the {size} demo world in {data_dir} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "cxm.cli", "--data-dir", str(data_dir), "demo", "--size", size,
         "--no-serve"],
        check=True,
    )  # fmt: skip


def serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    # Pages wait for their figures: the benchmark times the computation, not a progress page.
    env = os.environ | {
        "CXM_DATA_DIR": str(data_dir),
        "CXM_WORKER_THREADS": "0",
        "CXM_PAGE_WAIT_SECONDS": "600",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxm.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the server did not start")


def opener(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = web.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no CSRF token on the login page"
    body = urllib.parse.urlencode(
        {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    ).encode()
    web.open(base + "/login", data=body).read()
    return web


def timed(web: urllib.request.OpenerDirector, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with web.open(url, timeout=600) as answer:
        size = len(answer.read())
        assert answer.status == 200, answer.status
    return (time.perf_counter() - start) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(TARGET_MS), default="medium")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(f"/tmp/cxm-bench-dashboard-{args.size}")
    build(data_dir, args.size)
    port = free_port()
    proc = serve(data_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        web = opener(base)
        first_ms, _ = timed(web, base + "/kpis?period=2026-10")  # syncs what is new first
        print(f"first /kpis after start (includes the analytics sync): {first_ms:,.0f} ms")
        print(f"{'page':<34} {'median':>8} {'p95':>8} {'max':>8}  (ms)")

        def report(name: str, times: list[float], target: float | None = None) -> None:
            times = sorted(times)
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            median = statistics.median(times)
            verdict = ""
            if target is not None:
                verdict = f"  {'meets' if median < target else 'MISSES'} < {target:,.0f} ms"
            print(f"{name:<34} {median:>8.0f} {p95:>8.0f} {times[-1]:>8.0f}{verdict}")

        target = TARGET_MS[args.size]
        # Cold: a period not viewed before (every figure computed); warm: viewed already and
        # no new data since (the figures are reused after the sync finds nothing new).
        cold = [timed(web, f"{base}/kpis?period=2026-{m:02d}")[0] for m in range(1, 10)]
        report(f"dashboard /kpis, cold ({len(cold)} periods)", cold, target)
        for name, path in PAGES:
            times = [timed(web, base + path)[0] for _ in range(args.rounds)]
            report(f"{name}, warm x{args.rounds}", times, target if "kpis" in path else None)
        pdf_ms, pdf_bytes = timed(web, base + "/reports/dashboard.pdf?period=2026-10")
        print(f"{'PDF report (3 pages), once':<34} {pdf_ms:>8.0f}  ({pdf_bytes:,} bytes)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
