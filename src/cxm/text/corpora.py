"""Published labelled corpora in their own formats, so that their files (held-out test
splits included) can be judged and trained on as they are published, without conversion.

- GoEmotions (English; Demszky et al., 2020): a TSV of ``text<TAB>label ids<TAB>comment
  id`` whose label names are in ``labels.txt`` beside it (``ekman/``: anger ... surprise
  and neutral; ``group/``: positive, negative, ambiguous, neutral) or, for the file of the
  27 emotions, ``emotions.txt``. Those 27 are read through the corpus's published mapping
  onto Ekman's six emotions and onto sentiment (``EKMAN``, ``GROUPS``); gratitude and
  disappointment are also kept as themselves (``FEEDBACK_EMOTIONS``).
- CEDR (Russian; Sboev et al., 2021): a CSV with ``text`` and ``labels``, a list of ids
  written numpy-style (``[1 4]``, ``[]``): 0 joy, 1 sadness, 2 surprise, 3 fear, 4 anger.

A text's sentiment is its group's when all its labels fall in one (ambiguous: none); CEDR's
is derived from its emotions (see ``read_cedr``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

from cxm.core.errors import Fault, ValidationError
from cxm.text.labels import FEEDBACK_EMOTIONS, Labelled, check_counts, read_labelled

CEDR_NAMES = ("joy", "sadness", "surprise", "fear", "anger")
# GoEmotions' published mapping of its 27 emotions onto Ekman's six and onto sentiment.
EKMAN = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
            "relief", "pride", "admiration", "desire", "caring"),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
}  # fmt: skip
GROUPS = {
    "positive": ("amusement", "excitement", "joy", "love", "desire", "optimism", "caring",
                 "pride", "admiration", "gratitude", "relief", "approval"),
    "negative": ("fear", "nervousness", "remorse", "embarrassment", "disappointment",
                 "sadness", "grief", "disgust", "anger", "annoyance", "disapproval"),
    "ambiguous": ("realization", "surprise", "curiosity", "confusion"),
}  # fmt: skip
_TO_EKMAN = {fine: coarse for coarse, fines in EKMAN.items() for fine in fines}
_TO_GROUP = {fine: group for group, fines in GROUPS.items() for fine in fines}
_IDS = re.compile(r"^\d+(,\d+)*$")


def read_any(path: Path, task: str | None = None) -> Labelled:
    """A labelled file in cxm's format or a published corpus's (recognized by its shape),
    checked for ``task`` as ``read_labelled`` checks it."""
    reader = _corpus_reader(path)
    if reader is None:
        return read_labelled(path, task)
    data = reader(path)
    if task:
        if task == "sentiment" and all(s is None for s in data.sentiment):
            raise ValidationError(
                f"{path.name} labels emotions, not sentiment (GoEmotions' sentiment is in group/)",
                [Fault("no sentiment labels", field="sentiment")],
            )
        check_counts(data, task, path.name)
    return data


def _corpus_reader(path: Path) -> Callable[[Path], Labelled] | None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline().rstrip("\r\n")
            fh.seek(0)
            row = next(csv.DictReader(fh), None)
    except (UnicodeDecodeError, csv.Error):
        return None
    cells = first.split("\t")
    if path.suffix == ".tsv" and len(cells) == 3 and _IDS.match(cells[1]):
        return read_goemotions_file
    # CEDR: text and labels, the labels a bracketed list of ids ("labels" naming emotions
    # or sentiments is cxm's own format with another column name).
    if row and "text" in row and (row.get("labels") or "").strip().startswith("["):
        return read_cedr
    return None


def read_goemotions_file(path: Path) -> Labelled:
    """One GoEmotions file (see the module's docstring for where its names come from)."""
    names_file = path.with_name("labels.txt")
    if not names_file.exists():
        names_file = path.with_name("emotions.txt")
    if not names_file.exists():
        raise ValidationError(
            f"{path.name} looks like GoEmotions but has no labels.txt or emotions.txt beside it",
            [Fault("label names not found", field="file")],
        )
    names = names_file.read_text(encoding="utf-8").split()
    kind = (
        "group" if set(names) <= {"positive", "negative", "ambiguous", "neutral"}
        else "ekman" if set(names) <= {*EKMAN, "neutral"}
        else "fine" if set(names) <= {*_TO_EKMAN, "neutral"}
        else None
    )  # fmt: skip
    if kind is None:
        unknown = sorted(set(names) - {*_TO_EKMAN, *GROUPS, "neutral"})
        raise ValidationError(
            f"{names_file.name} names labels GoEmotions does not have: {', '.join(unknown[:5])}",
            [Fault("unknown label names", field="file")],
        )
    faults: list[Fault] = []
    out = Labelled()
    with path.open(encoding="utf-8") as fh:
        for row, line in enumerate(fh, start=1):
            cells = line.rstrip("\r\n").split("\t")
            if len(cells) < 2 or not _IDS.match(cells[1]):
                faults.append(Fault("expected text, label ids, id", field="labels", index=row))
                continue
            ids = [int(i) for i in cells[1].split(",")]
            if max(ids) >= len(names):
                faults.append(Fault(f"unknown label id {max(ids)}", field="labels", index=row))
                continue
            sentiment, emotions = _goemotions_labels({names[i] for i in ids}, kind)
            out.add(cells[0], sentiment, emotions, "en")
    if faults:
        raise ValidationError(f"{path.name}: {len(faults)} row(s) refused", faults[:50])
    return out


def _goemotions_labels(given: set[str], kind: str) -> tuple[str | None, frozenset[str] | None]:
    """The sentiment and emotions of one row of a ``kind`` (group, ekman, fine) file."""
    emotions = None if kind == "group" else frozenset(_TO_EKMAN.get(n, n) for n in given)
    if emotions is not None:
        emotions -= {"neutral"}
        if kind == "fine":  # read beside the six, as themselves
            emotions |= given & set(FEEDBACK_EMOTIONS)
    if kind == "group":
        group = given
    elif kind == "fine":
        group = {_TO_GROUP.get(n, n) for n in given}  # neutral stays neutral
    else:
        group = set()  # Ekman's names say nothing of sentiment
    sentiment = next(iter(group)) if len(group) == 1 else None
    return (None if sentiment == "ambiguous" else sentiment), emotions


def read_goemotions(directory: Path, split: str) -> Labelled:
    """GoEmotions (English): Ekman emotions and the positive/negative/neutral grouping."""
    emotions = read_goemotions_file(directory / "ekman" / f"{split}.tsv")
    groups = read_goemotions_file(directory / "group" / f"{split}.tsv")
    out = Labelled()
    for text, sentiment, found in zip(
        emotions.texts, groups.sentiment, emotions.emotions, strict=True
    ):
        out.add(text, sentiment, found, "en")
    return out


def read_cedr(path: Path) -> Labelled:
    """CEDR (Russian): five emotions; sentiment derived (joy positive; sadness, fear and
    anger negative; none neutral; surprise alone left without a sentiment)."""
    faults: list[Fault] = []
    out = Labelled()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row_number, row in enumerate(csv.DictReader(fh), start=1):
            raw = (row.get("labels") or "").strip()
            if not re.fullmatch(r"\[\s*(\d\s*)*\]", raw) or any(
                int(x) >= len(CEDR_NAMES) for x in raw.strip("[]").split()
            ):
                faults.append(Fault(f"not a list of ids 0-4: {raw!r}", field="labels",
                                    index=row_number))  # fmt: skip
                continue
            names = frozenset(CEDR_NAMES[int(i)] for i in raw.strip("[]").split())
            if not names:
                sentiment: str | None = "neutral"
            elif names & {"sadness", "fear", "anger"} and "joy" not in names:
                sentiment = "negative"
            elif names == {"joy"} or names == {"joy", "surprise"}:
                sentiment = "positive"
            else:
                sentiment = None
            out.add(row.get("text") or "", sentiment, names, "ru")
    if faults:
        raise ValidationError(f"{path.name}: {len(faults)} row(s) refused", faults[:50])
    return out
