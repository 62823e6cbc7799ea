"""Aspect-level sentiment: what a comment says about each thing it mentions.

"The delivery was late but the courier was polite" is negative about delivery and positive
about the courier. The comment is cut into clauses at sentence ends and at contrast words
(but, however, although; але, проте, зате, хоча; но, однако, зато, хотя; "а" after a
comma); a clause naming several aspects is cut again at commas and "and". Each piece's
aspects come from a keyword list per language (word starts, after the same Ukrainian and
Russian letter folding as the models), and its sentiment from the text backend on that
piece, nudged by the feedback lexicon (short pieces such as "the courier was polite" say
little to an n-gram model). Offline and fast; measured on ``tests/data/aspects.csv``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cxm.core.errors import Fault, ValidationError
from cxm.text.backends import MAX_CHARS, TextBackend
from cxm.text.labels import SENTIMENTS
from cxm.text.lexicon import CLASSES, counts, fold

MODEL_WEIGHT = 0.5  # share of the backend's score (-1..1) in a clause's score
LEXICON_WEIGHT = 0.35  # per word of the feedback lexicon or of the opinion words below
NEUTRAL_BAND = 0.15  # |score| below it reads as neutral

# Opinion words about service aspects (word starts, folded), beyond the feedback lexicon:
# "fast", "on time", "expensive", "crashes" say little about emotion but much about an aspect.
_OPINIONS = {
    "positive": """fast quick on time prompt fair cheap worth friendly kind clean bright easy
        smooth helpful quickly вчасн швидк легк чист свитл доброзичлив привитн варт дешев
        нормальн зручн ввичлив вовремя быстр легко светл приветлив стоит удобн вежлив
        идеальн perfect""",
    "negative": """late slow crash fail endless dirty expensive overpriced broke torn crushed wet
        flimsy confus hung hang ignor never high pricey завис повильн брудн дорог завищен
        зависок злам порван помят промок незручн кинув нияк никим медлен грязн слома
        неудобн бросил игнор""",
}
_OPINION = {k: re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, fold(v).split())) + ")")
            for k, v in _OPINIONS.items()}  # fmt: skip
_NEGATION = re.compile(r"(?<![\w-])(?:не|ни|not|never|no|did not|didn't|нет)\s+(\w+)")

# Word starts per aspect, in the folded spelling (і/ї→и, є→е, ы→и, э/ё→е, apostrophes
# dropped). Written by the cxm authors; the taxonomy of themes is a separate, richer list.
_KEYWORDS: dict[str, str] = {
    "delivery": """deliver shipping shipped parcel доставк доставил доставлен посилк видправ
        надийш отправ пришл""",
    "courier": "courier driver курер курьер водий водител",
    "support": """support hotline call cent operator agent helpdesk customer service
        пидтримк гаряч оператор кол-центр колл-центр поддержк горяч чат""",
    "staff": """staff consultant cashier assistant seller salesperson manager employee
        personnel персонал консультант продав касир кассир менеджер керивник працивник
        управляющ сотрудник""",
    "price": "price pricing cheap expensive overpriced afford цин цен дешев дорог",
    "quality": """quality product material item jacket shoes якист товар материал неякисн
        качеств некачеств""",
    "packaging": "packag box wrapping упаков коробк пакуван",
    "store": "store shop layout магазин крамниц",
    "website": "website site app mobile online сайт застосун додат приложени",
    "payment": "payment pay paying checkout card terminal queue оплат картк картой карт черг очеред терминал",  # noqa: E501
    "returns": "return refund exchange поверн возврат вернул вернут",
}
ASPECTS = tuple(_KEYWORDS)
_PATTERNS = {
    a: re.compile(
        r"(?<![\w-])(?:"
        + "|".join(sorted(map(re.escape, fold(w).split()), key=len, reverse=True))
        + ")",
        re.IGNORECASE,
    )  # fmt: skip
    for a, w in _KEYWORDS.items()
}
_SENTENCE = re.compile(r"[.!?;\n]+")
_CONTRAST = re.compile(
    r"(?:,\s*|\s+)(?=(?:but|however|although|though|yet|whereas|while|except|але|проте|"
    r"однак|зате|хоча|втім|но|однако|зато|хотя|впрочем)\b)|,\s*(?=(?:а|and yet)\b)",
    re.IGNORECASE,
)
_JOIN = re.compile(r",\s*|\s+(?=(?:and|і|й|та|и)\s)", re.IGNORECASE)


@dataclass
class AspectReading:
    aspect: str
    sentiment: str
    score: float  # -1 to 1
    clause: str  # the words it was read from
    start: int  # character offsets of the clause in the text
    end: int


def found_aspects(text: str) -> list[str]:
    """Aspects a piece of text names, in the order of the keyword list."""
    folded = fold(text)
    return [a for a, p in _PATTERNS.items() if p.search(folded)]


def _spans(text: str, pattern: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    out, at = [], start
    for m in pattern.finditer(text, start, end):
        if text[at : m.start()].strip():
            out.append((at, m.start()))
        at = m.end()
    if text[at:end].strip():
        out.append((at, end))
    return out


def clauses(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, after_contrast) of each clause: sentences cut at contrast words, and
    pieces naming several aspects cut again at commas and "and" (a piece naming none joins
    the one before it). ``after_contrast``: the clause opens with a contrast word."""
    text = text[:MAX_CHARS]
    out: list[tuple[int, int, bool]] = []
    for s, e in _spans(text, _SENTENCE, 0, len(text)):
        for k, (cs, ce) in enumerate(_spans(text, _CONTRAST, s, e)):
            if len(found_aspects(text[cs:ce])) < 2:
                out.append((cs, ce, k > 0))
                continue
            pieces: list[tuple[int, int]] = []
            for ps, pe in _spans(text, _JOIN, cs, ce):
                if pieces and (
                    not found_aspects(text[ps:pe])
                    or not found_aspects(text[pieces[-1][0] : pieces[-1][1]])
                ):
                    pieces[-1] = (pieces[-1][0], pe)
                else:
                    pieces.append((ps, pe))
            out += [(ps, pe, k > 0 and j == 0) for j, (ps, pe) in enumerate(pieces)]
    trimmed = []
    for s, e, contrast in out:
        piece = text[s:e]
        trimmed.append((s + len(piece) - len(piece.lstrip()), e - len(piece) + len(piece.rstrip()),
                        contrast))  # fmt: skip
    return trimmed


