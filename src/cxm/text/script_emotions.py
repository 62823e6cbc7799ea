"""The builtin backend's emotion models of one script: Cyrillic (Russian and Ukrainian) and
Latin (English).

Languages differ in their emotions' base rates and wording, and one shared model costs each
of them (Russian: macro-F1 0.636 on held-out CEDR shared against 0.674 alone). A script's
model reads only its own texts: TF-IDF of the same hashed character (2-5) and word (1-2)
n-grams as the shared model, each block weighted by its inverse document frequency in the
script's training texts and scaled to unit length, beside the lexicon counts, and one logistic
regression per emotion. For Latin-script texts each feature is first scaled, per emotion, by
its naive-Bayes log-count ratio (how much likelier a text with the feature has the emotion:
Wang and Manning's NB-SVM, 2012); the scaling is folded into the stored coefficients, so
reading costs one sparse product. (For Cyrillic texts it lifted cross-validated CEDR but not
the held-out fifth, and cost Ukrainian, which no Cyrillic training text is.) Each decision
threshold is chosen for F1 on out-of-fold probabilities (five folds over the
training texts, a text's copies in one fold), so no held-out data tunes it. Stored
compactly: only the n-gram columns seen in training (others weigh nothing), their IDF and
float16 coefficients.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import sparse

from cxm.text.features import CHAR_BITS, MAX_CHARS, WORD_BITS, hashed_counts, scripts
from cxm.text.labels import EMOTIONS, Labelled
from cxm.text.lexicon import CLASSES, matrix

Script = Literal["cyrillic", "latin"]
# Regularization, class weights and naive-Bayes scaling per script, chosen by cross-
# validation inside the training splits (CEDR's 80%; a tenth of GoEmotions train held out of
# its other nine tenths).
SETTINGS: dict[str, tuple[float, str | None, bool]] = {
    "cyrillic": (10.0, "balanced", False),
    "latin": (0.6, None, True),
}
PREFIX = {"cyrillic": "cyr", "latin": "lat"}
UKRAINIAN = "ukr"  # the prefix of the Ukrainian model, a Cyrillic-script one
FOLDS = 5
MIN_ROWS = 500  # fewer rows of the script with emotion labels: no model of its own
NB_ALPHA = 1.0  # smoothing of the naive-Bayes feature counts
WIDTH = 2**CHAR_BITS + 2**WORD_BITS
_GRID = np.linspace(0.05, 0.9, 86)


def of_script(texts: list[str], script: Script, share: Any = None) -> np.ndarray:
    """Which texts are mostly written in ``script`` (boolean mask; ``share``: the texts'
    ``scripts``, when already computed)."""
    return (scripts(texts) if share is None else share)[:, 0 if script == "cyrillic" else 1] > 0.5


_UKRAINIAN_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN_LETTERS = re.compile(r"[ыэъёЫЭЪЁ]")


def of_ukrainian(texts: list[str], share: Any = None) -> np.ndarray:
    """Which texts are mostly Cyrillic and spelled in Ukrainian: more of the letters only
    Ukrainian has (і, ї, є, ґ) than of those only Russian has (ы, э, ъ, ё). One Ukrainian
    sentence in a few words has an і; a Russian one none."""
    cyrillic = of_script(texts, "cyrillic", share)
    return np.array(
        [
            bool(mostly)
            and len(_UKRAINIAN_LETTERS.findall(t[:MAX_CHARS]))
            > len(_RUSSIAN_LETTERS.findall(t[:MAX_CHARS]))
            for t, mostly in zip(texts, cyrillic, strict=True)
        ],
        dtype=bool,
    )


@dataclass
class ScriptEmotions:
    script: Script
    columns: np.ndarray  # (k,) int32: n-gram columns seen in training
    idf: np.ndarray  # (k,) their inverse document frequencies
    default_idf: float  # of columns never seen
    coef: np.ndarray  # (e, k + len(CLASSES)): n-gram columns, then the lexicon counts
    intercept: np.ndarray  # (e,)
    thresholds: np.ndarray  # (e,)
    names: tuple[str, ...] = EMOTIONS  # the e emotions it reads, in the rows' order
    prefix: str = ""  # of its arrays in a model file (default: the script's)

    def __post_init__(self) -> None:
        self._idf = np.full(WIDTH, self.default_idf, dtype=np.float32)
        self._idf[self.columns] = self.idf
        full = np.zeros((len(self.names), WIDTH + len(CLASSES)), dtype=np.float32)
        full[:, self.columns] = self.coef[:, : len(self.columns)]
        full[:, WIDTH:] = self.coef[:, len(self.columns) :]
        self._coef = full

    def probabilities(
        self, texts: list[str], counts: Any = None, lexicon: Any = None
    ) -> np.ndarray:
        """(n, e) emotion probabilities (``counts``, ``lexicon``: see ``featurize``)."""
        x = _features(texts, self._idf, counts, lexicon)
        return np.asarray(1 / (1 + np.exp(-(x @ self._coef.T + self.intercept))))

    def arrays(self) -> dict[str, np.ndarray]:
        p = self.prefix or PREFIX[self.script]
        return {
            f"{p}_columns": self.columns.astype(np.int32),
            f"{p}_idf": self.idf.astype(np.float16),
            f"{p}_default_idf": np.array(self.default_idf, dtype=np.float32),
            f"{p}_coef": self.coef.astype(np.float16),
            f"{p}_intercept": self.intercept.astype(np.float32),
            f"{p}_thresholds": self.thresholds.astype(np.float32),
        }

    @classmethod
    def from_arrays(
        cls, z: Any, script: Script, names: tuple[str, ...] = EMOTIONS, prefix: str = ""
    ) -> ScriptEmotions | None:
        p = prefix or PREFIX[script]
        if f"{p}_coef" not in z:
            return None
        return cls(
            script,
            z[f"{p}_columns"].astype(np.int64),
            z[f"{p}_idf"].astype(np.float32),
            float(z[f"{p}_default_idf"]),
            z[f"{p}_coef"].astype(np.float32),
            z[f"{p}_intercept"].astype(np.float32),
            z[f"{p}_thresholds"].astype(np.float32),
            names,
            prefix,
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


def log_count_ratio(x: Any, y: np.ndarray, alpha: float = NB_ALPHA) -> np.ndarray:
    """Per column, log of its smoothed share among texts with the emotion over its share
    among texts without (features counted present or absent)."""
    present = x.copy()
    present.data = np.ones_like(present.data)
    p = alpha + np.asarray(present[y].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[~y].sum(axis=0)).ravel()
    return np.asarray(np.log(p / p.sum()) - np.log(q / q.sum()), dtype=np.float32)


def _fit_one(
    x: Any, y: np.ndarray, c: float, weight: str | None, nb: bool
) -> tuple[np.ndarray, float]:
    """Coefficients (any NB scaling folded in) and intercept of one emotion."""
    from sklearn.linear_model import LogisticRegression

    ratio = log_count_ratio(x, y) if nb else np.ones(x.shape[1], dtype=np.float32)
    fitted = LogisticRegression(  # dual: fewer texts than n-gram columns
        C=c, max_iter=300, class_weight=weight, solver="liblinear", dual=True, random_state=0
    ).fit(x @ sparse.diags(ratio), y)
    return fitted.coef_[0] * ratio, float(fitted.intercept_[0])


def fit_script(
    data: Labelled,
    script: Script,
    thresholds: np.ndarray | None = None,
    names: tuple[str, ...] = EMOTIONS,
    settings: tuple[float, str | None, bool] | None = None,
    prefix: str = "",
    tuned_on: Callable[[list[str]], np.ndarray] | None = None,
) -> ScriptEmotions | None:
    """The model of ``names`` trained on the rows of ``data`` in ``script`` that have emotion
    labels (None when there are fewer than MIN_ROWS); thresholds chosen out of fold unless
    given, on the rows ``tuned_on`` keeps (default: all); ``settings`` (C, class weights,
    naive-Bayes scaling) default to the script's."""
    c, weight, nb = settings or SETTINGS[script]
    rows = [i for i, e in enumerate(data.emotions) if e is not None]
    texts = [data.texts[i] for i in rows]
    mine = of_script(texts, script)
    texts = [t for t, keep in zip(texts, mine, strict=True) if keep]
    labels = [data.emotions[i] or frozenset() for i, k in zip(rows, mine, strict=True) if k]
    if len(texts) < MIN_ROWS:
        return None
    counts = hashed_counts(texts)
    df = np.bincount(counts.indices, minlength=WIDTH)
    n = len(texts)
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    x = _features(texts, idf, counts)
    folds = np.array([zlib.crc32(t.encode()) % FOLDS for t in texts])  # copies: one fold
    tuning = np.ones(n, dtype=bool) if tuned_on is None else tuned_on(texts)
    coef = np.zeros((len(names), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(names), -20.0, dtype=np.float32)  # unseen: never predicted
    chosen = np.full(len(names), 0.5, dtype=np.float32)
    for k, name in enumerate(names):
        y = np.array([name in e for e in labels])
        if y.sum() < FOLDS or y.all():
            continue
        if thresholds is None:
            oof = np.zeros(n)
            for f in range(FOLDS):
                part = folds != f
                w, b = _fit_one(x[part], y[part], c, weight, nb)
                oof[~part] = 1 / (1 + np.exp(-(x[~part] @ w + b)))
            judged = tuning if y[tuning].any() else np.ones(n, dtype=bool)
            chosen[k] = _best_threshold(y[judged], oof[judged])
        else:
            chosen[k] = thresholds[k]
        coef[k], intercept[k] = _fit_one(x, y, c, weight, nb)
    seen = np.flatnonzero(df)
    kept = np.concatenate([coef[:, seen], coef[:, WIDTH:]], axis=1)
    return ScriptEmotions(
        script, seen.astype(np.int64), idf[seen], float(np.log(1 + n) + 1), kept, intercept,
        chosen, names, prefix,
    )  # fmt: skip


def fit_cyrillic(data: Labelled, thresholds: np.ndarray | None = None) -> ScriptEmotions | None:
    return fit_script(data, "cyrillic", thresholds)


def fit_ukrainian(data: Labelled, thresholds: np.ndarray | None = None) -> ScriptEmotions | None:
    """The Cyrillic model for texts spelled in Ukrainian (``of_ukrainian``): trained on all the
    Cyrillic rows (Russian ones teach it too), thresholds chosen on the Ukrainian rows."""
    return fit_script(data, "cyrillic", thresholds, prefix=UKRAINIAN, tuned_on=of_ukrainian)


def fit_latin(data: Labelled, thresholds: np.ndarray | None = None) -> ScriptEmotions | None:
    return fit_script(data, "latin", thresholds)
