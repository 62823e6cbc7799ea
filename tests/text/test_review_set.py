"""The review-style evaluation set and sentiment figures per language and split."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxm.cli import main
from cxm.core.db import Database
from cxm.text.labels import Labelled, read_labelled
from cxm.text.review_set import group_keys, row_groups, sentiment_by_group
from cxm.text.sentiment_build import REVIEWS_WRITTEN, written_reviews
from tests.factories import organization

REVIEWS = Path(__file__).resolve().parent.parent / "data" / "reviews.csv"


class _Fixed:
    """A stand-in model that reads every text as the sentiment written in it."""

    def score(self, texts: list[str]) -> list[object]:
        class S:
            def __init__(self, sentiment: str) -> None:
                self.sentiment, self.labels = sentiment, ["none"]
                self.sentiment_score = {"negative": -0.5, "positive": 0.5}.get(sentiment, 0.0)

        return [S(t.split()[0]) for t in texts]


def test_the_review_set_is_balanced_per_language_class_and_split() -> None:
    data = read_labelled(REVIEWS, "sentiment")
    groups = row_groups(REVIEWS)
    assert len(groups) == len(data) == 990
    expected = {  # (split, language): reviews, a third of each class
        ("dev", "uk"): 78, ("test", "uk"): 78, ("fresh", "uk"): 60,
        ("dev", "ru"): 78, ("test", "ru"): 78, ("fresh", "ru"): 60,
        ("dev", "en"): 51, ("test", "en"): 51, ("fresh", "en"): 36,
        ("products", "uk"): 120, ("products", "ru"): 120,
        ("maps", "uk"): 90, ("maps", "ru"): 90,
    }  # fmt: skip
    assert Counter(groups) == expected
    for group, n in expected.items():
        rows = [i for i, g in enumerate(groups) if g == group]
        assert Counter(data.sentiment[i] for i in rows) == {
            "negative": n // 3, "neutral": n // 3, "positive": n // 3
        }, group  # fmt: skip
    # "Топ" is a Ukrainian and a Russian review: no text repeats within a language
    assert len(set(zip(data.texts, data.language, strict=True))) == len(data.texts)


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_the_written_reviews_train_and_share_no_text_with_the_review_set() -> None:
    written = read_labelled(REVIEWS_WRITTEN, "sentiment")
    per = Counter(zip(written.language, written.sentiment, strict=True))
    assert len(written) == 2948
    for language, least in (("uk", 370), ("ru", 370), ("en", 230)):
        for label in ("negative", "neutral", "positive"):
            assert per[(language, label)] >= least, (language, label)
    measured = {_plain(t) for t in read_labelled(REVIEWS, "sentiment").texts}
    own = [_plain(t) for t in written.texts]
    assert len(set(own)) == len(own) and not set(own) & measured
    twice = written_reviews(weight=2)
    assert len(twice) == 2 * len(written) and twice.texts[len(written)] == written.texts[0]


def test_figures_per_group_are_counted_on_their_rows_only() -> None:
    data = Labelled()
    rows = [  # (text read as, truth, split, language)
        ("positive", "positive", "dev", "uk"),
        ("negative", "positive", "dev", "uk"),
        ("neutral", "neutral", "test", "uk"),
        ("negative", "negative", "test", "en"),
    ]
    for said, truth, _, language in rows:
        data.add(f"{said} text", truth, None, language)
    groups = [(split, language) for *_, split, language in rows]
    assert group_keys("dev", "uk") == ["all", "dev", "uk", "dev/uk"]
    assert group_keys("", "en") == ["all", "en"]
    reports = sentiment_by_group(_Fixed(), data, groups)
    assert list(reports) == ["all", "dev", "dev/uk", "en", "test", "test/en", "test/uk", "uk"]
    assert reports["all"]["n"] == 4 and reports["all"]["accuracy"] == 0.75
    assert reports["dev/uk"]["accuracy"] == 0.5 and reports["test"]["accuracy"] == 1.0
    assert reports["uk"]["n"] == 3 and reports["en"]["n"] == 1


def test_evaluate_command_reports_each_language_and_split(
    sqlite_db: Database, tmp_path: Path
) -> None:
    organization(sqlite_db, "demo")
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "text"]
    runner = CliRunner()
    shown = runner.invoke(main, [*base, "evaluate", "--task", "sentiment", str(REVIEWS)])
    assert shown.exit_code == 0, shown.output
    assert "test/uk     n =    78" in shown.output and "dev/ru      n =    78" in shown.output
    report = json.loads(
        runner.invoke(
            main, [*base, "evaluate", "--task", "sentiment", str(REVIEWS), "--json"]
        ).output
    )
    assert report["groups"]["all"]["n"] == report["n"] == 990
    assert report["groups"]["en"]["n"] == 138 and report["groups"]["fresh/uk"]["n"] == 60
    assert report["groups"]["products/ru"]["n"] == 120
    # A file without those columns reports no groups.
    plain = tmp_path / "plain.csv"
    with plain.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "sentiment"])
        for label in ("negative", "neutral", "positive"):
            writer.writerows([[f"{label} {i}", label] for i in range(5)])
    plain_report = runner.invoke(
        main, [*base, "evaluate", "--task", "sentiment", str(plain), "--json"]
    )
    assert "groups" not in json.loads(plain_report.output)


def test_figures_after_learning_labels_as_cxm_text_train_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cxm.text.builtin import SHIPPED
    from cxm.text.review_set import main as review_set

    rows = [("Чайник показує код E21", "negative"), ("Повернули гроші за день", "positive"),
            ("Коли буде в наявності?", "neutral")]  # fmt: skip
    labels, measured = tmp_path / "labels.csv", tmp_path / "measured.csv"
    for path, split in ((labels, ""), (measured, "test")):
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["split", "language", "text", "sentiment"])
            for k in range(8 if split == "" else 5):
                writer.writerows([split, "uk", f"{t} ({k}{split})", s] for t, s in rows)
    monkeypatch.setattr("sys.argv", ["review_set", str(measured), "--model", str(SHIPPED)])
    review_set()
    before = capsys.readouterr().out
    monkeypatch.setattr("sys.argv", ["review_set", str(measured), "--train", str(labels)])
    review_set()
    after = capsys.readouterr().out
    assert "learnt labels.csv: strength" in after and "test/uk     n =   15" in before

    def f1(said: str) -> float:
        line = next(x for x in said.splitlines() if x.startswith("test/uk"))
        return float(line.split("macro-F1 ")[1].split()[0])

    assert f1(after) > f1(before)  # the error code is a complaint once learnt
    monkeypatch.setattr("sys.argv", ["review_set", str(measured), "--write", "--train", "x"])
    with pytest.raises(SystemExit):
        review_set()