def aspects(backend: TextBackend, texts: list[str]) -> list[list[AspectReading]]:
    """Each text's aspects with the sentiment of the clause that names them (the strongest
    clause when several do); an empty list for a text naming none (or empty, emoji-only).

    Around a contrast word the two sides usually differ: when one side reads clearly and
    the other does not ("Expensive, but the quality is worth it"), the unclear side is
    given the opposite leaning. An aspect whose clause reads neutral leans with the clauses
    that name no aspect ("Delivered on Monday. Thank you!")."""
    spans = [clauses(t) for t in texts]
    flat = [(i, s, e, c) for i, sp in enumerate(spans) for s, e, c in sp]
    read_as = [_without_aspect_words(texts[i][s:e]) for i, s, e, _ in flat]
    read = backend.score(read_as) if read_as else []
    scores = [
        max(-1.0, min(1.0, MODEL_WEIGHT * r.sentiment_score
                      + LEXICON_WEIGHT * polarity(texts[i][s:e])))
        for (i, s, e, _), r in zip(flat, read, strict=True)
    ]  # fmt: skip
    for k, (i, _, _, contrast) in enumerate(flat):
        if not contrast or k == 0 or flat[k - 1][0] != i:
            continue
        before, after = scores[k - 1], scores[k]
        if abs(after) < NEUTRAL_BAND <= abs(before):
            scores[k] = -0.5 * before
        elif abs(before) < NEUTRAL_BAND <= abs(after):
            scores[k - 1] = -0.5 * after
    # Clauses that name no aspect ("Thank you!", "Шкода, що так вийшло.") carry the text's
    # overall feeling: an aspect whose own clause reads neutral leans the same way.
    named = [bool(found_aspects(texts[i][s:e])) for i, s, e, _ in flat]
    mood = [0.0] * len(texts)
    for (i, _, _, _), score, has in zip(flat, scores, named, strict=True):
        if not has:
            mood[i] += score
    scores = [
        0.5 * mood[i] if has and abs(score) < NEUTRAL_BAND <= abs(0.5 * mood[i]) else score
        for (i, _, _, _), score, has in zip(flat, scores, named, strict=True)
    ]
    out: list[dict[str, AspectReading]] = [{} for _ in texts]
    for (i, s, e, _), score in zip(flat, scores, strict=True):
        clause = texts[i][s:e]
        for a in found_aspects(clause):
            known = out[i].get(a)
            if known is None or abs(score) > abs(known.score):
                out[i][a] = AspectReading(a, _label(score), round(score, 4), clause, s, e)
    return [list(found.values()) for found in out]


def _without_aspect_words(clause: str) -> str:
    """The clause as the backend reads it: without the words that name aspects, whose own
    lean is the topic's, not the writer's opinion (in reviews "повернення", a return, is
    mostly a complaint, so "оформила повернення" would read as one)."""
    kept = [
        w for w in clause.split()
        if not any(p.match(fold(w).strip(".,!?;:«»\"'()")) for p in _PATTERNS.values())
    ]  # fmt: skip
    return " ".join(kept) or clause


def _label(score: float) -> str:
    return "neutral" if abs(score) < NEUTRAL_BAND else "positive" if score > 0 else "negative"


