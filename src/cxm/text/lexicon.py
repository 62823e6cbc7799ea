"""A small customer-feedback lexicon in Ukrainian, Russian and English: a bridge between them.

Word stems per class (positive, negative and six emotions) become eight shared features,
so what the models learn from plentiful English and Russian labels about "furious" or "в
ярости" also applies to "в люті". Stems match the start of a word after the same spelling
folding as the n-gram features (і/и, є/е, ы/и ...); a negation just before a sentiment word
("не задоволений", "not happy") counts it for the other side. Written by the cxm authors.
"""

from __future__ import annotations

import re

import numpy as np

CLASSES = ("positive", "negative", "anger", "disgust", "fear", "joy", "sadness", "surprise")

_STEMS: dict[str, str] = {
    "positive": """
        дякую дяку вдячн чудов відмінн супер класн задоволен рекоменд прекрасн ввічлив зручн
        приємн найкращ молодц радий рада щаслив якісн гарн добре любл сподоба перевершил
        спасибо благодар отличн классн доволен довольн вежлив удобн приятн лучш хорош понрав
        восхищ счастлив качествен
        thank great excellent amazing love happy glad perfect polite helpful recommend
        wonderful fantastic satisfied pleased best nice awesome brilliant
    """,
    "negative": """
        жахлив погано поган огидн розчаров гірш обман зламан пошкодж помят подряпан затрим
        запізн груб ігнор неприйнятн неякісн бракован незадовол скарг шкода шкодую сумн
        ганеб знущ бездар дратує лют обурен нахабн бридк гидк страшн боюс тривож розпач
        загуби втрачен списали
        ужасн плох отвратит разочаров сломан поврежд задерж опозд игнор безобраз недовол
        жалоб позор издева бесит злюсь возмущ наглост мерзк гадк противн боюсь тревож отчая
        расстро потерял
        terrible awful horrible worst bad poor disappoint broken damaged late delay rude
        ignored scam unacceptable useless complain furious angry annoy outrage ridiculous
        disgust gross nasty afraid scared worried sad upset unhappy lost refund
    """,
    "anger": """
        лют обурен обурлив дратує бісить скандал нахабн знущ ганеб неприйнятн жахлив груб
        втретє вимагаю
        ярост бешен злюсь возмущ бесит наглост издева безобраз позор ужасн достали требую
        furious angry outrag annoy ridiculous unacceptable rude worst terrible fed demand
    """,
    "disgust": """
        огидн гидк бридк мерзот плями смерд
        отврат мерзк гадк противн воня
        disgust gross nasty filthy stink smell
    """,
    "fear": """
        боюс страшн тривож переживаю хвилю небезпеч лякає
        боюсь страшн тревож волну опаса пуга
        afraid scared worried fear anxious nervous
    """,
    "joy": """
        дякую чудов задоволен радий рада щаслив супер класн прекрасн любл сподоба вдячн
        спасибо благодар отличн рад счастлив доволен классн прекрасн люблю понрав
        thank great happy glad love amazing wonderful delighted excellent awesome
    """,
    "sadness": """
        розчаров сумн шкода шкодую засмуч розпач сльоз плач прикро
        разочаров грустн жаль жалею расстро отчая слез плач обидн
        disappoint sad upset unhappy regret heartbroken
    """,
    "surprise": """
        здивов несподіван шокован неочікуван
        удивл неожидан шокир
        surpris unexpected shocked wow
    """,
}
_NEGATIONS = {"не", "ни", "ні", "нет", "not", "no", "never", "без"}
# Ukrainian and Russian spelled alike where their letters correspond, so shared roots meet
# (розчарована / разочарована, задоволена / довольна), and apostrophes dropped: how the
# lexicons, the phrases, the model's n-grams, aspects and discovered themes compare words.
LETTER_FOLDS = str.maketrans(
    {"і": "и", "ї": "и", "є": "е", "ґ": "г", "ы": "и", "э": "е", "ё": "е", "ъ": "",
     "'": "", "’": "", "ʼ": "", "`": ""}
)  # fmt: skip
_WORD = re.compile(r"\w+")
_PHRASES = (  # repeated contact: a sign of anger in any of the three languages
    re.compile(
        r"(\b[2-9](-?(й|и|th|rd|nd))?|третій|четвертий|третий|четвертый|third|fourth)"
        r"\s+(раз|time|дзвін|звон|call)"
    ),
)


def fold(text: str) -> str:
    """Lower case, Ukrainian and Russian letters that correspond folded together (і/и, є/е,
    ы/и ...), ъ and apostrophes dropped (``LETTER_FOLDS``)."""
    return text.lower().translate(LETTER_FOLDS)


_BY_CLASS = {c: tuple(sorted({fold(s) for s in _STEMS[c].split()})) for c in CLASSES}


def counts(text: str) -> np.ndarray:
    """How many words of each class the text holds (negated sentiment words swap sides)."""
    words = _WORD.findall(fold(text[:2_000]))
    out = np.zeros(len(CLASSES), dtype=np.float32)
    for i, word in enumerate(words):
        negated = i > 0 and words[i - 1] in _NEGATIONS
        for k, name in enumerate(CLASSES):
            if word.startswith(_BY_CLASS[name]):
                if negated and name in ("positive", "negative"):
                    k = 1 - k  # "not happy" counts as negative, "not bad" as positive
                elif negated and name == "joy":
                    continue
                out[k] += 1
    if any(p.search(text.lower()) for p in _PHRASES):
        out[CLASSES.index("anger")] += 1
        out[CLASSES.index("negative")] += 1
    return out


def matrix(texts: list[str]) -> np.ndarray:
    """(n, 8) log-scaled lexicon counts."""
    return np.log1p(np.vstack([counts(t) for t in texts])) if texts else np.zeros((0, 8))


def class_spans(text: str, name: str) -> list[tuple[int, int]]:
    """Character spans of the words of one lexicon class in the first 2,000 characters."""
    stems = _BY_CLASS[name]
    return [
        (m.start(), m.end())
        for m in _WORD.finditer(text[:2_000])
        if fold(m.group()).startswith(stems)
    ]
