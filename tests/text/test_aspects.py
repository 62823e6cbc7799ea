"""Aspect-level sentiment: clauses, aspects, the labelled multi-aspect set, odd input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.text.aspects import (
    _without_aspect_words,
    aspects,
    clauses,
    evaluate_aspects,
    read_aspects,
)
from cxm.text.backends import load_model
from cxm.text.builtin import SHIPPED, BuiltinModel
from cxm.web.app import create_app
from tests.factories import api_key, organization

SET = Path(__file__).resolve().parent.parent / "data" / "aspects.csv"


@pytest.fixture(scope="module")
def model() -> BuiltinModel:
    return load_model(SHIPPED)


def _read(model: BuiltinModel, text: str) -> dict[str, str]:
    [found] = aspects(model, [text])
    return {a.aspect: a.sentiment for a in found}


def test_a_comment_about_two_things_gets_a_sentiment_for_each(model: BuiltinModel) -> None:
    text = "The delivery was late but the courier was polite."
    [(s1, e1, c1), (s2, e2, c2)] = clauses(text)
    assert text[s1:e1] == "The delivery was late" and not c1
    assert text[s2:e2] == "but the courier was polite" and c2
    [found] = aspects(model, [text])
    by = {a.aspect: a for a in found}
    assert by["delivery"].sentiment == "negative" and by["courier"].sentiment == "positive"
    assert text[by["courier"].start : by["courier"].end] == by["courier"].clause
    # The same in Ukrainian and Russian, words the labelled set does not use.
    assert _read(model, "Відправлення запізнилося на тиждень, але водій привітний.") == {
        "delivery": "negative", "courier": "positive"
    }  # fmt: skip
    assert _read(model, "Доставка ужасно медленная, зато цена отличная!") == {
        "delivery": "negative", "price": "positive"
    }  # fmt: skip


def test_the_words_naming_an_aspect_do_not_give_it_a_sentiment(model: BuiltinModel) -> None:
    # Most reviews that mention a return complain, so the model alone leans "повернення"
    # negative; the clause is read without the aspect words, by what is said of them.
    assert _without_aspect_words("і оформила повернення.") == "і оформила"
    assert _without_aspect_words("Delivery") == "Delivery"  # nothing left: read as it is
    [returns] = [r for r in aspects(model, ["Поддержка быстро ответила и оформила возврат."])[0]
                 if r.aspect == "returns"]  # fmt: skip
    assert returns.sentiment == "positive" and returns.clause == "и оформила возврат"
    assert model.score(["оформила возврат"])[0].sentiment_score < 0  # what the mask avoids


def test_an_aspect_told_as_a_plain_fact_leans_with_the_rest_of_the_comment(
    model: BuiltinModel,
) -> None:
    # The clause naming delivery holds no opinion; the clauses around it do.
    assert _read(model, "Quick and easy. Delivered even earlier than promised. Thank you!") == {
        "delivery": "positive"
    }
    told = "Доставку знову перенесли. Трекінг не оновлювався два дні. Шкода, що так вийшло."
    assert _read(model, told) == {"delivery": "negative"}
    assert _read(model, "Замовлення доставили вчора.") == {"delivery": "neutral"}
    # An aspect with its own opinion keeps it.
    both = "Доставка запізнилась на три дні, але кур'єр був дуже ввічливий. Дякую!"
    assert _read(model, both) == {"delivery": "negative", "courier": "positive"}


def test_a_clause_naming_two_aspects_is_cut_at_commas(model: BuiltinModel) -> None:
    assert _read(model, "Quick delivery, rude courier.") == {
        "delivery": "positive", "courier": "negative"
    }  # fmt: skip
    assert _read(model, "Thank you!") == {}  # no aspect named


def test_the_labelled_multi_aspect_set(model: BuiltinModel) -> None:
    data = read_aspects(SET)
    assert len(data.texts) == 90 and set(data.languages) == {"uk", "ru", "en"}
    report = evaluate_aspects(model, data)
    test = report["by_split"]["test"]  # the half the rules were not written against
    assert test["aspects"]["f1"] >= 0.9
    assert test["aspect_sentiment"]["f1"] >= 0.75
    for language in ("uk", "ru", "en"):
        assert report["by_split_language"][f"test/{language}"]["aspect_sentiment"]["f1"] >= 0.6


def test_odd_texts_have_no_aspects_or_a_defined_one(model: BuiltinModel) -> None:
    empty, blank, emoji, unknown, huge, mixed = aspects(
        model, ["", "  \n ", "🙂🚚🙂", "Ĉu vi parolas Esperanton?",
                "The delivery was awful. " * 200_000, "Доставка швидка, but the price is high"]
    )  # fmt: skip
    assert empty == blank == emoji == unknown == []
    assert [(a.aspect, a.sentiment) for a in huge] == [("delivery", "negative")]
    assert huge[0].end <= 2_000  # read on its first characters
    assert {a.aspect: a.sentiment for a in mixed} == {"delivery": "positive", "price": "negative"}


def test_labelled_aspect_files_are_refused_naming_row_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,aspects\nok,delivery:negative\nx,weather:positive\n,\n", "utf-8")
    with pytest.raises(ValidationError) as refused:
        read_aspects(bad)
    faults = {(f.index, f.field, f.reason) for f in refused.value.faults}
    assert faults == {(2, "aspects", "unknown label 'weather:positive'"), (3, "text", "is empty")}
    missing = tmp_path / "missing.csv"
    missing.write_text("text\nok\n", "utf-8")
    with pytest.raises(ValidationError, match="no column aspects"):
        read_aspects(missing)


def test_aspects_from_the_api_and_the_cli(tmp_path: Path, sqlite_db: Database) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    org = organization(app.state.db, "demo")
    headers = {"Authorization": f"Bearer {api_key(app.state.db, org)}"}
    text = "Доставка затрималася, але кур'єр був дуже ввічливий."
    with TestClient(app) as client:
        body = client.post("/api/v1/text/analyse", json={"texts": [text, ""]},
                           headers=headers).json()  # fmt: skip
    first, empty = body["results"]
    assert [(a["aspect"], a["sentiment"]) for a in first["aspects"]] == [
        ("delivery", "negative"), ("courier", "positive")
    ]  # fmt: skip
    assert empty["aspects"] == []
    organization(sqlite_db, "demo")
    base = ["--data-dir", str(tmp_path / "cli"), "--database-url", sqlite_db.url, "text"]
    runner = CliRunner()
    shown = runner.invoke(main, [*base, "analyse", text])
    assert shown.exit_code == 0 and "courier    positive" in shown.output
    judged = runner.invoke(main, [*base, "evaluate", "--task", "aspects", str(SET), "--json"])
    assert judged.exit_code == 0, judged.output
    assert json.loads(judged.output)["n_aspects"] == 180
    bad = tmp_path / "bad.csv"
    bad.write_text("text,aspects\nx,delivery:awful\n", "utf-8")
    refused = runner.invoke(main, [*base, "evaluate", "--task", "aspects", str(bad)])
    assert refused.exit_code != 0 and "row 1, column aspects" in refused.output
