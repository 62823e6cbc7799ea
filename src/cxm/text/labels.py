"""Labelled text: the shared training sets and the customer's own labelled files.

A labelled file is a CSV with a ``text`` column and ``sentiment`` (negative, neutral,
positive; or neg, neu, pos) and/or ``emotions`` (anger, disgust, fear, joy, sadness,
surprise, gratitude, disappointment, trust separated by spaces, commas, semicolons or bars;
``none``, ``neutral`` or ``no_emotion`` for a text without one). A file whose only label
column is ``label`` (or ``labels``) has it read as the column of the task asked for. For
sentiment, a file of star-rated reviews with ``stars`` or ``rating`` (1-5) instead of
``sentiment`` is labelled by its stars (``star_sentiment``): weak labels, like the survey
comments' of ``cxm.text.weak_labels``.
A sentiment file may label two of the three classes (star-rated reviews are often only
negative or positive). Bad files are refused naming the row and column at fault.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from cxm.core.errors import Fault, ValidationError

SENTIMENTS = ("negative", "neutral", "positive")
EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise")
# Read beside the six (``cxm.text.feedback_emotions``), measured and reported on their own.
FEEDBACK_EMOTIONS = ("gratitude", "disappointment", "trust")
ALL_EMOTIONS = EMOTIONS + FEEDBACK_EMOTIONS
MIN_PER_CLASS = 5
T = TypeVar("T")
SENTIMENT_NAMES = {"neg": "negative", "neu": "neutral", "pos": "positive"} | {
    s: s for s in SENTIMENTS
}
NO_EMOTION = frozenset({"none", "neutral", "no_emotion"})
STAR_COLUMNS = ("stars", "rating")  # star-rated reviews: weak sentiment labels


@dataclass
class Labelled:
    texts: list[str] = field(default_factory=list)
    sentiment: list[str | None] = field(default_factory=list)
    emotions: list[frozenset[str] | None] = field(default_factory=list)
    language: list[str] = field(default_factory=list)

    def add(
        self, text: str, sentiment: str | None, emotions: frozenset[str] | None, language: str
    ) -> None:
        self.texts.append(text)
        self.sentiment.append(sentiment)
        self.emotions.append(emotions)
        self.language.append(language)

    def extend(self, other: Labelled) -> Labelled:
        self.texts += other.texts
        self.sentiment += other.sentiment
        self.emotions += other.emotions
        self.language += other.language
        return self

    def subset(self, rows: list[int]) -> Labelled:
        out = Labelled()
        for i in rows:
            out.add(self.texts[i], self.sentiment[i], self.emotions[i], self.language[i])
        return out

    def __len__(self) -> int:
        return len(self.texts)


def read_labelled(path: Path, task: str | None = None, language: str = "") -> Labelled:
    """A customer's labelled CSV; ``task`` (sentiment or emotion) names the column required."""
    return refusing_unreadable(path, lambda: _read_labelled(path, task, language))


def refusing_unreadable(path: Path, read: Callable[[], T]) -> T:
    """``read()`` of the CSV file at ``path``; one that is not UTF-8 or not CSV is refused."""
    try:
        return read()
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV",
            [Fault("is not UTF-8", field="file")],
        ) from exc
    except csv.Error as exc:
        raise ValidationError(
            f"{path.name} is not a readable CSV: {exc}", [Fault(str(exc), field="file")]
        ) from exc


