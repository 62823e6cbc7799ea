"""Texts labelled with taxonomy themes, and how well a taxonomy reads them.

A theme-labelled file is a CSV with ``text`` and ``themes``: space-separated keys of the
organization's taxonomy (``delivery``, ``delivery/late``; commas, semicolons and bars
separate too), or ``none`` for a text with no theme. An optional ``language`` column (uk,
ru, en) says which lemmatizer reads a text; without it the language is told from the script.

A sub-theme label counts for its theme too (``delivery/late`` is also ``delivery``), as a
reading does. The file is taken as a complete labelling of the keys it names and of their
themes: a text not labelled with one of those keys is a text without it. Keys the file never
names are not judged (a reading of them is neither right nor wrong), so a file may label only
the themes it cares about. Bad files are refused naming the row and column at fault.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxm.core.errors import Fault, ValidationError
from cxm.text.labels import MIN_PER_CLASS, refusing_unreadable
from cxm.text.lemmas import LANGUAGES
from cxm.text.taxonomy import Taxonomy
from cxm.text.themes import read_themes

NONE = frozenset({"none", "-"})


@dataclass
class ThemeLabels:
    texts: list[str] = field(default_factory=list)
    themes: list[frozenset[str]] = field(default_factory=list)  # keys as labelled
    language: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, rows: Sequence[int]) -> ThemeLabels:
        return ThemeLabels([self.texts[i] for i in rows], [self.themes[i] for i in rows],
                           [self.language[i] for i in rows])  # fmt: skip

    def truth(self) -> list[frozenset[str]]:
        """Each text's keys with the themes of its sub-themes added."""
        return [with_parents(t) for t in self.themes]

    def judged(self) -> list[str]:
        """The keys the file names and their themes, sorted."""
        return sorted(set().union(*self.truth()) if self.texts else set())


def with_parents(keys: frozenset[str] | set[str]) -> frozenset[str]:
    return frozenset(keys) | {k.split("/")[0] for k in keys}


def read_theme_labels(path: Path, taxonomy: Taxonomy) -> ThemeLabels:
    """A theme-labelled CSV checked against ``taxonomy``; ValidationError names the row and
    column of every fault (rows counted from 1 after the header)."""

    def read() -> ThemeLabels:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _read(csv.DictReader(fh), path.name, taxonomy)

    return refusing_unreadable(path, read)


def _read(reader: csv.DictReader[str], name: str, taxonomy: Taxonomy) -> ThemeLabels:
    missing = sorted({"text", "themes"} - set(reader.fieldnames or []))
    if missing:
        raise ValidationError(
            f"{name} has no column {', '.join(missing)}",
            [Fault("missing column", field=m) for m in missing],
        )
    known = set(taxonomy.theme_keys())
    faults: list[Fault] = []
    out = ThemeLabels()
    for row_number, row in enumerate(reader, start=1):
        text = (row.get("text") or "").strip()
        if not text:
            faults.append(Fault("is empty", field="text", index=row_number))
            continue
        raw = (row.get("themes") or "").strip().lower()
        keys = frozenset(re.split(r"[\s,;|]+", raw)) - {""}
        if not keys:
            faults.append(Fault("is empty (write none for a text without a theme)",
                                field="themes", index=row_number))  # fmt: skip
            continue
        if keys <= NONE:
            keys = frozenset()
        unknown = sorted(keys - known)
        if unknown:
            reason = f"unknown theme {unknown[0]!r} (not in taxonomy {taxonomy.version})"
            faults.append(Fault(reason, field="themes", index=row_number))
            continue
        language = (row.get("language") or "").strip().lower() or None
        if language is not None and language not in LANGUAGES:
            faults.append(Fault(f"language must be uk, ru or en; got {language!r}",
                                field="language", index=row_number))  # fmt: skip
            continue
        out.texts.append(text)
        out.themes.append(keys)
        out.language.append(language)
    if faults:
        raise ValidationError(f"{name}: {len(faults)} row(s) refused", faults[:50])
    check_theme_counts(out, name)
    return out


def check_theme_counts(data: ThemeLabels, name: str) -> None:
    """Refuse a file with fewer than MIN_PER_CLASS texts of a key it names (a sub-theme's
    texts count for its theme too) or naming no theme at all."""
    truth = data.truth()
    counts = {k: sum(1 for t in truth if k in t) for k in data.judged()}
    thin = {k: n for k, n in counts.items() if n < MIN_PER_CLASS}
    if thin or not counts:
        detail = ", ".join(f"{k}: {n}" for k, n in thin.items()) or "no text has a theme"
        raise ValidationError(
            f"{name}: too few examples per theme (at least {MIN_PER_CLASS}): {detail}",
            [Fault(f"too few examples ({detail})", field="themes")],
        )


def read_all(data: ThemeLabels, taxonomy: Taxonomy) -> list[frozenset[str]]:
    """The theme keys the taxonomy reads in each text."""
    return [
        frozenset(read_themes(text, language, taxonomy).themes)
        for text, language in zip(data.texts, data.language, strict=True)
    ]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def theme_report(
    truth: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]], keys: Sequence[str]
) -> dict[str, Any]:
    """Per key precision, recall, F1 and n (texts labelled with it), their micro F1 (counts
    pooled over the keys) and macro F1 (the mean of the keys' F1), and how many readings
    of keys outside ``keys`` were not judged."""
    per: dict[str, Any] = {}
    pooled = [0, 0, 0]
    for key in keys:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if key in t and key in p)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if key not in t and key in p)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if key in t and key not in p)
        precision, recall, f1 = _prf(tp, fp, fn)
        per[key] = {"precision": precision, "recall": recall, "f1": f1, "n": tp + fn}
        pooled = [pooled[0] + tp, pooled[1] + fp, pooled[2] + fn]
    judged = set(keys)
    return {
        "n": len(truth),
        "micro_f1": _prf(*pooled)[2],
        "macro_f1": sum(v["f1"] for v in per.values()) / len(per) if per else 0.0,
        "per_theme": per,
        "unjudged_readings": sum(len(p - judged) for p in predicted),
    }


def evaluate_themes(data: ThemeLabels, taxonomy: Taxonomy) -> dict[str, Any]:
    """The report of ``taxonomy``'s reading of the labelled texts."""
    report = theme_report(data.truth(), read_all(data, taxonomy), data.judged())
    report["taxonomy"] = taxonomy.version
    return report
