"""The funnel's attempt-matching pass, as array operations over the person- and time-sorted
events (``funnels`` states the rules; this module applies them without a loop over events).

Every step-1 event is a candidate start. For each candidate, the steps are matched greedily
one step at a time for all candidates at once: step j is the first later event that matches
it, if it comes before the window's end (the first event of another person or more than the
window after the start) and, in a strict funnel, before the first event that matches neither
step j nor step 1. That also gives where the candidate's attempt would end: after its last
step when it completes, else at the window's end or the strict break. The attempts are then
the chain of candidates from each person's first one, each followed by the first candidate
at or after where it ends; the chains are walked for all persons at once.
"""

from __future__ import annotations

import numpy as np

_CHUNK_KEY = 1 << 62  # the sort keys of the window search stay below this


def window_ends(person: np.ndarray, us: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """For each start row, the first row after it of another person or more than ``window``
    microseconds later (``person`` and ``us`` sorted by person, then time)."""
    n = person.size
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
    sizes = np.diff(np.r_[first, n])
    rank = np.repeat(np.arange(first.size), sizes)
    rel = us - np.repeat(us[first], sizes)
    # One sorted key per row: the person's rank, then the time since its first event. A key
    # per person of (longest span + window + 1) would overflow 64 bits for many persons, so
    # the persons are taken in chunks whose keys fit.
    span = int(rel.max()) + window + 1
    per_chunk = max(1, _CHUNK_KEY // span)
    out = np.empty(starts.size, dtype=np.int64)
    chunk_of_start = rank[starts] // per_chunk
    for chunk in np.unique(chunk_of_start):
        lo = first[chunk * per_chunk]
        top = (chunk + 1) * per_chunk
        hi = first[top] if top < first.size else n
        key = (rank[lo:hi] - chunk * per_chunk) * span + rel[lo:hi]
        mine = np.flatnonzero(chunk_of_start == chunk)
        s = starts[mine]
        query = (rank[s] - chunk * per_chunk) * span + rel[s] + window
        out[mine] = lo + np.searchsorted(key, query, side="right")
    return out


def _next_after(rows: np.ndarray, pos: np.ndarray, none: int) -> np.ndarray:
    """The first of the sorted ``rows`` after each position (``none`` if there is none)."""
    at = np.searchsorted(rows, pos, side="right")
    found = np.full(pos.size, none, dtype=np.int64)
    inside = at < rows.size
    found[inside] = rows[at[inside]]
    return found


def match(
    person: np.ndarray, us: np.ndarray, masks: np.ndarray, k: int, window: int, strict: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The attempts: their first rows, steps reached and the row that reached each step
    (-1 where not reached; shape attempts x ``k``). ``masks``: each row's bit mask of the
    steps it matches."""
    n = masks.size
    cand = np.flatnonzero(masks & 1)
    if cand.size == 0:
        return cand, np.zeros(0, dtype=np.int64), np.zeros((0, k), dtype=np.int64)
    limit = window_ends(person, us, cand, window)
    rows = np.full((cand.size, k), -1, dtype=np.int64)
    rows[:, 0] = cand
    reached = np.ones(cand.size, dtype=np.int64)
    end = limit.copy()
    going = np.arange(cand.size)
    pos = cand.copy()
    for j in range(1, k):
        nxt = _next_after(np.flatnonzero(masks & (1 << j)), pos, n)
        stop = limit[going]
        if strict:
            breaks = np.flatnonzero((masks & ((1 << j) | 1)) == 0)
            stop = np.minimum(stop, _next_after(breaks, pos, n))
        ok = nxt < stop
        end[going[~ok]] = stop[~ok]
        going, pos = going[ok], nxt[ok]
        rows[going, j] = pos
        reached[going] = j + 1
        if going.size == 0:
            break
    end[going] = pos + 1  # completed: the next event may start another attempt
    follow = np.searchsorted(cand, end, side="left")  # the candidate after each attempt
    chosen = np.zeros(cand.size, dtype=bool)
    cur = np.flatnonzero(np.r_[True, person[cand[1:]] != person[cand[:-1]]])
    while cur.size:
        chosen[cur] = True
        nxt_c = follow[cur]
        inside = nxt_c < cand.size
        cur, nxt_c = cur[inside], nxt_c[inside]
        cur = nxt_c[person[cand[nxt_c]] == person[cand[cur]]]
    return cand[chosen], reached[chosen], rows[chosen]
