"""The friction list's sections timed on a demo world's synced analytics store (warm process).

Reuses the world that bench/journeys.py builds (or builds one with `cxm demo --no-serve`),
then computes the whole friction list once to warm up and three more times, timing each
section: the driver analysis behind the events (its own read of the order facts included),
the order facts (both reads), funnel drop-off, effort (CES) and negative emotion.

With `--first CODE` the list keeps the orders (and customers) whose journey starts at that
touchpoint, and the time spent finding them is its own row.

Run: python bench/friction.py [--size medium|large] [--data-dir DIR] [--first CODE]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SECTIONS = ("analyse", "order_facts", "drop_offs", "effort", "negative_emotion")


def _world(size: str, data_dir: Path) -> None:
    if (data_dir / "analytics.duckdb").exists():
        return
    subprocess.run(
        [sys.executable, "-m", "cxm.cli", "--data-dir", str(data_dir), "demo", "--size", size,
         "--no-serve"],
        check=True,
    )  # fmt: skip


def _timed(spent: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "medium", "large"), default="medium")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--first", default=None, help="a touchpoint code, e.g. ad_click")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(f"/tmp/cxm-bench-journeys-{args.size}")
    _world(args.size, data_dir)

    from cxm.analytics import first_touchpoint
    from cxm.analytics import friction as module
    from cxm.analytics.backend import Analytics
    from cxm.analytics.order_facts import EMBEDDED
    from cxm.core.db import Database
    from cxm.core.settings import Settings

    spent: dict[str, float] = {}
    for name in SECTIONS:
        if name == "order_facts":  # read through the embedded order source (twice a list)
            object.__setattr__(EMBEDDED, "facts", _timed(spent, name, EMBEDDED.facts))
        else:
            setattr(module, name, _timed(spent, name, getattr(module, name)))
    for name in ("orders_starting_at", "customers_starting_at"):
        setattr(first_touchpoint, name, _timed(spent, name, getattr(first_touchpoint, name)))
    settings = Settings(data_dir=data_dir)
    analytics = Analytics(Database(settings.resolved_database_url), settings)
    rounds: list[dict[str, float]] = []
    with analytics.fresh() as con:
        for _ in range(4):
            spent.clear()
            start = time.perf_counter()
            found = module.friction(con, 1, module.FrictionQuery(first=args.first))
            rounds.append({**spent, "total": time.perf_counter() - start})
    analytics.close()
    best = min(rounds[1:], key=lambda r: r["total"])
    shown = (*SECTIONS, "orders_starting_at", "customers_starting_at") if args.first else SECTIONS
    within = f", first touchpoint {args.first}" if args.first else ""
    print(f"\nFriction list, demo world '{args.size}' ({data_dir}){within}, best of 3 warm rounds")
    print(f"{'section':<22}{'seconds':>9}")
    for name in (*shown, "total"):
        print(f"{name:<22}{best.get(name, 0.0):>9.2f}")
    steps = sum(s.attempts for s in found.drop_offs.steps)
    print(f"{found.respondents:,} respondents; {steps:,} funnel step attempts measured")


if __name__ == "__main__":
    main()
