"""The builtin backend: hashed n-gram features and linear models, shipped in the package.

Sentiment is a three-class logistic regression (negative, neutral, positive); each emotion
is its own binary logistic regression with decision thresholds tuned for F1 on held-out
data, one for Latin-script texts and one for Cyrillic ones (their base rates differ). The
shipped model reads the emotions of Cyrillic-script and of Latin-script texts with a model of
each script's own (``cxm.text.script_emotions``); the shared emotion model reads the rest.
A model is a compressed ``.npz`` of coefficients (float16), intercepts, thresholds and its
version; ``cxm text train`` writes the organization's own into the data directory.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cxm.core.errors import CxmError
from cxm.text.adaptation import Adaptation, adapt_sentiment
from cxm.text.features import N_FEATURES, featurize, hashed_counts, scripts
from cxm.text.feedback_emotions import FeedbackEmotions
from cxm.text.labels import ALL_EMOTIONS, EMOTIONS, SENTIMENTS, Labelled
from cxm.text.lexicon import matrix
from cxm.text.polarity import VERSION as POLARITY_VERSION
from cxm.text.polarity import WEIGHT as POLARITY_WEIGHT
from cxm.text.polarity import adjust
from cxm.text.script_emotions import (
    UKRAINIAN,
    ScriptEmotions,
    fit_cyrillic,
    fit_latin,
    of_script,
    of_ukrainian,
)

SHIPPED = Path(__file__).resolve().parent / "models" / "builtin.npz"


@dataclass
class Scores:
    sentiment: str
    sentiment_score: float  # P(positive) - P(negative), -1 to 1
    confidence: float  # probability of the chosen class
    emotions: dict[str, float]  # intensity 0-1 per emotion (the six, and gratitude,
    # disappointment and trust where the backend reads them)
    labels: list[str]  # emotions above their threshold, or ["none"]
    version: str = ""  # the model that read it, when not the backend's own (a fallback)


@dataclass
class BuiltinModel:
    """The ``builtin`` text backend (see ``cxm.text.backends.TextBackend``)."""

    version: str
    sentiment_coef: np.ndarray  # (3, n_features)
    sentiment_intercept: np.ndarray
    emotion_coef: np.ndarray  # (6, n_features)
    emotion_intercept: np.ndarray
    thresholds: np.ndarray  # (2, 6): Latin-script texts, then Cyrillic
    cyrillic: ScriptEmotions | None = None  # emotions of Cyrillic-script texts, if any
    latin: ScriptEmotions | None = None  # emotions of Latin-script texts, if any
    # How much the review polarity lexicon moves sentiment (``cxm.text.polarity``): the
    # shipped model's sentiment was learnt from emotion labels of social-media posts, so
    # it leans on it; a customer's sentiment correction is fitted with it and keeps it.
    polarity: float = 0.0
    # Gratitude, disappointment and trust (``cxm.text.feedback_emotions``): always the shipped
    # reader, whichever model reads the six; its version ends the model's.
    feedback: FeedbackEmotions | None = None
    # Emotions of Cyrillic texts spelled in Ukrainian (``of_ukrainian``), if any: the Cyrillic
    # model learnt with Ukrainian translations of labelled texts beside the Russian ones.
    ukrainian: ScriptEmotions | None = None

    @classmethod
    def load(cls, path: Path = SHIPPED) -> BuiltinModel:
        model = cls._load(path)
        if path == SHIPPED:  # the shipped sentiment reads reviews with the polarity lexicon
            model.polarity = POLARITY_WEIGHT
            model.version = f"{model.version}-{POLARITY_VERSION}"
        return model.reading_feedback(FeedbackEmotions.load())

    def reading_feedback(self, feedback: FeedbackEmotions | None) -> BuiltinModel:
        """This model reading gratitude, disappointment and trust with ``feedback`` (its version
        names the reader's instead of any earlier one's)."""
        self.version = _FEEDBACK_SUFFIX.sub("", self.version)
        if feedback is not None:
            self.version = f"{self.version}-{feedback.version}"
        self.feedback = feedback
        return self

    @classmethod
    def _load(cls, path: Path) -> BuiltinModel:
        with np.load(path, allow_pickle=False) as z:
            width = int(z["sentiment_coef"].shape[1])
            if width != N_FEATURES:
                raise CxmError(
                    f"{path.name} was trained on {width} features, this version reads "
                    f"{N_FEATURES}: train it again (cxm text train)"
                )
            return cls(
                str(z["version"]),
                z["sentiment_coef"].astype(np.float32),
                z["sentiment_intercept"].astype(np.float32),
                z["emotion_coef"].astype(np.float32),
                z["emotion_intercept"].astype(np.float32),
                np.broadcast_to(z["thresholds"].astype(np.float32), (2, len(EMOTIONS))).copy(),
                ScriptEmotions.from_arrays(z, "cyrillic"),
                ScriptEmotions.from_arrays(z, "latin"),
                float(z["polarity"]) if "polarity" in z else 0.0,
                ukrainian=ScriptEmotions.from_arrays(z, "cyrillic", prefix=UKRAINIAN),
            )

    @property
    def name(self) -> str:
        return "builtin"

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        arrays: dict[str, np.ndarray] = {
            "version": np.array(self.version),
            "sentiment_coef": self.sentiment_coef.astype(np.float16),
            "sentiment_intercept": self.sentiment_intercept,
            "emotion_coef": self.emotion_coef.astype(np.float16),
            "emotion_intercept": self.emotion_intercept,
            "thresholds": self.thresholds,
            "polarity": np.array(self.polarity, dtype=np.float32),
            **(self.cyrillic.arrays() if self.cyrillic else {}),
            **(self.latin.arrays() if self.latin else {}),
            **(self.ukrainian.arrays() if self.ukrainian else {}),
        }
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        path.write_bytes(buffer.getvalue())

    def probabilities(
        self, texts: list[str], features: tuple[Any, np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n, 3) sentiment probabilities and (n, 6) emotion probabilities (``features``:
        the texts' hashed counts, lexicon matrix and script shares, when already computed)."""
        counts, lexicon, share = features or (hashed_counts(texts), matrix(texts), scripts(texts))
        x = featurize(texts, counts, lexicon, share)
        logits = x @ self.sentiment_coef.T + self.sentiment_intercept
        logits = logits - logits.max(axis=1, keepdims=True)
        sentiment = np.exp(logits)
        sentiment /= sentiment.sum(axis=1, keepdims=True)
        sentiment = adjust(np.asarray(sentiment), texts, self.polarity)
        emotion = np.asarray(1 / (1 + np.exp(-(x @ self.emotion_coef.T + self.emotion_intercept))))
        for own in (self.cyrillic, self.latin):
            if own is None:
                continue
            rows = np.flatnonzero(of_script(texts, own.script, share))
            if len(rows):
                emotion[rows] = own.probabilities(
                    [texts[i] for i in rows], counts[rows], lexicon[rows]
                )
        if self.ukrainian is not None:
            rows = np.flatnonzero(of_ukrainian(texts, share))
            if len(rows):
                emotion[rows] = self.ukrainian.probabilities(
                    [texts[i] for i in rows], counts[rows], lexicon[rows]
                )
        return np.asarray(sentiment), emotion

    def cutoffs(self, texts: list[str], share: np.ndarray | None = None) -> np.ndarray:
        """(n, 6) each text's emotion thresholds (by its script; ``share``: the texts'
        script shares, when already computed)."""
        share = scripts(texts) if share is None else share
        cut = np.asarray(self.thresholds[(share[:, 0] > 0.5).astype(int)])
        for own in (self.cyrillic, self.latin):
            if own is not None:
                cut[of_script(texts, own.script, share)] = own.thresholds
        if self.ukrainian is not None:
            cut[of_ukrainian(texts, share)] = self.ukrainian.thresholds
        return cut

    def score(self, texts: list[str]) -> list[Scores]:
        if not texts:
            return []
        features = (hashed_counts(texts), matrix(texts), scripts(texts))
        sentiment, emotion = self.probabilities(texts, features)
        cut = self.cutoffs(texts, features[2])
        if self.feedback is not None:
            more, more_cut = self.feedback.read(texts, *features)
            emotion, cut = np.hstack([emotion, more]), np.hstack([cut, more_cut])
        names = ALL_EMOTIONS[: emotion.shape[1]]
        out = []
        for s, e, c in zip(sentiment, emotion, cut, strict=True):
            best = int(s.argmax())
            above = [names[k] for k in range(len(names)) if e[k] >= c[k]]
            out.append(
                Scores(
                    SENTIMENTS[best],
                    float(s[2] - s[0]),
                    float(s[best]),
                    {names[k]: round(float(e[k]), 4) for k in range(len(names))},
                    above or ["none"],
                )
            )
        return out


