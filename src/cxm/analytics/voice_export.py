"""CSV and Excel files of exactly the comments the Voice filters select, with what was read
in them: one row per comment, newest first. Customer text is made safe for spreadsheets as
the response export does (see ``explorer_export.safe_cell``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cxm.analytics.explorer_export import safe_cell, write_table
from cxm.analytics.voice import Comment

COLUMNS = ("feedback_id", "occurred_at", "kind", "category", "channel", "language",
           "customer_id", "rating", "sentiment", "sentiment_score", "emotions", "themes",
           "text")  # fmt: skip


def comment_rows(comments: Iterable[Comment]) -> list[list[Any]]:
    """One row per comment, in ``COLUMNS`` order, every cell safe."""
    return [
        [
            safe_cell(v)
            for v in (
                c.id,
                c.occurred_at.replace(microsecond=0).isoformat(sep=" "),
                c.kind,
                c.category,
                c.channel,
                c.language,
                c.customer_id,
                c.rating,
                c.sentiment,
                None if c.sentiment_score is None else round(c.sentiment_score, 4),
                " ".join(e for e in c.emotions if e != "none"),
                " ".join(c.themes),
                c.text,
            )
        ]  # fmt: skip
        for c in comments
    ]


def export_comments(comments: Iterable[Comment], fmt: str) -> bytes:
    """The file: ``fmt`` is csv or xlsx."""
    return write_table(list(COLUMNS), comment_rows(comments), fmt, "comments")
