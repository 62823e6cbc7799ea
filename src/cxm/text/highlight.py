"""Which words of a comment gave its themes, aspects, sentiment and emotions, as pieces.

Theme phrases come from the stored reading's evidence; aspect phrases are the clauses each
stored aspect was read from (``text_aspects``), marked ``aspect:<aspect>:<sentiment>``;
sentiment words are the words of the feedback lexicon and of the review polarity lexicon
that count for the comment's sentiment ("не рекомендую" in a negative one), emotion words
those of the feedback lexicon for its emotions (a linear model has no single phrase behind
its reading: the lexicon words are the part of it a person can check), and for gratitude,
disappointment and trust the words and phrases that said them (``cxm.text.feedback_emotions``).
Pieces are plain text: templates escape them like any customer text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxm.text import feedback_emotions
from cxm.text.labels import FEEDBACK_EMOTIONS
from cxm.text.lexicon import class_spans
from cxm.text.polarity import spans as polarity_spans


@dataclass
class Piece:
    text: str
    marks: list[str] = field(default_factory=list)  # e.g. ["theme:delivery/late", "anger"]


def pieces(
    text: str,
    evidence: dict[str, Any],
    sentiment: str | None,
    emotions: tuple[str, ...],
    aspects: list[dict[str, Any]] | None = None,
) -> list[Piece]:
    """The text cut into pieces, each with what it marks (nothing for plain text);
    ``aspects``: the stored aspects (aspect, sentiment, start, end of their clause)."""
    spans: list[tuple[int, int, str]] = []
    for key, places in evidence.items():
        spans.extend((int(a), int(b), f"theme:{key}") for a, b in places)
    for found in aspects or ():
        start, end = max(0, int(found["start"])), min(len(text), int(found["end"]))
        if start < end:  # a clause outside the text (it changed?) marks nothing
            spans.append((start, end, f"aspect:{found['aspect']}:{found['sentiment']}"))
    if sentiment in ("negative", "positive"):
        words = set(class_spans(text, sentiment)) | set(polarity_spans(text, sentiment))
        spans.extend((a, b, sentiment) for a, b in sorted(words))
    for emotion in emotions:
        if emotion in FEEDBACK_EMOTIONS:
            spans.extend((a, b, emotion) for a, b in feedback_emotions.spans(text, emotion))
        elif emotion != "none":
            spans.extend((a, b, emotion) for a, b in class_spans(text, emotion))
    cuts = sorted({0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        marks = sorted({m for s, e, m in spans if s <= a and b <= e})
        out.append(Piece(text[a:b], marks))
    return out
