"""The builtin backend's emotion model for Cyrillic-script texts (Russian and Ukrainian).

English and the Cyrillic languages differ in their emotions' base rates and wording, and
one shared model costs Russian (macro-F1 0.636 on held-out CEDR against 0.674 alone). This
model reads only Cyrillic texts: TF-IDF of the same hashed character (2-5) and word (1-2)
n-grams as the shared model, each block weighted by its inverse document frequency in the
Cyrillic training texts and scaled to unit length, beside the lexicon counts; one balanced
logistic regression per emotion; each decision threshold chosen for F1 on out-of-fold
probabilities (five folds over the training texts, a text's copies in one fold), so no
held-out data tunes it. Stored compactly: only the n-gram columns seen in training (others
weigh nothing), their IDF and float16 coefficients.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from cxm.text.features import CHAR_BITS, WORD_BITS, hashed_counts
from cxm.text.labels import EMOTIONS, Labelled
from cxm.text.lexicon import CLASSES, matrix

C = 10.0
FOLDS = 5
MIN_ROWS = 500  # fewer Cyrillic rows with emotion labels: no separate model
WIDTH = 2**CHAR_BITS + 2**WORD_BITS
_GRID = np.linspace(0.05, 0.9, 86)


@dataclass
class CyrillicEmotions:
    columns: np.ndarray  # (k,) int32: n-gram columns seen in training
    idf: np.ndarray  # (k,) their inverse document frequencies
    default_idf: float  # of columns never seen
    coef: np.ndarray  # (6, k + len(CLASSES)): n-gram columns, then the lexicon counts
    intercept: np.ndarray  # (6,)
    thresholds: np.ndarray  # (6,)

    def __post_init__(self) -> None:
        self._idf = np.full(WIDTH, self.default_idf, dtype=np.float32)
        self._idf[self.columns] = self.idf
        full = np.zeros((len(EMOTIONS), WIDTH + len(CLASSES)), dtype=np.float32)
        full[:, self.columns] = self.coef[:, : len(self.columns)]
        full[:, WIDTH:] = self.coef[:, len(self.columns) :]
        self._coef = full

    def probabilities(
        self, texts: list[str], counts: Any = None, lexicon: Any = None
    ) -> np.ndarray:
        """(n, 6) emotion probabilities (``counts``, ``lexicon``: see ``featurize``)."""
        x = _features(texts, self._idf, counts, lexicon)
        return np.asarray(1 / (1 + np.exp(-(x @ self._coef.T + self.intercept))))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "cyr_columns": self.columns.astype(np.int32),
            "cyr_idf": self.idf.astype(np.float16),
            "cyr_default_idf": np.array(self.default_idf, dtype=np.float32),
            "cyr_coef": self.coef.astype(np.float16),
            "cyr_intercept": self.intercept.astype(np.float32),
            "cyr_thresholds": self.thresholds.astype(np.float32),
        }

    @classmethod
    def from_arrays(cls, z: Any) -> CyrillicEmotions | None:
        if "cyr_coef" not in z:
            return None
        return cls(
            z["cyr_columns"].astype(np.int64),
            z["cyr_idf"].astype(np.float32),
            float(z["cyr_default_idf"]),
            z["cyr_coef"].astype(np.float32),
            z["cyr_intercept"].astype(np.float32),
            z["cyr_thresholds"].astype(np.float32),
        )


def _features(texts: list[str], idf: np.ndarray, counts: Any = None, lexicon: Any = None) -> Any:
    """Sublinear TF x IDF, each n-gram block scaled to unit length, then the lexicon."""
    x = (hashed_counts(texts) if counts is None else counts).astype(np.float32).tocsr()
    x.data = 1 + np.log(x.data)
    x = x.multiply(idf.reshape(1, -1)).tocsr()
    blocks = []
    for start, end in ((0, 2**CHAR_BITS), (2**CHAR_BITS, WIDTH)):
        block = x[:, start:end]
        norms = np.sqrt(np.asarray(block.multiply(block).sum(axis=1))).ravel()
        norms[norms == 0] = 1
        blocks.append(sparse.diags(1 / norms) @ block)
    lexical = matrix(texts) if lexicon is None else lexicon
    return sparse.hstack([*blocks, sparse.csr_matrix(lexical)]).tocsr()


def _best_threshold(truth: np.ndarray, p: np.ndarray) -> float:
    """The grid threshold with the best F1 (the lowest of ties)."""
    above = p[None, :] >= _GRID[:, None]
    hits = (above & truth[None, :]).sum(axis=1)
    f1 = 2 * hits / np.maximum(above.sum(axis=1) + truth.sum(), 1)
    return float(_GRID[int(np.argmax(f1))])


def fit_cyrillic(
    data: Labelled, thresholds: np.ndarray | None = None, c: float = C
) -> CyrillicEmotions | None:
    """The model trained on the Cyrillic rows of ``data`` that have emotion labels (None
    when there are fewer than MIN_ROWS); thresholds chosen out of fold unless given."""
    from sklearn.linear_model import LogisticRegression

    from cxm.text.features import scripts

    rows = [i for i, e in enumerate(data.emotions) if e is not None]
    texts = [data.texts[i] for i in rows]
    cyrillic = scripts(texts)[:, 0] > 0.5
    texts = [t for t, keep in zip(texts, cyrillic, strict=True) if keep]
    labels = [data.emotions[i] or frozenset() for i, k in zip(rows, cyrillic, strict=True) if k]
    if len(texts) < MIN_ROWS:
        return None
    counts = hashed_counts(texts)
    df = np.bincount(counts.indices, minlength=WIDTH)
    n = len(texts)
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    x = _features(texts, idf, counts)
    folds = np.array([zlib.crc32(t.encode()) % FOLDS for t in texts])  # copies: one fold
    coef = np.zeros((len(EMOTIONS), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(EMOTIONS), -20.0, dtype=np.float32)  # unseen: never predicted
    chosen = np.full(len(EMOTIONS), 0.5, dtype=np.float32)
    for k, name in enumerate(EMOTIONS):
        y = np.array([name in e for e in labels])
        if y.sum() < FOLDS or y.all():
            continue

        def model() -> Any:
            return LogisticRegression(  # dual: far fewer texts than n-gram columns
                C=c,
                max_iter=300,
                class_weight="balanced",
                solver="liblinear",
                dual=True,
                random_state=0,
            )

        if thresholds is None:
            oof = np.zeros(n)
            for f in range(FOLDS):
                part = folds != f
                oof[~part] = model().fit(x[part], y[part]).predict_proba(x[~part])[:, 1]
            chosen[k] = _best_threshold(y, oof)
        else:
            chosen[k] = thresholds[k]
        fitted = model().fit(x, y)
        coef[k], intercept[k] = fitted.coef_[0], fitted.intercept_[0]
    seen = np.flatnonzero(df)
    kept = np.concatenate([coef[:, seen], coef[:, WIDTH:]], axis=1)
    return CyrillicEmotions(
        seen.astype(np.int64), idf[seen], float(np.log(1 + n) + 1), kept, intercept, chosen
    )
