"""Themes page response time on a demo world: the first load after start and loads after it.

`cxm serve` runs in one process on a demo world (built first with `cxm demo --no-serve` when
the data directory holds none); this script logs in as the demo's admin and times whole
HTTP requests of /themes (the theme summary, the aspect summary and the discovered themes),
with the Voice page as the peer measured in the same run. The first load
clusters the uncovered comments; later loads reuse the clusters until new data arrive.

Run: python bench/themes.py [--size medium] [--data-dir DIR] [--rounds 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard import build, opener, serve, timed  # noqa: E402
from ingest import free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "medium", "large"), default="medium")
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
        first_ms, _ = timed(web, base + "/voice")  # syncs what is new first
        print(f"first /voice after start (includes the analytics sync): {first_ms:,.0f} ms")
        cold_ms, size = timed(web, base + "/themes")
        print(f"first /themes (clusters computed): {cold_ms:,.0f} ms ({size:,} bytes)")
        print(f"{'page':<34} {'median':>8} {'p95':>8} {'max':>8}  (ms)")
        for name, path in (("/themes", "/themes"), ("/themes, language uk", "/themes?language=uk"),
                           ("/voice (peer)", "/voice")):  # fmt: skip
            times = sorted(timed(web, base + path)[0] for _ in range(args.rounds))
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(f"{name + f', x{args.rounds}':<34} {statistics.median(times):>8.0f} "
                  f"{p95:>8.0f} {times[-1]:>8.0f}")  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
