"""The transformers backend on tiny models the tests train and save locally."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from cxm.core.settings import Settings
from cxm.text.backends import forget_models, load_model, text_backend
from cxm.text.builtin import SHIPPED
from cxm.text.enrichment import analyse

torch = pytest.importorskip("torch", reason="torch not installed: pip install 'cxm[transformers]'")
transformers = pytest.importorskip(
    "transformers", reason="transformers not installed: pip install 'cxm[transformers]'"
)

WORDS = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    *[
        "the",
        "parcel",
        "was",
        "late",
        "rude",
        "broken",
        "great",
        "polite",
        "thank",
        "you",
        "delivery",
        "courier",
        "good",
        "bad",
        "scary",
        "wow",
    ],
]
SENTIMENT = {"late": 0, "rude": 0, "broken": 0, "bad": 0, "great": 2, "polite": 2,
             "thank you": 2, "good": 2, "the parcel": 1, "delivery": 1, "courier": 1,
             "the": 1}  # fmt: skip
EMOTION_LABELS = ("angry", "joy", "fear", "surprise", "neutral")
EMOTION = {"rude": [1, 0, 0, 0, 0], "bad": [1, 0, 0, 0, 0], "great": [0, 1, 0, 0, 0],
           "thank you": [0, 1, 0, 0, 0], "scary": [0, 0, 1, 0, 0], "wow": [0, 0, 0, 1, 0],
           "scary scary": [0, 0, 1, 0, 0], "wow wow": [0, 0, 0, 1, 0],
           "the parcel": [0, 0, 0, 0, 1], "delivery": [0, 0, 0, 0, 1]}  # fmt: skip


def _train(directory: Path, labels: tuple[str, ...], examples: dict[str, Any], multi: bool) -> str:
    """A one-layer BERT with its own word-level vocabulary, fitted to ``examples``."""
    torch.manual_seed(0)
    tokenizer = transformers.BertTokenizerFast(vocab={w: i for i, w in enumerate(WORDS)})
    config = transformers.BertConfig(
        vocab_size=len(WORDS), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)},
        problem_type="multi_label_classification" if multi else "single_label_classification",
    )  # fmt: skip
    model = transformers.BertForSequenceClassification(config)
    encoded = tokenizer(list(examples), padding=True, return_tensors="pt")
    target = torch.tensor(list(examples.values()), dtype=torch.float if multi else torch.long)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(600):  # until it fits its examples
        loss = model(**encoded, labels=target).loss
        if loss.item() < 0.02:
            break
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
    assert loss.item() < 0.1, f"the tiny model did not fit its examples (loss {loss.item()})"
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("hf")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    return {
        "sentiment": _train(root / "sentiment", ("negative", "neutral", "positive"),
                            SENTIMENT, multi=False),
        "emotion": _train(root / "emotion", EMOTION_LABELS, EMOTION, multi=True),
    }  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh() -> None:
    forget_models()


def test_a_local_sentiment_model_reads_sentiment_and_builtin_the_emotions(
    models: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, text_backend="transformers",
                        text_model=models["sentiment"])  # fmt: skip
    backend = text_backend(settings, 1)
    assert backend.name == "transformers"
    builtin = load_model(SHIPPED)
    assert backend.version.startswith("transformers-") and builtin.version[-10:] in backend.version
    texts = ["late", "great", "the parcel", "rude courier"]
    read = backend.score(texts)
    assert [s.sentiment for s in read] == ["negative", "positive", "neutral", "negative"]
    assert read[0].sentiment_score < -0.5 and read[1].sentiment_score > 0.5
    assert 1 / 3 < read[0].confidence <= 1
    own = builtin.score(texts)  # emotions are the builtin model's
    assert [s.emotions for s in read] == [s.emotions for s in own]


def test_an_emotion_model_is_told_by_its_labels_and_read_multi_label(
    models: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, text_backend="transformers",
                        text_model=models["sentiment"],
                        text_emotion_model=models["emotion"])  # fmt: skip
    backend = text_backend(settings, 1)
    read = backend.score(["rude", "thank you", "scary", "wow", "delivery"])
    assert [s.labels for s in read] == [["anger"], ["joy"], ["fear"], ["surprise"], ["none"]]
    assert read[0].emotions["anger"] > 0.5 and read[0].emotions["disgust"] == 0.0
    assert read[1].sentiment == "positive"
    assert load_model(SHIPPED).version[-10:] not in backend.version  # both tasks its own


def test_a_missing_model_falls_back_to_builtin_naming_the_cause(
    tmp_path: Path, models: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="cxm.text"):
        missing = text_backend(Settings(data_dir=tmp_path, text_backend="transformers",
                                        text_model=str(tmp_path / "nowhere")), 1)  # fmt: skip
        unset = text_backend(Settings(data_dir=tmp_path, text_backend="transformers"), 1)
        twice = text_backend(Settings(data_dir=tmp_path, text_backend="transformers",
                                      text_model=models["sentiment"],
                                      text_emotion_model=models["sentiment"]), 1)  # fmt: skip
    assert missing.name == unset.name == twice.name == "builtin"
    assert f"model '{tmp_path / 'nowhere'}' cannot be loaded" in caplog.text
    assert "CXM_TEXT_MODEL is not set" in caplog.text
    assert "both read sentiment" in caplog.text


def test_odd_texts_through_the_transformers_backend(models: dict[str, str], tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, text_backend="transformers",
                        text_model=models["sentiment"],
                        text_emotion_model=models["emotion"])  # fmt: skip
    backend = text_backend(settings, 1)
    odd = ["", "  \n ", "🙂🙂🙂", "rude " * 800_000, "late, але кур'єр ввічливий",
           "Ĉu vi parolas Esperanton?"]  # fmt: skip
    readings = analyse(backend, odd)
    empty, blank, emoji, huge, mixed, unknown = readings
    for r in (empty, blank, emoji):
        assert r["sentiment"] == "neutral" and r["labels"] == "none" and r["confidence"] == 0
    assert huge["sentiment"] == "negative" and "anger" in huge["labels"]
    assert mixed["sentiment"] in ("negative", "neutral", "positive")
    assert unknown["sentiment"] in ("negative", "neutral", "positive")
    assert {r["model_version"] for r in readings} == {backend.version}
    assert backend.score([]) == []
