"""Learning a customer's own domain (`cxm text train --task sentiment`) against the simple
baseline of FIELD-NOTES (word and character TF-IDF with logistic regression, learnt from the
same texts alone).

A stand-in for a customer's labelled reviews in a domain and language the model has not
learnt sentiment from: CEDR's Russian sentences with their derived sentiment, read by the
shipped model with its sentiment weights replaced by ones learnt from GoEmotions (English)
alone. Four fifths of CEDR's sentiment rows (seed 1) give the training files of each size,
the other fifth is the test. Both methods see only the training file: cxm's correction
chooses its strength by cross-validation on it (as `cxm text train` does), the baseline its
C among 1, 4 and 10 by 3-fold cross-validation on it too. Three-way macro-F1, then two-way
(negative and positive texts only, files without neutral).

Run: PYTHONPATH=src python bench/text_training.py --data ../shared/data/text
     [--sizes 500 1500 4000]   (about 8 minutes on two cores)
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from cxm.text.builtin import SHIPPED, BuiltinModel, adapt, fit_sentiment
from cxm.text.corpora import read_cedr, read_goemotions
from cxm.text.labels import Labelled


def _baseline(train: Labelled, test: Labelled) -> float:
    """The FIELD-NOTES baseline, C chosen by 3-fold cross-validation on ``train``."""

    def features(fit: list[str], *others: list[str]) -> list[Any]:
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                min_df=2)  # fmt: skip
        out = [hstack([words.fit_transform(fit), chars.fit_transform(fit)]).tocsr()]
        out += [hstack([words.transform(o), chars.transform(o)]).tocsr() for o in others]
        return out

    y = np.array(train.sentiment)
    folds = StratifiedKFold(3, shuffle=True, random_state=1)
    best, best_c = -1.0, 1.0
    for c in (1.0, 4.0, 10.0):
        guess = np.empty_like(y)
        for fit, held in folds.split(train.texts, y):
            x_fit, x_held = features([train.texts[i] for i in fit], [train.texts[i] for i in held])
            model = LogisticRegression(C=c, max_iter=2_000, class_weight="balanced")
            guess[held] = model.fit(x_fit, y[fit]).predict(x_held)
        score = float(f1_score(y, guess, average="macro"))
        if score > best:
            best, best_c = score, c
    x_train, x_test = features(train.texts, test.texts)
    model = LogisticRegression(C=best_c, max_iter=2_000, class_weight="balanced")
    return float(f1_score(test.sentiment, model.fit(x_train, y).predict(x_test), average="macro"))


def _score(model: BuiltinModel, test: Labelled, two_way: bool) -> float:
    read = model.score(test.texts)
    guess = (
        ["positive" if r.sentiment_score > 0 else "negative" for r in read]
        if two_way else [r.sentiment for r in read]
    )  # fmt: skip
    return float(f1_score(test.sentiment, guess, average="macro"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/text"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1500, 4000])
    args = parser.parse_args()
    started = time.perf_counter()
    coef, intercept = fit_sentiment(read_goemotions(args.data / "goemotions", "train"))
    shipped = BuiltinModel.load(SHIPPED)
    base = BuiltinModel(
        "bench-goemotions-sentiment", coef, intercept, shipped.emotion_coef,
        shipped.emotion_intercept, shipped.thresholds, shipped.cyrillic, shipped.latin,
        polarity=shipped.polarity, ukrainian=shipped.ukrainian,
    )  # fmt: skip
    cedr = read_cedr(args.data / "cedr" / "train.csv")
    rows = [i for i, s in enumerate(cedr.sentiment) if s is not None]
    random.Random(1).shuffle(rows)
    cut = int(len(rows) * 0.8)
    print(f"base sentiment learnt from GoEmotions in {time.perf_counter() - started:.0f} s")
    print(f"{'reading':<10} {'texts':>6} {'no training':>12} {'cxm train':>10} {'baseline':>9} "
          f"{'train s':>8}")  # fmt: skip
    for two_way in (False, True):
        keep = [i for i in rows if not two_way or cedr.sentiment[i] != "neutral"]
        train_rows = [i for i in rows[:cut] if i in set(keep)]
        test = cedr.subset([i for i in rows[cut:] if i in set(keep)])
        zero = _score(base, test, two_way)
        for size in args.sizes:
            train = cedr.subset(train_rows[:size])
            began = time.perf_counter()
            own, _ = adapt(base, train)
            took = time.perf_counter() - began
            print(f"{'two-way' if two_way else 'three-way':<10} {len(train):>6} {zero:>12.3f} "
                  f"{_score(own, test, two_way):>10.3f} {_baseline(train, test):>9.3f} "
                  f"{took:>8.0f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
