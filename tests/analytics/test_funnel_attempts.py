"""The funnel's attempt-matching pass: hand-computed edges (repeated steps, ties, window
limits, strict breaks, completions followed by a new start) and, on random events, the same
attempts as the rules read one event at a time."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from cxm.analytics.funnel_attempts import match, window_ends
from cxm.analytics.funnels import FunnelQuery
from cxm.core.db import Database
from tests.analytics.test_funnels import STEPS, _run, _world

A, B, C = 1, 2, 4  # step bits


def _match(
    events: list[tuple[int, int, int]], k: int, window: int, strict: bool = False
) -> list[tuple[int, int, list[int]]]:
    person = np.array([e[0] for e in events], dtype=np.int64)
    us = np.array([e[1] for e in events], dtype=np.int64)
    masks = np.array([e[2] for e in events], dtype=np.int64)
    firsts, reached, rows = match(person, us, masks, k, window, strict)
    return [
        (int(f), int(r), rows[i].tolist())
        for i, (f, r) in enumerate(zip(firsts, reached, strict=True))
    ]


def test_a_repeated_step_counts_once_per_event_and_a_completion_frees_the_next_event() -> None:
    # Steps A > B > A: an A event matches step 1 and step 3.
    events = [(1, 0, A | C), (1, 1, A | C), (1, 2, B), (1, 3, A | C), (1, 4, A | C)]
    # The second A is inside the open attempt and not its next step; the A after B completes
    # it; the last A starts a new attempt.
    assert _match(events, 3, 100) == [(0, 3, [0, 2, 3]), (4, 1, [4, -1, -1])]


def test_the_window_includes_its_last_microsecond_and_ties_go_by_arrival() -> None:
    events = [(2, 100, A), (2, 110, B), (2, 111, C), (2, 111, A), (2, 111, B), (2, 111, C)]
    # B at exactly the window is in; C one microsecond later is not and ends the attempt;
    # the A at that same time (arrived after C) starts one that takes B then C at that time.
    assert _match(events, 3, 10) == [(0, 2, [0, 1, -1]), (3, 3, [3, 4, 5])]


def test_strict_order_breaks_at_an_unmapped_event_and_gaps_do_not() -> None:
    events = [(3, 0, A), (3, 1, 0), (3, 2, A), (3, 3, A), (3, 4, B), (3, 5, C)]
    assert _match(events, 3, 100) == [(0, 3, [0, 4, 5])]
    # Strict: the event that is no step ends the first attempt at step 1; a repeated first
    # step inside the second one does not break it.
    assert _match(events, 3, 100, strict=True) == [(0, 1, [0, -1, -1]), (2, 3, [2, 4, 5])]


def test_attempts_never_run_across_persons() -> None:
    events = [(1, 0, A), (2, 1, B), (2, 2, A), (2, 3, B), (5, 4, C)]
    assert _match(events, 3, 100) == [(0, 1, [0, -1, -1]), (2, 2, [2, 3, -1])]
    assert _match([], 3, 100) == []


def test_window_ends_per_person_over_many_chunks() -> None:
    # Ten persons whose events span 10**18 microseconds: the keys fit four persons at a time.
    person = np.repeat(np.arange(10), 3)
    us = np.tile(np.array([0, 5, 10**18]), 10)
    ends = window_ends(person, us, np.arange(30), 10**16)
    assert ends.tolist() == [2, 2, 3] + [p * 3 + i for p in range(1, 10) for i in (2, 2, 3)]


def _by_the_rules(
    person: list[int], us: list[int], masks: list[int], k: int, window: int, strict: bool
) -> list[tuple[int, int, list[int]]]:
    """The funnel's rules read one event at a time."""
    out: list[tuple[int, int, list[int]]] = []
    rows: list[int] = []
    for i, (p, t, m) in enumerate(zip(person, us, masks, strict=True)):
        if rows and (p != person[rows[0]] or t - us[rows[0]] > window or len(rows) == k):
            out.append((rows[0], len(rows), rows + [-1] * (k - len(rows))))
            rows = []
        if not rows:
            rows = [i] if m & 1 else []
        elif m & (1 << len(rows)):
            rows.append(i)
        elif strict and not m & 1:
            out.append((rows[0], len(rows), rows + [-1] * (k - len(rows))))
            rows = []
    if rows:
        out.append((rows[0], len(rows), rows + [-1] * (k - len(rows))))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_random_events_give_the_attempts_the_rules_give(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        k = rng.randint(2, 5)
        person = sorted(rng.randint(1, 4) for _ in range(rng.randint(0, 40)))
        us: list[int] = []
        for i, p in enumerate(person):
            same = i and person[i - 1] == p
            us.append(us[-1] + rng.choice([0, 0, 1, 2, 5, 10]) if same else rng.randint(0, 5))
        bits = [0, A, A, B, C, 8, 16, A | C, B | 8]
        masks = [rng.choice(bits) & ((1 << k) - 1) for _ in person]
        window, strict = rng.choice([1, 5, 10, 20]), rng.random() < 0.5
        events = list(zip(person, us, masks, strict=True))
        assert _match(events, k, window, strict) == _by_the_rules(
            person, us, masks, k, window, strict
        ), (events, k, window, strict)


def test_a_step_exactly_at_the_window_counts(sqlite_db: Database, tmp_path: Path) -> None:
    org = _world(sqlite_db)
    # u3's step 2 comes 30 hours after its A: in a 30-hour window, not in a shorter one.
    at = _run(sqlite_db, tmp_path, org, FunnelQuery(STEPS, window_hours=30))
    assert [s.attempts for s in at.steps] == [5, 4, 2]
    short = _run(sqlite_db, tmp_path, org, FunnelQuery(STEPS, window_hours=29.99))
    assert [s.attempts for s in short.steps] == [5, 3, 2]
    # A > C > A: u4's second A (ten minutes in) is no third step before C; nobody completes.
    again = _run(sqlite_db, tmp_path, org, FunnelQuery(("A", "C", "A"), window_hours=24))
    assert [s.attempts for s in again.steps] == [5, 2, 0]
