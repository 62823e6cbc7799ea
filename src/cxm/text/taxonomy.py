"""The themes taxonomy a CX team manages: theme -> sub-theme, keywords and examples per language.

A definition is plain JSON::

    {"themes": [{"key": "delivery", "names": {"en": "Delivery", "uk": "Доставка"},
                 "subthemes": [{"key": "late", "names": {"en": "Late"},
                                "keywords": {"uk": ["запізнюватися"], "en": ["late"]},
                                "examples": {"en": ["still waiting for my parcel"]}}]}]}

Keys are lower-case ``a-z0-9_``; ``names.en`` is required; each sub-theme needs at least one
keyword or example in uk, ru or en. Definitions are refused with the path at fault
(``themes[2].subthemes[0].keywords``). The version is a digest of the definition and the
lemmatizer, so a reading records exactly what it was matched against.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cxm.core.errors import Fault, ValidationError
from cxm.text.lemmas import LANGUAGES, lemmatizer_version

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_PHRASES = 200


@dataclass(frozen=True)
class SubTheme:
    key: str
    names: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    examples: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Theme:
    key: str
    names: dict[str, str]
    subthemes: tuple[SubTheme, ...]


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "themes": [
                {
                    "key": t.key,
                    "names": t.names,
                    "subthemes": [
                        {
                            "key": s.key,
                            "names": s.names,
                            "keywords": {k: list(v) for k, v in s.keywords.items()},
                            "examples": {k: list(v) for k, v in s.examples.items()},
                        }
                        for s in t.subthemes
                    ],
                }
                for t in self.themes
            ]
        }

    def name(self, key: str, language: str = "en") -> str:
        """The display name of ``theme`` or ``theme/sub`` in a language (English if none)."""
        theme_key, _, sub_key = key.partition("/")
        for t in self.themes:
            if t.key != theme_key:
                continue
            if not sub_key:
                return t.names.get(language) or t.names["en"]
            for s in t.subthemes:
                if s.key == sub_key:
                    theme = t.names.get(language) or t.names["en"]
                    return f"{theme}: {s.names.get(language) or s.names['en']}"
        return key

    def theme_keys(self) -> list[str]:
        return [k for t in self.themes for k in (t.key, *(f"{t.key}/{s.key}" for s in t.subthemes))]


def _names(value: Any, path: str, faults: list[Fault]) -> dict[str, str]:
    if not isinstance(value, dict) or not isinstance(value.get("en"), str) or not value["en"]:
        faults.append(Fault("names with at least an English name (names.en) are required", path))
        return {}
    out = {}
    for lang, name in value.items():
        if lang not in LANGUAGES or not isinstance(name, str) or not name.strip():
            faults.append(
                Fault(f"a name per language uk, ru or en; got {lang!r}", f"{path}.{lang}")
            )
        else:
            out[lang] = name.strip()[:80]
    return out


def _phrases(value: Any, path: str, faults: list[Fault]) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        faults.append(Fault("an object of phrase lists by language (uk, ru, en)", path))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for lang, phrases in value.items():
        where = f"{path}.{lang}"
        if lang not in LANGUAGES:
            faults.append(Fault(f"language must be uk, ru or en; got {lang!r}", where))
            continue
        if not isinstance(phrases, list) or len(phrases) > MAX_PHRASES:
            faults.append(Fault(f"a list of at most {MAX_PHRASES} phrases", where))
            continue
        kept = []
        for i, phrase in enumerate(phrases):
            if not isinstance(phrase, str) or not phrase.strip() or len(phrase) > 200:
                faults.append(
                    Fault("a non-empty phrase of at most 200 characters", f"{where}[{i}]")
                )
            else:
                kept.append(" ".join(phrase.split()))
        out[lang] = tuple(kept)
    return out


def _key(value: Any, path: str, seen: set[str], faults: list[Fault]) -> str:
    if not isinstance(value, str) or not KEY.match(value):
        faults.append(Fault("a key of lower-case letters a-z, digits and _ is required", path))
        return ""
    if value in seen:
        faults.append(Fault(f"key {value!r} is used twice", path))
    seen.add(value)
    return value


def parse_taxonomy(data: Any) -> Taxonomy:
    """A validated taxonomy, or ValidationError naming every path at fault."""
    faults: list[Fault] = []
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list) or not data["themes"]:
        raise ValidationError(
            "A taxonomy needs a non-empty list of themes", [Fault("a list is required", "themes")]
        )
    themes = []
    theme_keys: set[str] = set()
    for i, raw in enumerate(data["themes"]):
        path = f"themes[{i}]"
        if not isinstance(raw, dict):
            faults.append(Fault("a theme object is required", path))
            continue
        key = _key(raw.get("key"), f"{path}.key", theme_keys, faults)
        names = _names(raw.get("names"), f"{path}.names", faults)
        subs_raw = raw.get("subthemes")
        if not isinstance(subs_raw, list) or not subs_raw:
            faults.append(Fault("a non-empty list of sub-themes is required", f"{path}.subthemes"))
            continue
        subs: list[SubTheme] = []
        sub_keys: set[str] = set()
        for j, sub in enumerate(subs_raw):
            sp = f"{path}.subthemes[{j}]"
            if not isinstance(sub, dict):
                faults.append(Fault("a sub-theme object is required", sp))
                continue
            sub_key = _key(sub.get("key"), f"{sp}.key", sub_keys, faults)
            sub_names = _names(sub.get("names"), f"{sp}.names", faults)
            keywords = _phrases(sub.get("keywords"), f"{sp}.keywords", faults)
            examples = _phrases(sub.get("examples"), f"{sp}.examples", faults)
            if not any(keywords.values()) and not any(examples.values()):
                faults.append(
                    Fault(
                        "at least one keyword or example in uk, ru or en is required",
                        f"{sp}.keywords",
                    )  # fmt: skip
                )
            subs.append(SubTheme(sub_key, sub_names, keywords, examples))
        themes.append(Theme(key, names, tuple(subs)))
    if faults:
        raise ValidationError(f"The taxonomy has {len(faults)} problem(s)", faults)
    draft = Taxonomy(tuple(themes), "")
    body = json.dumps(draft.as_dict(), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha1(f"{lemmatizer_version()}|{body}".encode()).hexdigest()[:12]
    return Taxonomy(draft.themes, f"taxonomy-{digest}")
