"""The review-style evaluation set and sentiment figures per language and split."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from cxm.cli import main
from cxm.core.db import Database
from cxm.text.labels import Labelled, read_labelled
from cxm.text.review_set import group_keys, row_groups, sentiment_by_group
from tests.factories import organization

REVIEWS = Path(__file__).resolve().parent.parent / "data" / "reviews.csv"


class _Fixed:
    """A stand-in model that reads every text as the sentiment written in it."""

    def score(self, texts: list[str]) -> list[object]:
        class S:
            def __init__(self, sentiment: str) -> None:
                self.sentiment, self.labels = sentiment, ["none"]

        return [S(t.split()[0]) for t in texts]


def test_the_review_set_is_balanced_per_language_and_split_in_halves() -> None:
    data = read_labelled(REVIEWS, "sentiment")
    groups = row_groups(REVIEWS)
    assert len(groups) == len(data) == 414
    per_language = Counter(language for _, language in groups)
    assert per_language == {"uk": 156, "ru": 156, "en": 102}
    for language, n in per_language.items():
        rows = [i for i, g in enumerate(groups) if g[1] == language]
        by_class = Counter(data.sentiment[i] for i in rows)
        assert set(by_class.values()) == {n // 3}  # as many of each class
        by_split = Counter(groups[i][0] for i in rows)
        assert by_split == {"dev": n // 2, "test": n // 2}
    assert len(set(data.texts)) == len(data.texts)


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
    assert "test/uk    n =    78" in shown.output and "dev/ru     n =    78" in shown.output
    report = json.loads(
        runner.invoke(
            main, [*base, "evaluate", "--task", "sentiment", str(REVIEWS), "--json"]
        ).output
    )
    assert report["groups"]["all"]["n"] == report["n"] == 414
    assert report["groups"]["en"]["n"] == 102
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
