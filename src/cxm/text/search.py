"""Full-text search over stored lemmas: a query word finds its other word forms.

Each query word becomes the lemmas it may have in Ukrainian, Russian and English (plus the
word itself); a text matches when every query word has one of its lemmas among the text's
stored lemmas. The test is ``lemmas LIKE '% lemma %'`` on the padded lemma string of each
text's newest theme reading, so SQLite and PostgreSQL give the same hits. Texts that have no
reading yet (they arrived since the last enrichment run) are read on the spot, the newest
``UNREAD_SCANNED`` of them, so a comment is findable the moment it is stored.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from cxm.core.db import Database, table
from cxm.feedback.models import Feedback
from cxm.text.lemmas import WORD, analyser_language, padded, query_lemmas, tokens
from cxm.text.theme_models import ThemeReading
from cxm.text.theme_store import newest_readings

MAX_WORDS = 8
MAX_HITS = 5_000
UNREAD_SCANNED = 5_000


def query_words(query: str) -> list[set[str]]:
    """The lemmas each word of a query may have (at most eight words)."""
    return [query_lemmas(w) for w in WORD.findall(query)[:MAX_WORDS]]


def search_ids(db: Database, org_id: int, query: str, limit: int | None = None) -> list[int]:
    """Ids of the feedback whose text has every word of ``query`` in some form, newest id
    first (at most ``limit``, else ``MAX_HITS``); an empty list when the query has no words.
    The Voice page and API search the synced copy instead, with their filters (see
    ``cxm.analytics.voice``), so they have no such limit."""
    limit = limit or MAX_HITS
    words = query_words(query)
    if not words:
        return []
    th = table(ThemeReading)
    every = and_(*(or_(*(th.c.lemmas.like(f"% {c} %") for c in sorted(w))) for w in words))
    with db.engine.connect() as conn:
        newest = newest_readings(conn, org_id)
        rows = conn.execute(
            select(th.c.feedback_id)
            .join(newest, newest.c.id == th.c.id)
            .where(th.c.organization_id == org_id, every)
            .order_by(th.c.feedback_id.desc())
            .limit(limit)
        ).all()
    found = {int(r[0]) for r in rows} | set(unread_hits(db, org_id, words))
    return sorted(found, reverse=True)[:limit]


def search_terms(
    db: Database, org_id: int, query: str
) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    """What the Voice filter needs to search (``VoiceFilter.words`` and ``unread_hits``)."""
    words = query_words(query)
    return tuple(tuple(sorted(w)) for w in words), tuple(unread_hits(db, org_id, words))


def unread_hits(db: Database, org_id: int, words: list[set[str]]) -> list[int]:
    """Ids of the newest ``UNREAD_SCANNED`` texts without a theme reading yet (they arrived
    since the last run) that have every word, read on the spot."""
    if not words:
        return []
    th, fb = table(ThemeReading), table(Feedback)
    read = select(th.c.feedback_id).where(th.c.organization_id == org_id)
    with db.engine.connect() as conn:
        unread = conn.execute(
            select(fb.c.id, fb.c.text)
            .where(fb.c.organization_id == org_id, fb.c.id.not_in(read))
            .order_by(fb.c.id.desc())
            .limit(UNREAD_SCANNED)
        ).all()
    found = []
    for fid, text in unread:
        have = padded(tokens(text, analyser_language(text, None)))
        if all(any(f" {c} " in have for c in w) for w in words):
            found.append(int(fid))
    return found
