"""Labelled text: the shared training sets and the customer's own labelled files.

A labelled file is a CSV with a ``text`` column and ``sentiment`` (negative, neutral,
positive) and/or ``emotions`` (space-separated anger, disgust, fear, joy, sadness,
surprise, or ``none``). Bad files are refused naming the row and column at fault.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from cxm.core.errors import Fault, ValidationError

SENTIMENTS = ("negative", "neutral", "positive")
EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise")
MIN_PER_CLASS = 5


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
    try:
        return _read_labelled(path, task, language)
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
        needed = {"text", "sentiment" if task == "sentiment" else "emotions"} if task else {"text"}
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
            sentiment = (row.get("sentiment") or "").strip().lower() or None
            if sentiment is not None and sentiment not in SENTIMENTS:
                faults.append(
                    Fault(f"unknown label {sentiment!r}", field="sentiment", index=row_number)
                )
                continue
            emotions = _emotions(row.get("emotions"), row_number, faults)
            out.add(text, sentiment, emotions, (row.get("language") or language).strip())
    if faults:
        raise ValidationError(f"{path.name}: {len(faults)} row(s) refused", faults[:50])
    if task:
        check_counts(out, task, path.name)
    return out


def _emotions(raw: str | None, row: int, faults: list[Fault]) -> frozenset[str] | None:
    if raw is None or not raw.strip():
        return None
    names = frozenset(re.split(r"[\s,;|]+", raw.strip().lower())) - {""}
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(EMOTIONS))
    if unknown:
        faults.append(Fault(f"unknown label {unknown[0]!r}", field="emotions", index=row))
        return None
    return names


def check_counts(data: Labelled, task: str, name: str) -> None:
    """Refuse a set with too few examples of any class to learn or judge it."""
    if task == "sentiment":
        counts = {s: sum(1 for x in data.sentiment if x == s) for s in SENTIMENTS}
    else:
        counts = {e: sum(1 for x in data.emotions if x and e in x) for e in EMOTIONS}
        counts = {e: n for e, n in counts.items() if n}  # emotions a file never names are left
    thin = {k: n for k, n in counts.items() if n < MIN_PER_CLASS}
    if thin or not counts:
        detail = ", ".join(f"{k}: {n}" for k, n in thin.items()) or "no labelled rows"
        column = "sentiment" if task == "sentiment" else "emotions"
        raise ValidationError(
            f"{name}: too few examples per class (at least {MIN_PER_CLASS}): {detail}",
            [Fault(f"too few examples ({detail})", field=column)],
        )


def read_goemotions(directory: Path, split: str) -> Labelled:
    """GoEmotions (English): Ekman emotions and the positive/negative/neutral grouping."""
    ekman = (directory / "ekman" / "labels.txt").read_text().split()
    groups = (directory / "group" / "labels.txt").read_text().split()
    out = Labelled()
    with (
        (directory / "ekman" / f"{split}.tsv").open(encoding="utf-8") as fe,
        (directory / "group" / f"{split}.tsv").open(encoding="utf-8") as fg,
    ):
        for line_e, line_g in zip(fe, fg, strict=True):
            text, labels, _ = line_e.rstrip("\n").split("\t")
            _, glabels, _ = line_g.rstrip("\n").split("\t")
            names = {ekman[int(i)] for i in labels.split(",")}
            group = {groups[int(i)] for i in glabels.split(",")}
            sentiment = next(iter(group)) if len(group) == 1 else None
            out.add(
                text,
                None if sentiment == "ambiguous" else sentiment,
                frozenset(names - {"neutral"}),
                "en",
            )
    return out


CEDR_NAMES = ("joy", "sadness", "surprise", "fear", "anger")


def read_cedr(path: Path) -> Labelled:
    """CEDR (Russian): five emotions; sentiment derived (joy positive; sadness, fear and
    anger negative; none neutral; surprise alone left without a sentiment)."""
    out = Labelled()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            ids = [int(x) for x in row["labels"].strip("[]").split()]
            names = frozenset(CEDR_NAMES[i] for i in ids)
            if not names:
                sentiment: str | None = "neutral"
            elif names & {"sadness", "fear", "anger"} and "joy" not in names:
                sentiment = "negative"
            elif names == {"joy"} or names == {"joy", "surprise"}:
                sentiment = "positive"
            else:
                sentiment = None
            out.add(row["text"], sentiment, names, "ru")
    return out
