"""Build and measure the builtin sentiment model alone (``python -m cxm.text.build
--sentiment-only [--write]``).

The shipped sentiment is one model over every language, learnt from the sentiment the
emotion labels of GoEmotions and CEDR imply, from the team's Ukrainian sentences and from
reviews the team wrote and labelled for it (``tests/data/reviews_written.csv``, each counted
``REVIEW_WEIGHT`` times). None of the review set (``tests/data/reviews.csv``) trains it: its
``test``, ``fresh`` and ``products`` parts measure it.

``--sentiment-only`` trains the measured model (GoEmotions train and CEDR without the
held-out fifth and without any of the Ukrainian set) without and with the written reviews
and prints each without and with the review polarity lexicon. With ``--write`` it then
trains the shipped sentiment on everything, puts it into the model file in place of the
file's sentiment (its emotion models stay) and writes the measured model's figures into the
file's metrics.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from cxm.text.builtin import BuiltinModel, fit_sentiment, with_scripts
from cxm.text.evaluation import evaluate
from cxm.text.features import N_FEATURES
from cxm.text.labels import EMOTIONS, Labelled, read_labelled
from cxm.text.polarity import WEIGHT as POLARITY_WEIGHT
from cxm.text.review_set import row_groups, sentiment_by_group

REVIEWS_WRITTEN = Path(__file__).resolve().parents[3] / "tests" / "data" / "reviews_written.csv"
REVIEW_WEIGHT = 8  # each written review counts eight times (chosen on a fifth of them held out)


def written_reviews(path: Path = REVIEWS_WRITTEN, weight: int = REVIEW_WEIGHT) -> Labelled:
    """The team's written reviews as the sentiment model learns them: each ``weight`` times."""
    once = read_labelled(path, "sentiment")
    out = Labelled()
    for _ in range(weight):
        out.extend(once)
    return out


def sentiment_model(train: Labelled) -> BuiltinModel:
    """A model that reads sentiment alone, learnt from ``train`` (no emotion is predicted)."""
    coef, intercept = fit_sentiment(train)
    return BuiltinModel(
        "measured", coef, intercept, np.zeros((len(EMOTIONS), N_FEATURES), np.float32),
        np.full(len(EMOTIONS), -20.0, np.float32), np.full((2, len(EMOTIONS)), 0.5, np.float32),
    )  # fmt: skip


def measure(model: BuiltinModel, sets: dict[str, Labelled], reviews: Path) -> dict[str, Any]:
    """``model``'s sentiment figures on the named sets and on each group of the review set."""
    found: dict[str, Any] = {
        name: evaluate(model, data, "sentiment") for name, data in sets.items()
    }
    labelled = read_labelled(reviews, "sentiment")
    for key, r in sentiment_by_group(model, labelled, row_groups(reviews)).items():
        found[f"reviews {key}"] = r
    return found


def sentiment_only(
    args: Any, measured_train: Labelled, everything: Labelled, sets: dict[str, Labelled]
) -> None:
    """Print the measured model's figures without and with the written reviews, each without
    and with the polarity lexicon; with ``args.write``, ship the sentiment learnt from
    ``everything`` and the written reviews (see the module's text)."""
    started = time.perf_counter()
    written = written_reviews(args.written)
    with_written: dict[str, Any] = {}
    for name, extra in (("without written reviews", Labelled()), ("with them", written)):
        model = sentiment_model(Labelled().extend(measured_train).extend(extra))
        print(f"{name}: trained ({time.perf_counter() - started:.0f} s)", flush=True)
        for weight in (0.0, POLARITY_WEIGHT):
            model.polarity = weight
            found = measure(model, sets, args.reviews)
            print(f"  review polarity weight {weight}:")
            for key, r in found.items():
                print(f"    {key:<20} n = {r['n']:>5}  macro-F1 {r['macro_f1']:.3f}  "
                      f"binary acc {r['binary_accuracy'] or 0:.3f}")  # fmt: skip
        with_written = found
    if args.write:
        _ship(args.out, Labelled().extend(everything).extend(written), with_written, started)


def _ship(out: Path, train: Labelled, found: dict[str, Any], started: float) -> None:
    shipped = BuiltinModel._load(out)  # as stored: no polarity weight or suffix added
    coef, intercept = fit_sentiment(train)
    shipped.sentiment_coef, shipped.sentiment_intercept = coef, intercept
    final = with_scripts(shipped, shipped.cyrillic, shipped.latin, shipped.ukrainian)
    final.save(out)
    metrics = out.with_name("builtin-metrics.json")
    report: dict[str, Any] = json.loads(metrics.read_text(encoding="utf-8"))
    for name in ("en_goemotions_dev", "ru_cedr_heldout", "uk_zero_shot"):
        report.setdefault(name, {})["sentiment"] = found[name]
    report["version"] = final.version
    report["sentiment_build"] = {
        "built": time.strftime("%Y-%m-%d"),
        "seconds": round(time.perf_counter() - started),
        "review_weight": REVIEW_WEIGHT,
        "note": "sentiment figures from --sentiment-only --write, with the review polarity "
        "lexicon; uk_cross_validated's sentiment is from the build of " + str(report.get("built")),
    }
    metrics.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB), figures in {metrics}")
