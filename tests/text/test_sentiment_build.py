"""Shipping a sentiment learnt with written reviews into a model file, emotions kept."""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from cxm.text.builtin import SHIPPED, BuiltinModel
from cxm.text.labels import Labelled
from cxm.text.sentiment_build import sentiment_only, written_reviews

PRAISE = ["Все чудово, дякую", "Great service, thank you", "Отличный магазин, спасибо"]
COMPLAINT = ["Жахливо, гроші на вітер", "Awful, never again", "Ужасно, больше не закажу"]
PLAIN = ["Отримав замовлення сьогодні", "Order received today", "Заказ получил сегодня"]


def _posts() -> Labelled:
    data = Labelled()
    for k in range(4):
        for texts, label in ((PRAISE, "positive"), (COMPLAINT, "negative"), (PLAIN, "neutral")):
            for text in texts:
                data.add(f"{text} {k}", label, None, "")
    return data


def _reviews(path: Path, split: str = "") -> Path:
    # A shop's words the posts never use: an error code is a complaint, a refund in a day
    # praise, a question neutral.
    rows = [("Чайник показує код E21", "negative"), ("Повернули гроші за день", "positive"),
            ("Коли буде в наявності?", "neutral")]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["split", "language", "text", "sentiment"])
        for k in range(6):
            writer.writerows([split, "uk", f"{text} ({k})", label] for text, label in rows)
    return path


def test_written_reviews_teach_the_shipped_sentiment_and_leave_the_emotions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "builtin.npz"
    shutil.copy(SHIPPED, out)
    shutil.copy(SHIPPED.with_name("builtin-metrics.json"), tmp_path / "builtin-metrics.json")
    written = _reviews(tmp_path / "written.csv")
    assert len(written_reviews(written, weight=3)) == 3 * 18
    args = argparse.Namespace(
        reviews=_reviews(tmp_path / "measure.csv", "test"), written=written, write=True, out=out
    )
    posts = _posts()
    sets = dict.fromkeys(("en_goemotions_dev", "ru_cedr_heldout", "uk_zero_shot"), posts)
    sentiment_only(args, posts, posts, sets)
    said = capsys.readouterr().out
    assert "without written reviews" in said and "reviews test/uk" in said
    before, after = BuiltinModel._load(SHIPPED), BuiltinModel._load(out)
    assert not np.array_equal(before.sentiment_coef, after.sentiment_coef)
    assert np.array_equal(before.emotion_coef, after.emotion_coef)
    for mine, theirs in ((before.cyrillic, after.cyrillic), (before.ukrainian, after.ukrainian)):
        assert mine is not None and theirs is not None
        assert np.array_equal(mine.coef, theirs.coef)
    assert after.version != before.version
    # The shipped model reads the shop's error code as no complaint; learnt with the
    # written reviews, as one.
    kettle = ["Чайник показує код E21 (9)"]
    assert before.score(kettle)[0].sentiment != "negative"
    assert after.score(kettle)[0].sentiment == "negative"
    report = json.loads((tmp_path / "builtin-metrics.json").read_text("utf-8"))
    assert report["version"] == after.version and report["sentiment_build"]["review_weight"]
    assert report["uk_zero_shot"]["sentiment"]["n"] == len(posts)