def _read_labelled(path: Path, task: str | None, language: str) -> Labelled:
    faults: list[Fault] = []
    out = Labelled()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = set(reader.fieldnames or [])
        column = "sentiment" if task == "sentiment" else "emotions"
        alias = (
            next((a for a in ("label", "labels") if a in columns), None)
            if task and column not in columns and not {"sentiment", "emotions"} & columns
            else None
        )
        stars = (
            next((c for c in STAR_COLUMNS if c in columns), None)
            if task == "sentiment" and not alias and "sentiment" not in columns
            else None
        )  # fmt: skip
        needed = {"text", column} if task and not alias and not stars else {"text"}
        missing = sorted(needed - columns)
        if missing:
            raise ValidationError(
                f"{path.name} has no column {', '.join(missing)}",
                [Fault("missing column", field=m) for m in missing],
            )
        for row_number, row in enumerate(reader, start=1):
            text = (row.get("text") or "").strip()
            if not text:
                faults.append(Fault("is empty", field="text", index=row_number))
                continue
            if alias:
                row[column] = row.pop(alias)
            if stars:
                rated = _stars(row.get(stars), row_number, faults, stars)
                if rated is False:
                    continue
                row["sentiment"] = rated or ""
            given = (row.get("sentiment") or "").strip().lower() or None
            sentiment = SENTIMENT_NAMES.get(given) if given else None
            if given is not None and sentiment is None:
                faults.append(
                    Fault(f"unknown label {given!r} (use negative, neutral, positive)",
                          field=alias or "sentiment", index=row_number)
                )  # fmt: skip
                continue
            emotions = _emotions(row.get("emotions"), row_number, faults, alias or "emotions")
            out.add(text, sentiment, emotions, (row.get("language") or language).strip())
    if faults:
        raise ValidationError(f"{path.name}: {len(faults)} row(s) refused", faults[:50])
    if task:
        check_counts(out, task, path.name)
    return out


def star_sentiment(stars: float) -> str:
    """The weak label of a rating of 1-5 stars (or CSAT points): 1-2 negative, 3 neutral,
    4-5 positive."""
    return "negative" if stars <= 2 else "neutral" if stars < 4 else "positive"


def _stars(raw: str | None, row: int, faults: list[Fault], column: str) -> str | None | bool:
    """The label of a star cell; None for a blank one, False (and a fault) for a bad one."""
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        value = 0.0
    if not 1 <= value <= 5:
        faults.append(Fault(f"not a rating of 1-5 stars: {raw.strip()!r}", field=column,
                            index=row))  # fmt: skip
        return False
    return star_sentiment(value)


def _emotions(raw: str | None, row: int, faults: list[Fault], column: str) -> frozenset[str] | None:
    if raw is None or not raw.strip():
        return None
    names = frozenset(re.split(r"[\s,;|]+", raw.strip().lower())) - {""}
    if names and names <= NO_EMOTION:
        return frozenset()
    unknown = sorted(names - set(ALL_EMOTIONS))
    if unknown:
        use = ", ".join(ALL_EMOTIONS)
        faults.append(Fault(f"unknown label {unknown[0]!r} (use {use} or none)", field=column,
                            index=row))  # fmt: skip
        return None
    return names


def check_counts(data: Labelled, task: str, name: str) -> None:
    """Refuse a set with too few examples of any class it names to learn or judge it.

    Classes a file never names are left out (a sentiment file of negative and positive
    reviews only; the emotions it does not label), but sentiment needs two classes."""
    if task == "sentiment":
        counts = {s: sum(1 for x in data.sentiment if x == s) for s in SENTIMENTS}
    else:
        counts = {e: sum(1 for x in data.emotions if x and e in x) for e in ALL_EMOTIONS}
    counts = {k: n for k, n in counts.items() if n}
    thin = {k: n for k, n in counts.items() if n < MIN_PER_CLASS}
    if task == "sentiment" and len(counts) == 1:
        thin |= {s: 0 for s in SENTIMENTS if s not in counts}
    if thin or not counts:
        detail = ", ".join(f"{k}: {n}" for k, n in thin.items()) or "no labelled rows"
        if task == "sentiment" and len(counts) == 1:
            detail += "; sentiment needs at least two of the three classes"
        column = "sentiment" if task == "sentiment" else "emotions"
        raise ValidationError(
            f"{name}: too few examples per class (at least {MIN_PER_CLASS}): {detail}",
            [Fault(f"too few examples ({detail})", field=column)],
        )
