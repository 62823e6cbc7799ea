"""Which words of a comment gave its themes, sentiment and emotions, as pieces to render.

Theme phrases come from the stored reading's evidence; sentiment and emotion words are the
words of the builtin lexicon for the comment's sentiment and emotions (a linear model has no
single phrase behind its reading: the lexicon words are the part of it a person can check).
Pieces are plain text: templates escape them like any customer text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxm.text.lexicon import class_spans


@dataclass
class Piece:
    text: str
    marks: list[str] = field(default_factory=list)  # e.g. ["theme:delivery/late", "anger"]


def pieces(
    text: str, evidence: dict[str, Any], sentiment: str | None, emotions: tuple[str, ...]
) -> list[Piece]:
    """The text cut into pieces, each with what it marks (nothing for plain text)."""
    spans: list[tuple[int, int, str]] = []
    for key, places in evidence.items():
        spans.extend((int(a), int(b), f"theme:{key}") for a, b in places)
    if sentiment in ("negative", "positive"):
        spans.extend((a, b, sentiment) for a, b in class_spans(text, sentiment))
    for emotion in emotions:
        if emotion != "none":
            spans.extend((a, b, emotion) for a, b in class_spans(text, emotion))
    cuts = sorted({0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        marks = sorted({m for s, e, m in spans if s <= a and b <= e})
        out.append(Piece(text[a:b], marks))
    return out
