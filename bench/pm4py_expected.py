"""Write tests/data/journeys.xes and pm4py's answers about it, the expected result of a test.

The log comes from the demo's simulated customers: each trace is one customer's first
three weeks (so one journey at cxm's 30-day gap), times rounded to the hour so that many
events tie, tied events shuffled in the file (ties then follow file order in pm4py and
arrival order in cxm). pm4py (AGPL, installed only in the benchmark's environment) gives
the directly-follows counts and the variants; the test that compares cxm with them needs no
pm4py.

Run: python bench/pm4py_expected.py          (needs pm4py: pip install pm4py)
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import quoteattr

from cxm.demo.journeys import simulate

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
XES = DATA / "journeys.xes"
EXPECTED = DATA / "journeys_pm4py.json"
TRACES = 200
SEED = 21


def _hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def write_log(path: Path) -> int:
    rng = random.Random(SEED)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">',
    ]
    events = 0
    for i in range(TRACES):
        person = simulate(SEED, i)
        mine = sorted(person.events, key=lambda e: (e.occurred_at, e.message_id))
        if not mine:
            continue
        horizon = mine[0].occurred_at + timedelta(days=21)
        kept = [(f"{e.name} ({e.channel})", _hour(e.occurred_at)) for e in mine]
        kept = [(name, ts) for name, ts in kept if ts <= _hour(horizon)]
        # Shuffle within each tied hour: the file order decides the order of ties.
        by_hour: dict[datetime, list[str]] = {}
        for name, ts in kept:
            by_hour.setdefault(ts, []).append(name)
        lines.append(f'  <trace><string key="concept:name" value="case-{i:04d}"/>')
        for ts in sorted(by_hour):
            names = by_hour[ts]
            rng.shuffle(names)
            for name in names:
                stamp = ts.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
                lines.append(
                    f'    <event><string key="concept:name" value={quoteattr(name)}/>'
                    f'<date key="time:timestamp" value="{stamp}"/></event>'
                )
                events += 1
        lines.append("  </trace>")
    lines.append("</log>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return events


def _dumps(expected: dict[str, object]) -> str:
    """JSON with one edge or variant per line, so a change reads well in a diff."""
    parts = []
    for key, value in expected.items():
        if isinstance(value, list):
            rows = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f"{json.dumps(key)}: [\n{rows}\n ]")
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"


def main() -> None:
    import pm4py

    events = write_log(XES)
    log = pm4py.read_xes(str(XES))
    dfg, _start, _end = pm4py.discover_dfg(log)
    variants = pm4py.get_variants(log)
    expected = {
        "source": "pm4py " + pm4py.__version__,
        "events": events,
        "traces": int(log["case:concept:name"].nunique()),
        "dfg": sorted([a, b, int(n)] for (a, b), n in dfg.items()),
        "variants": sorted([list(v), int(n)] for v, n in variants.items()),
    }
    EXPECTED.write_text(_dumps(expected), "utf-8")
    print(f"{XES.name}: {events} events in {expected['traces']} traces")
    print(f"{EXPECTED.name}: {len(expected['dfg'])} edges, {len(expected['variants'])} variants")


if __name__ == "__main__":
    main()
