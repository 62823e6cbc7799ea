"""The ``transformers`` text backend: local Hugging Face sequence-classification models.

``CXM_TEXT_MODEL`` (and optionally ``CXM_TEXT_EMOTION_MODEL``) name a model directory or
the id of a model already in the Hugging Face cache; nothing is downloaded. What a model
predicts is told by its labels (``config.id2label``): sentiment labels (negative, neutral,
positive, or 1-5 stars) or emotion labels (anger, disgust, fear, joy, sadness, surprise and
common synonyms). A task no given model covers is read by the builtin model, and the
version names both. Texts are read on their first ``MAX_CHARS`` characters and cut to the
model's length. Needs the ``transformers`` extra (``pip install 'cxm[transformers]'``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cxm.text.backends import MAX_CHARS, BackendUnavailable, TextBackend
from cxm.text.builtin import Scores
from cxm.text.labels import ALL_EMOTIONS, FEEDBACK_EMOTIONS, SENTIMENTS

BATCH = 32
LABEL_AT = 0.5  # an emotion's probability from which it is named among the labels

SENTIMENT_NAMES = {
    "negative": "negative", "neg": "negative", "1 star": "negative", "2 stars": "negative",
    "very negative": "negative", "neutral": "neutral", "neu": "neutral", "3 stars": "neutral",
    "positive": "positive", "pos": "positive", "4 stars": "positive", "5 stars": "positive",
    "very positive": "positive",
}  # fmt: skip
EMOTION_NAMES = {
    "anger": "anger", "angry": "anger", "annoyance": "anger", "disgust": "disgust",
    "fear": "fear", "nervousness": "fear", "joy": "joy", "happiness": "joy", "happy": "joy",
    "sadness": "sadness", "sad": "sadness", "surprise": "surprise", "gratitude": "gratitude",
    "thankful": "gratitude", "disappointment": "disappointment", "disappointed": "disappointment",
    "trust": "trust",
}  # fmt: skip


def builtin_part(builtin: TextBackend) -> str:
    """What names the builtin model in the version of a reading it has a part in."""
    return hashlib.sha1(builtin.version.encode()).hexdigest()[:10]


@dataclass
class Classifier:
    """One loaded model, its task and which of its outputs feed which class."""

    source: str
    task: str  # "sentiment" or "emotion"
    tokenizer: Any
    model: Any
    columns: dict[str, list[int]]  # class name -> output indices summed into it
    multi_label: bool
    digest: str

    @classmethod
    def open(cls, source: str) -> Classifier:
        try:
            import torch  # noqa: F401
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise BackendUnavailable(
                f"{exc.name or 'transformers'} is not installed (pip install 'cxm[transformers]')"
            ) from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # cxm draws its own progress
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                source, local_files_only=True
            )
        except (OSError, ValueError, KeyError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BackendUnavailable(f"model {source!r} cannot be loaded: {first}") from exc
        model.eval()
        labels = {int(k): str(v).strip().lower() for k, v in model.config.id2label.items()}
        task, columns = _task(labels)
        if len(columns) < 2:
            raise BackendUnavailable(
                f"model {source!r} has labels {sorted(labels.values())}, neither sentiment "
                "(negative, neutral, positive) nor emotions (anger, joy, ...)"
            )
        multi = model.config.problem_type == "multi_label_classification"
        return cls(source, task, tokenizer, model, columns, multi, _digest(source, model))

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(n, outputs) probabilities: softmax, or sigmoid for a multi-label model."""
        import torch

        config = self.model.config
        positions = int(getattr(config, "max_position_embeddings", 512) or 512)
        if config.model_type in ("roberta", "xlm-roberta", "camembert"):
            positions -= 2  # their positions start after the padding index
        limit = min(int(getattr(self.tokenizer, "model_max_length", 512) or 512), positions, 512)
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), BATCH):
                part = [t[:MAX_CHARS] for t in texts[start : start + BATCH]]
                encoded = self.tokenizer(
                    part, padding=True, truncation=True, max_length=limit, return_tensors="pt"
                )
                logits = self.model(**encoded).logits.float()
                p = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
                out.append(p.numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.columns)), np.float32)


def _task(labels: dict[int, str]) -> tuple[str, dict[str, list[int]]]:
    """The task the labels name (sentiment first) and the output indices of each class."""
    for task, names in (("sentiment", SENTIMENT_NAMES), ("emotion", EMOTION_NAMES)):
        columns: dict[str, list[int]] = {}
        for index, label in labels.items():
            if label in names:
                columns.setdefault(names[label], []).append(index)
        if len(columns) >= 2:
            return task, columns
    return "", {}