def fit_sentiment(train: Labelled, c: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and intercepts of the three-class sentiment model."""
    from sklearn.linear_model import LogisticRegression

    rows = [i for i, s in enumerate(train.sentiment) if s is not None]
    x = featurize([train.texts[i] for i in rows])
    y = np.array([SENTIMENTS.index(train.sentiment[i] or "") for i in rows])
    big = len(rows) > 20_000  # saga for the shared sets; lbfgs converges on a customer's file
    model = LogisticRegression(
        C=c,
        max_iter=300 if big else 2_000,
        class_weight="balanced",
        solver="saga" if big else "lbfgs",
    )
    model.fit(x, y)
    coef = np.zeros((len(SENTIMENTS), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(SENTIMENTS), dtype=np.float32)
    if len(model.classes_) == 2:  # binary: one row of coefficients for the second class
        coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], model.intercept_[0]
    else:
        coef[model.classes_] = model.coef_
        intercept[model.classes_] = model.intercept_
    return coef, intercept


def fit_emotions(
    train: Labelled, tune: Labelled | None = None, c: float = 4.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-emotion coefficients, intercepts and F1-tuned thresholds (on ``tune``), the
    latter per script: (2, 6), Latin-script texts then Cyrillic."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    rows = [i for i, e in enumerate(train.emotions) if e is not None]
    x = featurize([train.texts[i] for i in rows])
    held = tune if tune is not None else train
    h_rows = [i for i, e in enumerate(held.emotions) if e is not None]
    xh = featurize([held.texts[i] for i in h_rows])
    h_script = scripts([held.texts[i] for i in h_rows])[:, 0] > 0.5
    coef = np.zeros((len(EMOTIONS), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(EMOTIONS), -20.0, dtype=np.float32)  # unseen: never predicted
    thresholds = np.full((2, len(EMOTIONS)), 0.5, dtype=np.float32)
    for k, name in enumerate(EMOTIONS):
        target = np.array([name in (train.emotions[i] or ()) for i in rows])
        if target.sum() < 2 or target.all():
            continue
        model = LogisticRegression(C=c, max_iter=300, class_weight="balanced", solver="liblinear")
        model.fit(x, target)
        coef[k], intercept[k] = model.coef_[0], model.intercept_[0]
        truth = np.array([name in (held.emotions[i] or ()) for i in h_rows])
        p = 1 / (1 + np.exp(-(xh @ coef[k] + intercept[k])))
        grid = np.linspace(0.2, 0.9, 29)
        for group in (0, 1):  # a script with no example of the emotion keeps the other's
            mine = h_script == bool(group)
            if truth[mine].sum() == 0:
                mine = np.ones_like(mine)
            if truth[mine].sum() == 0:
                continue
            f1 = [f1_score(truth[mine], p[mine] >= t, zero_division=0) for t in grid]
            thresholds[group, k] = grid[int(np.argmax(f1))]
    return coef, intercept, thresholds


_FEEDBACK_SUFFIX = re.compile(r"-fe[0-9a-f]{6}$")


def _version(*arrays: np.ndarray) -> str:
    digest = hashlib.sha1(b"".join(a.tobytes()[:1_000_000] for a in arrays)).hexdigest()
    return f"builtin-{digest[:10]}"


def fit(
    train: Labelled, tune: Labelled | None = None, c: float = 4.0, by_script: bool = True
) -> BuiltinModel:
    """Train both models; emotion thresholds are tuned on ``tune`` (else on ``train``). With
    ``by_script``, the Cyrillic and the Latin rows also train their scripts' emotion models."""
    coef, intercept = fit_sentiment(train, c)
    e_coef, e_intercept, thresholds = fit_emotions(train, tune, c)
    model = BuiltinModel("", coef, intercept, e_coef, e_intercept, thresholds)
    if by_script:
        return with_scripts(model, fit_cyrillic(train), fit_latin(train))
    model.version = _version(coef, e_coef)
    return model


def with_scripts(
    model: BuiltinModel,
    cyrillic: ScriptEmotions | None,
    latin: ScriptEmotions | None,
    ukrainian: ScriptEmotions | None = None,
) -> BuiltinModel:
    """``model`` with other emotion models of the scripts and of Ukrainian (or none), under a
    new version."""
    extra = [own.coef for own in (cyrillic, latin, ukrainian) if own is not None]
    return BuiltinModel(
        _version(model.sentiment_coef, model.emotion_coef, *extra), model.sentiment_coef,
        model.sentiment_intercept, model.emotion_coef, model.emotion_intercept,
        model.thresholds, cyrillic, latin, model.polarity, ukrainian=ukrainian,
    ).reading_feedback(model.feedback)  # fmt: skip


def retrain(base: BuiltinModel, data: Labelled, task: str) -> BuiltinModel:
    """``base`` with one task learnt again from ``data``: sentiment as a correction of the
    shipped weights (``cxm.text.adaptation``), emotions anew (a fifth held out tunes the
    thresholds)."""
    if task == "sentiment":
        return adapt(base, data)[0]
    rows = list(range(len(data)))
    tune = data.subset(rows[::5]) if len(rows) >= 25 else None
    e_coef, e_intercept, thresholds = fit_emotions(data, tune)
    # The customer's own emotions replace the shipped ones in every script; sentiment (and
    # the polarity lexicon's part in it) stays.
    suffix = f"-{POLARITY_VERSION}" if base.polarity else ""
    return BuiltinModel(
        _version(base.sentiment_coef, e_coef) + suffix, base.sentiment_coef,
        base.sentiment_intercept, e_coef, e_intercept, thresholds, polarity=base.polarity,
    ).reading_feedback(base.feedback)  # fmt: skip


def adapt(
    base: BuiltinModel, data: Labelled, progress: Callable[[int, int], None] | None = None
) -> tuple[BuiltinModel, Adaptation]:
    """``base`` with its sentiment moved toward ``data``'s labels; the emotions, the
    scripts' emotion models and the polarity lexicon stay."""
    found = adapt_sentiment(base, data, progress=progress)
    if found.strength is None:
        return base, found
    suffix = f"-{POLARITY_VERSION}" if base.polarity else ""
    model = BuiltinModel(
        _version(found.coef, base.emotion_coef) + suffix, found.coef, found.intercept,
        base.emotion_coef, base.emotion_intercept, base.thresholds, base.cyrillic, base.latin,
        polarity=base.polarity, ukrainian=base.ukrainian,
    ).reading_feedback(base.feedback)  # fmt: skip
    return model, found


def predict_labels(model: Any, texts: list[str]) -> tuple[list[str], list[set[str]]]:
    scored = model.score(texts)
    return [s.sentiment for s in scored], [set(s.labels) - {"none"} for s in scored]


def describe(model: BuiltinModel) -> dict[str, Any]:
    return {
        "version": model.version,
        "features": int(model.sentiment_coef.shape[1]),
        "cyrillic_emotion_model": model.cyrillic is not None,
        "latin_emotion_model": model.latin is not None,
        "ukrainian_emotion_model": model.ukrainian is not None,
        "feedback_emotions": None if model.feedback is None else model.feedback.version,
        "thresholds": {
            script: {e: float(t) for e, t in zip(EMOTIONS, row, strict=True)}
            for script, row in zip(("latin", "cyrillic"), model.thresholds, strict=True)
        },
    }
