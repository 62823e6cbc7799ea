"""`cxm text evaluate --task theme` and `cxm text train --task theme`, run as a user would:
learnt keywords, figures, refusals, JSON and the re-reading queued after training."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cxm.cli import main
from cxm.core.db import Database, table
from cxm.core.jobs import Job, run_ready
from cxm.feedback.service import ingest_feedback
from cxm.text import lemmas
from cxm.text.default_taxonomy import DEFAULT_TAXONOMY
from cxm.text.taxonomy import parse_taxonomy
from cxm.text.theme_labels import theme_report
from cxm.text.theme_store import evidence_for, load_taxonomy
from tests.text.test_theme_cli import cli_store

DATA = Path(__file__).parent.parent / "data"
TRAIN, HELD_OUT = DATA / "themes_train.csv", DATA / "themes_heldout.csv"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Database]]:
    """The theme CLI's store, with Ukrainian read by the stemmer."""
    monkeypatch.setattr(lemmas, "ukrainian_dictionary", lambda: False)
    lemmas.lemma.cache_clear()
    yield from cli_store(tmp_path, monkeypatch)
    lemmas.lemma.cache_clear()


def _json(runner: CliRunner, *args: str) -> dict:  # type: ignore[type-arg]
    done = runner.invoke(main, ["text", *args, "--org", "acme", "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)  # type: ignore[no-any-return]


def _jobs(db: Database) -> list[tuple[str, str]]:
    job = table(Job)
    with db.engine.connect() as conn:
        return [
            (k, s) for k, s in conn.execute(select(job.c.kind, job.c.status).order_by(job.c.id))
        ]


def test_training_adds_the_missing_wording_and_raises_held_out_f1(
    store: tuple[CliRunner, Database],
) -> None:
    runner, db = store
    # A stored scratch complaint the default taxonomy cannot place; its job read it.
    ingest_feedback(db, 1, [{"kind": "complaint", "text": "Шафа прийшла з подряпиною",
                             "occurred_at": "2026-09-01T10:00:00Z"}])  # fmt: skip
    run_ready(db)
    assert evidence_for(db, 1, [1])[1]["themes"] == []
    before = _json(runner, "evaluate", "--task", "theme", str(HELD_OUT))
    assert before["micro_f1"] == pytest.approx(2 / 3)  # 12 of 18 found, none wrongly
    assert before["per_theme"]["product/defects"]["f1"] == pytest.approx(0.25)  # 1 of 7
    trained = _json(runner, "train", "--task", "theme", "--labels", str(TRAIN))
    assert {key: [(w["language"], w["keyword"]) for w in words]
            for key, words in trained["added"].items()} == {
        "product/defects": [("en", "scratch"), ("uk", "подряпиною"), ("ru", "царапиной")]
    }  # fmt: skip
    cv = trained["cross_validated"]
    assert cv["before"]["micro_f1"] == pytest.approx(6 / 11)  # out of fold, 5 folds
    assert cv["after"]["micro_f1"] == pytest.approx(1.0)
    assert cv["per_theme"]["product/defects"] == {"before": pytest.approx(2 / 7),
                                                  "after": 1.0, "n": 18}  # fmt: skip
    assert trained["taxonomy_after"] == load_taxonomy(db, 1).version != before["taxonomy"]
    assert trained["queued"]["texts"] == 1 and not trained["kept_unchanged"]
    assert _jobs(db)[-1] == ("text.enrich", "queued")
    after = _json(runner, "evaluate", "--task", "theme", str(HELD_OUT))
    assert after["micro_f1"] == pytest.approx(1.0)
    assert after["taxonomy"] == trained["taxonomy_after"]
    run_ready(db)  # the queued job reads the stored text with the new taxonomy
    assert evidence_for(db, 1, [1])[1]["themes"] == ["product", "product/defects"]
    # Trained again on the same file, nothing more helps: the taxonomy is kept.
    again = runner.invoke(main, ["text", "train", "--task", "theme", "--labels", str(TRAIN),
                                 "--org", "acme"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "Nothing helped out of fold" in again.output
    assert load_taxonomy(db, 1).version == trained["taxonomy_after"]


def test_training_prints_what_it_added_and_that_it_queued(
    store: tuple[CliRunner, Database],
) -> None:
    runner, _ = store
    done = runner.invoke(main, ["text", "train", "--task", "theme", "--labels", str(TRAIN),
                                "--org", "acme"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "before: micro-F1 0.545  macro-F1 0.643" in done.output
    assert "after:  micro-F1 1.000  macro-F1 1.000" in done.output
    assert "Added to product/defects: scratch (en, 5/5), подряпиною (uk, 5/5), " in done.output
    assert "Queued re-reading of the 0 stored text(s)" in done.output


def test_evaluate_figures_on_a_hand_computed_case(
    store: tuple[CliRunner, Database], tmp_path: Path
) -> None:
    runner, _ = store
    rows = [
        ("Long queue at the till", "store/queues"),  # found
        ("The queue was huge", "store/queues"),  # found
        ("Queues everywhere on Saturday", "store/queues"),  # found
        ("Stood in a queue for twenty minutes", "store/queues"),  # found
        ("Waited ages to pay", "store/queues"),  # missed
        ("Everything is so expensive now", "price/level"),  # found
        ("The price went up again", "price/level"),  # found
        ("Too expensive for what it is", "price/level"),  # found
        ("I paid far too much for this", "price/level"),  # missed
        ("Costs twice what the market asks", "price/level"),  # missed
        ("The price was fine", "none"),  # price read wrongly
        ("No queue today, lovely", "none"),  # queue read wrongly
    ]
    path = tmp_path / "themes.csv"
    path.write_text("text,themes\n" + "".join(f'"{t}",{k}\n' for t, k in rows), "utf-8")
    report = _json(runner, "evaluate", "--task", "theme", str(path))
    queues, level = report["per_theme"]["store/queues"], report["per_theme"]["price/level"]
    assert (queues["precision"], queues["recall"], queues["n"]) == (0.8, 0.8, 5)
    assert queues["f1"] == pytest.approx(0.8) and report["per_theme"]["store"] == queues
    assert (level["precision"], level["recall"], level["n"]) == (0.75, 0.6, 5)
    assert level["f1"] == pytest.approx(2 / 3) and report["per_theme"]["price"] == level
    assert report["micro_f1"] == pytest.approx(28 / 38)  # 14 found, 4 wrong, 6 missed
    assert report["macro_f1"] == pytest.approx((0.8 + 0.8 + 2 / 3 + 2 / 3) / 4)
    assert report["n"] == 12 and report["unjudged_readings"] == 0


def test_a_sub_theme_counts_for_its_theme() -> None:
    report = theme_report([frozenset({"delivery/late", "delivery"})],
                          [frozenset({"delivery", "delivery/courier"})],
                          ["delivery", "delivery/late"])  # fmt: skip
    assert report["per_theme"]["delivery"]["f1"] == 1.0
    assert report["per_theme"]["delivery/late"]["f1"] == 0.0
    assert report["unjudged_readings"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,theme\nx,delivery\n", "column themes: missing column"),
        ("text,themes\n,delivery\n", "row 1, column text: is empty"),
        (
            "text,themes\nПакет порвали,packaging/damaged\n",
            "row 1, column themes: unknown theme 'packaging/damaged'",
        ),
        ("text,themes\nx,\n", "row 1, column themes: is empty"),
        (
            "text,themes\n" + "late again,delivery/late\n" * 5 + "rude,staff/courtesy\n",
            "column themes: too few examples (staff: 1, staff/courtesy: 1)",
        ),
        ("text,themes\n" + "fine,none\n" * 6, "no text has a theme"),
    ],
)
def test_bad_files_are_refused_naming_row_and_column(
    store: tuple[CliRunner, Database], tmp_path: Path, content: str, message: str
) -> None:
    runner, _ = store
    path = tmp_path / "bad.csv"
    path.write_text(content, "utf-8")
    for args in (["evaluate", "--task", "theme", str(path)],
                 ["train", "--task", "theme", "--labels", str(path)]):  # fmt: skip
        refused = runner.invoke(main, ["text", *args, "--org", "acme"])
        assert refused.exit_code != 0 and message in refused.output, refused.output


def test_sentiment_training_and_enrich_print_json_and_queue_rereading(
    store: tuple[CliRunner, Database],
) -> None:
    runner, db = store
    ingest_feedback(db, 1, [{"kind": "complaint", "text": "Кур'єр нагрубив",
                             "occurred_at": "2026-09-01T10:00:00Z"}])  # fmt: skip
    enriched = _json(runner, "enrich")
    assert enriched["enriched"] == 1 and enriched["themes_read"] == 1
    assert enriched["taxonomy"] == parse_taxonomy(DEFAULT_TAXONOMY).version
    run_ready(db)  # the job ingesting queued finds nothing left
    trained = _json(runner, "train", "--task", "sentiment", "--labels",
                    str(DATA / "uk_feedback.csv"))  # fmt: skip
    assert trained["task"] == "sentiment" and trained["texts"] == 111
    cv = trained["cross_validated"]
    assert "shipped" in cv["macro_f1"]
    assert cv["kept_shipped"] == (cv["strength"] is None)
    assert trained["queued"]["texts"] == 1 and _jobs(db)[-1] == ("text.enrich", "queued")
    assert run_ready(db) == 1
    again = _json(runner, "enrich")
    assert again["enriched"] == 0 and again["model"] == trained["model"]  # the job read it