def _digest(source: str, model: Any) -> str:
    """A digest of the model's configuration and a sample of its weights."""
    h = hashlib.sha1(model.config.to_json_string().encode())
    for _, tensor in list(model.state_dict().items())[:: max(1, len(model.state_dict()) // 8)]:
        h.update(tensor.detach().float().flatten()[:4096].numpy().tobytes())
    h.update(Path(source).name.encode())
    return h.hexdigest()[:10]


class TransformersBackend:
    """Sentiment and/or emotions from local models; what they lack from ``fallback``."""

    name = "transformers"

    def __init__(
        self,
        sentiment: Classifier | None,
        emotion: Classifier | None,
        fallback: TextBackend,
    ) -> None:
        if sentiment is None and emotion is None:
            raise BackendUnavailable("no model given (set CXM_TEXT_MODEL)")
        self.sentiment, self.emotion, self.fallback = sentiment, emotion, fallback
        # The builtin model reads what no local model does: a task, or gratitude,
        # disappointment and trust where the emotion model has no such label.
        self.unread = tuple(
            e for e in FEEDBACK_EMOTIONS if emotion is not None and e not in emotion.columns
        )
        parts = [c.digest for c in (sentiment, emotion) if c is not None]
        if sentiment is None or emotion is None or self.unread:
            parts.append(builtin_part(fallback))
        self.version = "transformers-" + "-".join(parts)

    @classmethod
    def open(
        cls, model: str | None, emotion_model: str | None, fallback: TextBackend
    ) -> TransformersBackend:
        """Load the models; BackendUnavailable names the cause when one cannot be used."""
        if not model and not emotion_model:
            raise BackendUnavailable("CXM_TEXT_MODEL is not set")
        found = [Classifier.open(m) for m in (model, emotion_model) if m]
        by_task: dict[str, Classifier] = {}
        for c in found:
            if c.task in by_task:
                raise BackendUnavailable(f"{by_task[c.task].source!r} and {c.source!r} both "
                                         f"read {c.task}; give one of each")  # fmt: skip
            by_task[c.task] = c
        return cls(by_task.get("sentiment"), by_task.get("emotion"), fallback)

    def score(self, texts: list[str]) -> list[Scores]:
        if not texts:
            return []
        unread = self.unread
        base = (
            self.fallback.score(texts)
            if self.sentiment is None or self.emotion is None or unread
            else None
        )
        out: list[Scores] = []
        sentiment = self._sentiment(texts) if self.sentiment else None
        emotion = self._emotions(texts) if self.emotion else None
        for i in range(len(texts)):
            if sentiment is not None:
                s = sentiment[i]
                best = int(s.argmax())
                polarity = (SENTIMENTS[best], float(s[2] - s[0]), float(s[best]))
            else:
                assert base is not None
                b = base[i]
                polarity = (b.sentiment, b.sentiment_score, b.confidence)
            if emotion is not None:
                intensity = {e: round(float(emotion[i, k]), 4) for k, e in enumerate(ALL_EMOTIONS)}
                labels = [e for e in ALL_EMOTIONS if intensity[e] >= LABEL_AT]
                if unread:  # the builtin model's reading of them, with its own thresholds
                    assert base is not None
                    for e in unread:
                        intensity[e] = base[i].emotions.get(e, 0.0)
                        labels = [x for x in labels if x != e]
                        labels += [e] if e in base[i].labels else []
                labels = labels or ["none"]
            else:
                assert base is not None
                intensity, labels = base[i].emotions, base[i].labels
            out.append(Scores(*polarity, intensity, labels))
        return out

    def _sentiment(self, texts: list[str]) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive (renormalised)."""
        assert self.sentiment is not None
        p = self.sentiment.probabilities(texts)
        cols = self.sentiment.columns
        out = np.stack(
            [p[:, cols.get(s, [])].sum(axis=1) if s in cols else np.zeros(len(texts))
             for s in SENTIMENTS], axis=1,
        )  # fmt: skip
        return np.asarray(out / np.clip(out.sum(axis=1, keepdims=True), 1e-9, None))

    def _emotions(self, texts: list[str]) -> np.ndarray:
        """(n, 8) probability of each emotion (0 for one the model does not know)."""
        assert self.emotion is not None
        p = self.emotion.probabilities(texts)
        cols = self.emotion.columns
        return np.stack(
            [np.clip(p[:, cols[e]].sum(axis=1), 0, 1) if e in cols else np.zeros(len(texts))
             for e in ALL_EMOTIONS], axis=1,
        )  # fmt: skip
