"""Taxonomy themes: inflected word forms match in Ukrainian, Russian and English; bad
definitions are refused with the path at fault; readings are stored once per version."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.feedback.service import ingest_feedback
from cxm.text import lemmas
from cxm.text.default_taxonomy import DEFAULT_TAXONOMY
from cxm.text.taxonomy import parse_taxonomy
from cxm.text.theme_models import ThemeReading
from cxm.text.theme_store import evidence_for, load_taxonomy, read_pending_themes, save_taxonomy
from cxm.text.themes import read_themes
from tests.factories import organization

SMALL: dict[str, Any] = {
    "themes": [
        {
            "key": "delivery",
            "names": {"en": "Delivery", "uk": "Доставка"},
            "subthemes": [
                {
                    "key": "courier",
                    "names": {"en": "Courier"},
                    "keywords": {"uk": ["кур'єр"], "ru": ["курьер"], "en": ["courier"]},
                },
                {
                    "key": "damaged",
                    "names": {"en": "Damaged box"},
                    "keywords": {
                        "uk": ["пошкоджена коробка"],
                        "ru": ["повреждённая коробка"],
                        "en": ["damaged box"],
                    },  # fmt: skip
                },
            ],
        },
        {
            "key": "store",
            "names": {"en": "Store"},
            "subthemes": [
                {
                    "key": "queues",
                    "names": {"en": "Queues"},
                    "keywords": {"uk": ["черга"], "ru": ["очередь"], "en": ["queue"]},
                    "examples": {"en": ["waited ages at the till"]},
                }
            ],
        },
    ]
}

CASES = [
    # (text, language, expected sub-theme) - inflected forms of the keywords above
    ("Кур'єра не було вдома, кур’єрові байдуже", "uk", "delivery/courier"),
    ("Стояла у довгій черзі, в чергах завжди так", "uk", "store/queues"),
    ("Привезли пошкоджену коробку", "uk", "delivery/damaged"),
    ("Курьеру было всё равно", "ru", "delivery/courier"),
    ("Простояла в очереди полчаса", "ru", "store/queues"),
    ("Привезли повреждённую коробку", "ru", "delivery/damaged"),
    ("The couriers were late again", "en", "delivery/courier"),
    ("Long queues at every till", "en", "store/queues"),
    ("I waited for ages at the tills", "en", "store/queues"),  # an example phrase, spread out
]


@pytest.fixture(params=["dictionary", "stemmer"])
def ukrainian_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Ukrainian read with pymorphy3's dictionary (when installed) and with the stemmer."""
    if request.param == "dictionary" and not lemmas.ukrainian_dictionary():
        pytest.skip("pymorphy3-dicts-uk is not installed")
    if request.param == "stemmer":
        monkeypatch.setattr(lemmas, "ukrainian_dictionary", lambda: False)
    lemmas.lemma.cache_clear()
    yield request.param
    lemmas.lemma.cache_clear()


@pytest.mark.parametrize(("text", "language", "expected"), CASES)
def test_inflected_forms_match_their_theme(
    ukrainian_reader: str, text: str, language: str, expected: str
) -> None:
    taxonomy = parse_taxonomy(SMALL)
    reading = read_themes(text, language, taxonomy)
    assert expected in reading.themes and expected.split("/")[0] in reading.themes
    assert len([k for k in reading.themes if "/" in k]) == 1, reading.themes


def test_evidence_spans_point_at_the_matching_words() -> None:
    text = "Привезли пошкоджену коробку, а кур'єр нагрубив"
    reading = read_themes(text, "uk", parse_taxonomy(SMALL))
    assert [text[a:b] for a, b in reading.evidence["delivery/damaged"]] == ["пошкоджену коробку"]
    assert [text[a:b] for a, b in reading.evidence["delivery/courier"]] == ["кур'єр"]


def test_unrelated_and_empty_texts_get_no_theme() -> None:
    taxonomy = parse_taxonomy(SMALL)
    for text in ("", "   ", "🙂🙂", "Все чудово, дякую", "Коробка", "the shop was tidy"):
        assert read_themes(text, None, taxonomy).themes == []


def test_default_taxonomy_reads_the_demo_situations_and_leaves_packaging_uncovered() -> None:
    taxonomy = parse_taxonomy(DEFAULT_TAXONOMY)
    assert "delivery/late" in read_themes("Посилка запізнюється вже на тиждень", "uk",
                                          taxonomy).themes  # fmt: skip
    assert "contact_centre/repeat" in read_themes("Звоню уже третий раз, оператор не помог",
                                                  "ru", taxonomy).themes  # fmt: skip
    assert read_themes("Коробка прийшла пом'ята і розірвана", "uk", taxonomy).themes == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["themes"][1].pop("key"), "themes[1].key"),
        (lambda d: d["themes"][0]["subthemes"][1].pop("keywords"),
         "themes[0].subthemes[1].keywords"),
        (lambda d: d["themes"][0]["names"].pop("en"), "themes[0].names"),
        (lambda d: d["themes"][1]["subthemes"][0]["keywords"].update(de=["x"]),
         "themes[1].subthemes[0].keywords.de"),
        (lambda d: d["themes"][1]["subthemes"][0]["keywords"].update(uk=["", 3]),
         "themes[1].subthemes[0].keywords.uk[0]"),
        (lambda d: d["themes"][1].update(key="delivery"), "themes[1].key"),
        (lambda d: d["themes"][1].update(subthemes=[]), "themes[1].subthemes"),
    ],
)  # fmt: skip
def test_bad_definitions_are_refused_with_the_path_at_fault(change: Any, path: str) -> None:
    data = copy.deepcopy(SMALL)
    change(data)
    with pytest.raises(ValidationError) as refused:
        parse_taxonomy(data)
    assert path in [f.field for f in refused.value.faults]


def test_taxonomy_versions_and_readings_are_stored_once_per_version(db: Database) -> None:
    org = organization(db)
    assert load_taxonomy(db, org).version == parse_taxonomy(DEFAULT_TAXONOMY).version
    now = datetime(2026, 10, 1, tzinfo=UTC)
    items = [
        {"kind": "complaint", "text": "Курьеру было всё равно, очередь огромная",
         "occurred_at": "2026-09-30T10:00:00Z"},
        {"kind": "comment", "text": "Все чудово", "occurred_at": "2026-09-30T11:00:00Z"},
    ]  # fmt: skip
    assert ingest_feedback(db, org, list(items), now=now).accepted == 2
    assert read_pending_themes(db, org) == 2
    assert read_pending_themes(db, org) == 0  # nothing twice
    taxonomy = save_taxonomy(db, org, SMALL)
    assert save_taxonomy(db, org, SMALL).version == taxonomy.version  # same definition: no row
    assert load_taxonomy(db, org).version == taxonomy.version
    assert read_pending_themes(db, org) == 2  # a new version reads everything again
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ThemeReading)).scalar_one() == 4
        first = conn.execute(select(func.min(ThemeReading.feedback_id))).scalar_one()
    found = evidence_for(db, org, [first])[first]
    assert found["themes"] == ["delivery", "delivery/courier", "store", "store/queues"]
    with pytest.raises(ValidationError):
        save_taxonomy(db, org, {"themes": []})
    assert load_taxonomy(db, org).version == taxonomy.version
