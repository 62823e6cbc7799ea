"""Word forms to lemmas in Ukrainian, Russian and English, offline.

Russian: pymorphy3 with its OpenCorpora dictionary (MIT). Ukrainian: pymorphy3's Ukrainian
dictionary when ``pymorphy3-dicts-uk`` is installed (an optional extra: its PyPI licence
field says GPLv3, so cxm does not require it), else a light suffix-stripping stemmer of our
own, so inflections still meet. English: the Snowball (Porter 2) stemmer. Lemmas are
lower case with ё as е and every apostrophe as ``'``; stored lemma strings are padded with
spaces (" a b c ") so that a word is found with ``LIKE '% word %'`` on any database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

LANGUAGES = ("uk", "ru", "en")
WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "ё": "е"})
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    lemma: str


@cache
def _morph(language: str) -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


@cache
def ukrainian_dictionary() -> bool:
    """Whether pymorphy3's Ukrainian dictionary is installed."""
    try:
        import pymorphy3_dicts_uk  # noqa: F401
    except ImportError:
        return False
    return True


_UK_ENDING_LIST = """ування ення ання іння ість ості істю ами ями ові еві ого ому ими іми ій ий
ої ою ею ах ях ів їв ом ем ам ям ки ка ку ці их іх ити ати ути іти ися ася ться ється ається
ився илася илися ила или ило ена ені ено ене ений еного ний на не ні но ну ня ню ют ють ать
ять ить уть ав ала али ало ив ли ла ло а я о е у ю і и ї є"""
_UK_ADJECTIVE = ("а", "у", "ої", "ою", "ий", "ого", "ому", "им", "ім", "і", "их", "ими", "е", "ій")
_UK_ENDINGS = tuple(
    sorted(
        set(_UK_ENDING_LIST.split())
        | {p + a for p in ("ен", "ан", "ян", "ован", "н") for a in _UK_ADJECTIVE},
        key=len,
        reverse=True,
    )
)


UK_STEM_LENGTH = 5


def ukrainian_stem(word: str) -> str:
    """A light stemmer: the reflexive and the longest common ending off (keeping a stem of
    three letters), then at most five letters, so that the forms of one verb or noun meet even
    where a suffix changes with aspect or tense ("запізнюється", "запізнюватися",
    "запізнилася" -> "запіз")."""
    for reflexive in ("ся", "сь"):
        if word.endswith(reflexive) and len(word) - 2 >= 5:
            word = word[:-2]
            break
    for ending in _UK_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return word[:UK_STEM_LENGTH]


def lemmatizer_version() -> str:
    """Changes when lemmas would change: stored lemmas record it."""
    return "lemmas-1-" + ("uk-dict" if ukrainian_dictionary() else "uk-stem5")


@lru_cache(maxsize=200_000)
def lemma(word: str, language: str) -> str:
    """The lemma (or stem) of one lower-cased word in ``language`` (uk, ru or en)."""
    word = word.lower().translate(_APOSTROPHES)
    if not _CYRILLIC.search(word):
        return str(_english().stemWord(word)) if word.isascii() else word
    if language == "uk" and not ukrainian_dictionary():
        return ukrainian_stem(word)
    parsed = _morph("uk" if language == "uk" else "ru").parse(word)
    found = parsed[0].normal_form if parsed else word
    return str(found).translate(_APOSTROPHES)


@cache
def _english() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def analyser_language(text: str, detected: str | None) -> str:
    """Which lemmatizer reads a text: its detected language when it is one of ours, else by
    script (Ukrainian letters -> uk, other Cyrillic -> ru, anything else -> en)."""
    if detected in LANGUAGES:
        return str(detected)
    head = text[:2_000].lower()
    if _CYRILLIC.search(head):
        return "uk" if set(head) & _UKRAINIAN_LETTERS else "ru"
    return "en"


def tokens(text: str, language: str, limit: int = 2_000) -> list[Token]:
    """Each word of the first ``limit`` characters with its place and lemma."""
    return [
        Token(m.start(), m.end(), lemma(m.group(), language)) for m in WORD.finditer(text[:limit])
    ]


def padded(found: list[Token]) -> str:
    """The stored form: lemmas separated and surrounded by single spaces."""
    return " " + " ".join(t.lemma for t in found) + " " if found else " "


def query_lemmas(word: str) -> set[str]:
    """Every lemma a query word may have: read as Ukrainian, Russian and English."""
    return {lemma(word, language) for language in LANGUAGES} | {
        word.lower().translate(_APOSTROPHES)
    }