def polarity(clause: str) -> float:
    """Positive minus negative words of the feedback lexicon and the opinion words; a
    negated word counts for the other side, a negated plain verb ("не відправили", "did
    not call": something expected did not happen) as negative."""
    folded = fold(clause)
    lexical = counts(clause)
    score = float(lexical[CLASSES.index("positive")] - lexical[CLASSES.index("negative")])
    for side, sign in (("positive", 1.0), ("negative", -1.0)):
        for m in _OPINION[side].finditer(folded):
            before = folded[max(0, m.start() - 5) : m.start()]
            score += -sign if re.search(r"(?:^|\W)(?:не|not|ни)\s$", before) else sign
    for m in _NEGATION.finditer(folded):
        word = m.group(1)
        if not any(p.match(word) for p in _OPINION.values()) and counts(word).sum() == 0:
            score -= 1.0
    return score


def as_dicts(readings: list[AspectReading]) -> list[dict[str, Any]]:
    return [asdict(r) for r in readings]


@dataclass
class AspectLabelled:
    texts: list[str]
    languages: list[str]
    truth: list[dict[str, str]]  # aspect -> sentiment
    splits: list[str]


def read_aspects(path: Path) -> AspectLabelled:
    """A CSV with ``text`` and ``aspects`` ("delivery:negative courier:positive"), and
    optionally ``language`` and ``split``; refused naming the row and column at fault."""
    out = AspectLabelled([], [], [], [])
    faults: list[Fault] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = sorted({"text", "aspects"} - set(reader.fieldnames or []))
        if missing:
            raise ValidationError(f"{path.name} has no column {', '.join(missing)}",
                                  [Fault("missing column", field=m) for m in missing])  # fmt: skip
        for row_number, row in enumerate(reader, start=1):
            text = (row.get("text") or "").strip()
            if not text:
                faults.append(Fault("is empty", field="text", index=row_number))
                continue
            truth: dict[str, str] = {}
            for pair in (row.get("aspects") or "").split():
                aspect, _, sentiment = pair.partition(":")
                if aspect not in ASPECTS or sentiment not in SENTIMENTS:
                    faults.append(Fault(f"unknown label {pair!r}", field="aspects",
                                        index=row_number))  # fmt: skip
                    break
                truth[aspect] = sentiment
            out.texts.append(text)
            out.languages.append((row.get("language") or "").strip())
            out.truth.append(truth)
            out.splits.append((row.get("split") or "").strip())
    if faults:
        raise ValidationError(f"{path.name}: {len(faults)} row(s) refused", faults[:50])
    if not out.texts:
        raise ValidationError(f"{path.name} has no rows", [Fault("no rows", field="text")])
    return out


def aspect_report(truth: list[dict[str, str]], found: list[dict[str, str]]) -> dict[str, Any]:
    """Micro precision, recall and F1 of aspects found, the same of (aspect, sentiment)
    pairs, and sentiment accuracy on the aspects found that are in the truth."""

    def prf(hit: int, guessed: int, real: int) -> dict[str, float]:
        p, r = (hit / guessed if guessed else 0.0), (hit / real if real else 0.0)
        return {"precision": round(p, 4), "recall": round(r, 4),
                "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}  # fmt: skip

    real = sum(len(t) for t in truth)
    guessed = sum(len(f) for f in found)
    hit = sum(len(set(t) & set(f)) for t, f in zip(truth, found, strict=True))
    both = sum(sum(f.get(a) == s for a, s in t.items()) for t, f in zip(truth, found, strict=True))
    return {
        "n_texts": len(truth),
        "n_aspects": real,
        "aspects": prf(hit, guessed, real),
        "aspect_sentiment": prf(both, guessed, real),
        "sentiment_accuracy_on_found": round(both / hit, 4) if hit else None,
    }


def evaluate_aspects(backend: TextBackend, data: AspectLabelled) -> dict[str, Any]:
    """The report overall, per language, per split and per split and language."""
    found = [{r.aspect: r.sentiment for r in rs} for rs in aspects(backend, data.texts)]
    report = aspect_report(data.truth, found)
    both = [f"{s}/{lang}" if s and lang else "" for s, lang in
            zip(data.splits, data.languages, strict=True)]  # fmt: skip
    for key, values in (("by_language", data.languages), ("by_split", data.splits),
                        ("by_split_language", both)):  # fmt: skip
        groups = sorted({v for v in values if v})
        report[key] = {
            g: aspect_report([t for t, v in zip(data.truth, values, strict=True) if v == g],
                             [f for f, v in zip(found, values, strict=True) if v == g])
            for g in groups
        }  # fmt: skip
    return report


if __name__ == "__main__":  # python -m cxm.text.aspects FILE: the shipped model on a file
    import json
    import sys

    from cxm.text.backends import load_model
    from cxm.text.builtin import SHIPPED

    print(json.dumps(evaluate_aspects(load_model(SHIPPED), read_aspects(Path(sys.argv[1]))),
                     indent=1))  # fmt: skip
