"""Matching texts to taxonomy themes on lemmas, so inflected word forms meet.

A keyword matches where its lemmas appear in a row ("не доставили" matches "досі не
доставили"); an example phrase matches where all its content lemmas (three letters or more)
appear within a few words of each other. Cyrillic phrases are read by both the Ukrainian and
the Russian lemmatizer, so a text whose language was taken for the other one still matches.
Each match keeps the character spans that gave it, for highlighting.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from cxm.text.lemmas import Token, analyser_language, padded, tokens
from cxm.text.taxonomy import Taxonomy

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
WINDOW = 4  # extra words an example phrase's lemmas may spread over


@dataclass(frozen=True)
class Phrase:
    lemmas: tuple[str, ...]
    key: str  # "theme/sub"
    example: bool


@dataclass
class Matcher:
    version: str
    by_first: dict[str, list[Phrase]] = field(default_factory=dict)


@dataclass
class ThemeReading:
    language: str
    lemmas: str  # padded lemma string, as stored
    themes: list[str]  # "theme" and "theme/sub" keys, sorted
    evidence: dict[str, list[tuple[int, int]]]  # "theme/sub" -> character spans


def _phrase_lemmas(phrase: str, language: str) -> set[tuple[str, ...]]:
    readers: tuple[str, ...] = ("uk", "ru") if _CYRILLIC.search(phrase) else ("en",)
    if language in readers:
        readers = (language, *(r for r in readers if r != language))
    return {tuple(t.lemma for t in tokens(phrase, r)) for r in readers} - {()}


def phrase_lemmas(phrase: str, language: str) -> set[tuple[str, ...]]:
    """The lemma sequences a taxonomy phrase in ``language`` is matched as."""
    return _phrase_lemmas(phrase, language)


_MATCHERS: dict[str, Matcher] = {}


def _compiled(taxonomy: Taxonomy) -> Matcher:
    if taxonomy.version in _MATCHERS:
        return _MATCHERS[taxonomy.version]
    matcher = Matcher(taxonomy.version)
    index: dict[str, list[Phrase]] = defaultdict(list)
    for theme in taxonomy.themes:
        for sub in theme.subthemes:
            key = f"{theme.key}/{sub.key}"
            for example, phrases_by_language in ((False, sub.keywords), (True, sub.examples)):
                for language, phrases in phrases_by_language.items():
                    for phrase in phrases:
                        for read in _phrase_lemmas(phrase, language):
                            lemmas: tuple[str, ...] = read
                            content = tuple(w for w in read if len(w) >= 3)
                            if example and len(content) >= 2:
                                lemmas = content  # short words may be anywhere near
                            index[lemmas[0]].append(Phrase(lemmas, key, example))
    matcher.by_first = dict(index)
    if len(_MATCHERS) > 16:
        _MATCHERS.clear()
    _MATCHERS[taxonomy.version] = matcher
    return matcher


def compile_taxonomy(taxonomy: Taxonomy) -> Matcher:
    return _compiled(taxonomy)


def _find(found: list[Token], phrase: Phrase, at: int) -> tuple[int, int] | None:
    """The span of ``phrase`` anchored at token ``at``, if it matches there."""
    n = len(phrase.lemmas)
    if not phrase.example:
        if [t.lemma for t in found[at : at + n]] == list(phrase.lemmas):
            return found[at].start, found[at + n - 1].end
        return None
    window = found[max(0, at - n - WINDOW) : at + n + WINDOW]  # in any order
    places = []
    for lemma in phrase.lemmas:
        place = next((t for t in window if t.lemma == lemma), None)
        if place is None:
            return None
        places.append(place)
    return min(p.start for p in places), max(p.end for p in places)


def read_themes(text: str, detected_language: str | None, taxonomy: Taxonomy) -> ThemeReading:
    """The lemmas, themes and evidence of one text."""
    language = analyser_language(text, detected_language)
    found = tokens(text, language)
    matcher = _compiled(taxonomy)
    evidence: dict[str, list[tuple[int, int]]] = {}
    for i, token in enumerate(found):
        for phrase in matcher.by_first.get(token.lemma, ()):
            span = _find(found, phrase, i)
            if span and span not in evidence.setdefault(phrase.key, []):
                evidence[phrase.key].append(span)
    keys = set(evidence) | {k.split("/")[0] for k in evidence}
    return ThemeReading(language, padded(found), sorted(keys), evidence)
