"""The transformers backend on tiny models the tests train and save locally."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cxm.core.settings import Settings
from cxm.text.backends import forget_models, load_model, text_backend
from cxm.text.builtin import SHIPPED
from cxm.text.enrichment import analyse

pytest.importorskip("torch", reason="torch not installed: pip install 'cxm[transformers]'")
pytest.importorskip(
    "transformers", reason="transformers not installed: pip install 'cxm[transformers]'"
)
from cxm.text.transformers_backend import builtin_part  # noqa: E402
from tests.text.tiny_models import EMOTION, EMOTION_LABELS, SENTIMENT, train_tiny  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("hf")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    return {
        "sentiment": train_tiny(root / "sentiment", ("negative", "neutral", "positive"),
                            SENTIMENT, multi=False),
        "emotion": train_tiny(root / "emotion", EMOTION_LABELS, EMOTION, multi=True),
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
    assert backend.version.startswith("transformers-") and builtin_part(builtin) in backend.version
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
    # Its labels name none of gratitude and disappointment: the builtin model reads those.
    assert [s.labels for s in read] == [
        ["anger"], ["joy", "gratitude"], ["fear"], ["surprise"], ["none"]
    ]  # fmt: skip
    assert read[0].emotions["anger"] > 0.5 and read[0].emotions["disgust"] == 0.0
    assert (
        read[1].emotions["gratitude"]
        == load_model(SHIPPED).score(["thank you"])[0].emotions["gratitude"]
    )
    assert read[1].sentiment == "positive"
    assert builtin_part(load_model(SHIPPED)) in backend.version


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


def test_a_model_id_is_read_from_the_hugging_face_cache_without_downloading(
    models: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import huggingface_hub.constants

    repo = tmp_path / "hub" / "models--acme--tiny-sentiment"
    shutil.copytree(models["sentiment"], repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    cached = text_backend(Settings(data_dir=tmp_path, text_backend="transformers",
                                   text_model="acme/tiny-sentiment"), 1)  # fmt: skip
    assert cached.name == "transformers"
    assert [s.sentiment for s in cached.score(["late", "great"])] == ["negative", "positive"]
    forget_models()
    absent = text_backend(Settings(data_dir=tmp_path, text_backend="transformers",
                                   text_model="acme/not-downloaded"), 1)  # fmt: skip
    assert absent.name == "builtin"  # not in the cache: nothing is fetched
