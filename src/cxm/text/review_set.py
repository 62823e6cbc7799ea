"""Sentiment figures per language and per split of a labelled file (e.g. tests/data/reviews.csv).

A labelled file may carry a ``language`` column (uk, ru, en ...) and a ``split`` column
(dev, test): the figures are then given for every split, every language and every split and
language together, beside the whole file's, so that a set written in halves (one to
develop against, one held out) reports each half on its own.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from cxm.text.evaluation import sentiment_report
from cxm.text.labels import Labelled


def row_groups(path: Path) -> list[tuple[str, str]]:
    """(split, language) of each non-empty row of a labelled CSV, in file order (the rows
    ``read_labelled`` keeps); blanks where a column is missing."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [
            ((row.get("split") or "").strip(), (row.get("language") or "").strip())
            for row in csv.DictReader(fh)
            if (row.get("text") or "").strip()
        ]


def group_keys(split: str, language: str) -> list[str]:
    """The groups one row counts in: all, its split, its language and both ("test/uk")."""
    keys = ["all"] + [k for k in (split, language) if k]
    return keys + ([f"{split}/{language}"] if split and language else [])


def sentiment_by_group(
    model: Any, data: Labelled, groups: list[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """The sentiment report of each group of rows (see ``group_keys``), groups sorted."""
    rows = [i for i, s in enumerate(data.sentiment) if s is not None]
    scored = model.score([data.texts[i] for i in rows])
    members: dict[str, list[int]] = {}
    for k, i in enumerate(rows):
        for key in group_keys(*groups[i]):
            members.setdefault(key, []).append(k)
    return {
        key: sentiment_report(
            [data.sentiment[rows[k]] or "" for k in ks],
            [scored[k].sentiment for k in ks],
            [scored[k].sentiment_score for k in ks],
        )
        for key, ks in sorted(members.items())
    }


REPORT = Path(__file__).resolve().parent / "models" / "review-metrics.json"


def review_report(model: Any, path: Path, out: Path | None = None) -> dict[str, Any]:
    """``model``'s figures per group of the review set at ``path``, written to ``out`` when
    given (``REPORT``: what the Voice page and ``cxm text status`` show as measured
    sentiment)."""
    from cxm.text.labels import read_labelled

    reports = sentiment_by_group(model, read_labelled(path, "sentiment"), row_groups(path))
    found = {
        "model": model.version,
        "groups": {
            key: {
                "n": r["n"],
                "macro_f1": round(r["macro_f1"], 4),
                "accuracy": round(r["accuracy"], 4),
                "two_way_accuracy": round(r.get("two_way", r)["accuracy"], 4),
            }
            for key, r in reports.items()
        },
    }
    if out is not None:
        out.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    return found


def main() -> None:
    """``python -m cxm.text.review_set FILE [--write] [--model NPZ] [--train LABELS]``: the
    figures per group of the shipped model (or of the model file ``--model``, read with the
    review polarity lexicon as the shipped one is), after learning ``--train``'s labels as
    ``cxm text train --task sentiment`` does, when given."""
    import argparse

    from cxm.text.backends import load_model
    from cxm.text.builtin import SHIPPED, BuiltinModel, adapt
    from cxm.text.labels import read_labelled
    from cxm.text.polarity import WEIGHT

    parser = argparse.ArgumentParser(description="Sentiment figures per group of a file.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--write", action="store_true", help=f"Write them to {REPORT.name}.")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--train", type=Path, default=None)
    args = parser.parse_args()
    if args.write and (args.model or args.train):
        parser.error("--write records the shipped model's figures: no --model or --train")
    model = load_model(SHIPPED)
    if args.model is not None:
        model = BuiltinModel._load(args.model).reading_feedback(model.feedback)
        model.polarity = WEIGHT
    if args.train is not None:
        model, found = adapt(model, read_labelled(args.train, "sentiment"))
        scores = ", ".join(f"{k} {v:.3f}" for k, v in found.scores.items())
        print(f"learnt {args.train.name}: strength {found.strength} (out of fold: {scores})")
    figures = review_report(model, args.file, REPORT if args.write else None)
    for key, r in figures["groups"].items():
        print(f"{key:<11} n = {r['n']:>4}  macro-F1 {r['macro_f1']:.3f}  "
              f"accuracy {r['accuracy']:.3f}  two-way {r['two_way_accuracy']:.3f}")  # fmt: skip
    if args.write:
        print(f"written to {REPORT}")


if __name__ == "__main__":
    main()
