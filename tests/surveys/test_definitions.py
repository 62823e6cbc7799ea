"""Survey definitions: validation with paths, import/export, versions, SurveyJS, CLI and API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.surveys.checks import parse_definition
from cxm.surveys.models import Response
from cxm.surveys.service import export_survey, import_survey, list_surveys
from tests.factories import organization


def faults_of(raw: Any) -> list[dict[str, object]]:
    with pytest.raises(ValidationError) as info:
        parse_definition(raw)
    return [f.as_dict() for f in info.value.faults]


def test_every_question_type_is_accepted(definition: dict[str, Any]) -> None:
    parsed = parse_definition(definition)
    kinds = {q.type for _, q in parsed.questions()}
    assert kinds == {
        "nps", "csat", "ces", "rating", "single", "multiple", "text", "matrix",
        "expectation_perception", "ideal_accepted",
    }  # fmt: skip


def test_missing_translation_names_path_and_question(definition: dict[str, Any]) -> None:
    del definition["pages"][1]["questions"][3]["options"][1]["text"]["ru"]
    assert faults_of(definition) == [
        {
            "reason": "missing the 'ru' translation",
            "field": "pages[1].questions[3].options[1].text.ru",
            "id": "channel_used",
        }
    ]


def test_duplicate_question_id_is_refused(definition: dict[str, Any]) -> None:
    definition["pages"][1]["questions"][1]["id"] = "nps"
    (fault,) = faults_of(definition)
    assert fault["field"] == "pages[1].questions[1].id"
    assert "duplicate question id 'nps'" in str(fault["reason"])


def test_logic_must_refer_to_an_earlier_question(definition: dict[str, Any]) -> None:
    definition["pages"][1]["questions"][0]["visible_if"][0]["question"] = "comment"
    (fault,) = faults_of(definition)
    assert fault == {
        "reason": "refers to 'comment', which is not asked on an earlier page",
        "field": "pages[1].questions[0].visible_if[0].question",
        "id": "why_low",
    }


def test_logic_values_must_fit_the_question(definition: dict[str, Any]) -> None:
    definition["pages"][0]["jumps"][0]["when"][0]["value"] = 11
    (fault,) = faults_of(definition)
    assert fault["field"] == "pages[0].jumps[0].when[0].value"
    assert "outside 'nps''s 0-10" in str(fault["reason"])


def test_skip_logic_only_jumps_forward(definition: dict[str, Any]) -> None:
    definition["pages"][1]["jumps"] = [
        {"when": [{"question": "nps", "op": "le", "value": 3}], "to": "start"}
    ]
    (fault,) = faults_of(definition)
    assert fault["field"] == "pages[1].jumps[0].to"


def test_wrong_types_name_the_question(definition: dict[str, Any]) -> None:
    definition["pages"][1]["questions"][2]["max"] = "many"
    definition["pages"][0]["questions"][0]["type"] = "stars"
    found = {(f["field"], f.get("id")) for f in faults_of(definition)}
    assert ("pages[1].questions[2].max", "speed") in found
    assert ("pages[0].questions[0]", "nps") in found


def test_paired_question_needs_both_sides(definition: dict[str, Any]) -> None:
    del definition["pages"][2]["questions"][0]["sides"]["perception"]
    (fault,) = faults_of(definition)
    assert fault["field"] == "pages[2].questions[0]" and fault["id"] == "gaps"
    assert "expectation" in str(fault["reason"]) and "perception" in str(fault["reason"])


def test_editing_a_survey_adds_a_version_and_responses_keep_theirs(
    db: Database, definition: dict[str, Any]
) -> None:
    org = organization(db)
    doc = {"code": "delivery", "name": "Delivery", "definition": definition}
    first = import_survey(db, org, doc)
    assert (first.version, first.changed) == (1, True)
    assert import_survey(db, org, doc).changed is False
    with db.session() as s:
        from cxm.surveys.models import SurveyVersion

        v1 = s.query(SurveyVersion).one()
        s.add(Response(organization_id=org, survey_id=v1.survey_id, version_id=v1.id,
                       status="complete", started_at=datetime.now(UTC)))  # fmt: skip
    definition["pages"][0]["questions"][0]["text"]["en"] = "Would you recommend us to a friend?"
    second = import_survey(db, org, doc)
    assert (second.version, second.changed, second.responses) == (2, True, 1)
    with db.session() as s:
        assert s.query(Response).one().version_id == v1.id
    assert (
        export_survey(db, org, "delivery", 1).definition["pages"][0]["questions"][0]["text"]["en"]
        == "Would you recommend us?"
    )
    exported = export_survey(db, org, "delivery")
    assert exported.version == 2
    assert import_survey(db, org, exported.model_dump()).changed is False
    assert [s.code for s in list_surveys(db, org)] == ["delivery"]


SURVEYJS: dict[str, Any] = {
    "locale": "uk",
    "title": {"default": "Після покупки", "en": "After purchase", "ru": "После покупки"},
    "pages": [
        {
            "name": "page1",
            "elements": [
                {"type": "rating", "name": "nps", "rateMin": 0, "rateMax": 10, "isRequired": True,
                 "title": {"default": "Порадите?", "en": "Recommend?", "ru": "Порекомендуете?"}},
                {"type": "rating", "name": "csat", "cxmType": "csat", "rateMin": 1, "rateMax": 5,
                 "title": {"default": "Задоволені?", "en": "Satisfied?", "ru": "Довольны?"}},
                {"type": "checkbox", "name": "liked", "choicesOrder": "random",
                 "title": {"default": "Що?", "en": "What?", "ru": "Что?"},
                 "choices": [
                     {"value": "price", "text": {"default": "Ціна", "en": "Price", "ru": "Цена"}},
                     {"value": "speed",
                      "text": {"default": "Швидкість", "en": "Speed", "ru": "Скорость"}},
                 ]},
                {"type": "matrix", "name": "gaps", "cxmType": "expectation_perception",
                 "rows": [{"value": "price",
                           "text": {"default": "Ціна", "en": "Price", "ru": "Цена"}}],
                 "columns": [
                     {"value": "expectation",
                      "text": {"default": "Очікували", "en": "Expected", "ru": "Ожидали"}},
                     {"value": "perception",
                      "text": {"default": "Отримали", "en": "Got", "ru": "Получили"}},
                 ]},
            ],
        },
        {"name": "page2", "elements": [
                {"type": "comment", "name": "why", "visibleIf": "{nps} <= 6",
                 "title": {"default": "Чому?", "en": "Why?", "ru": "Почему?"}},
        ]},
    ],
}  # fmt: skip


def test_surveyjs_definition_is_imported(db: Database) -> None:
    org = organization(db)
    summary = import_survey(db, org, SURVEYJS, code="after-purchase")
    assert summary.name == "Після покупки"
    d = export_survey(db, org, "after-purchase").definition
    assert d["languages"] == ["en", "ru", "uk"]
    qs = {q["id"]: q for page in d["pages"] for q in page["questions"]}
    assert [qs[k]["type"] for k in qs] == [
        "nps", "csat", "multiple", "expectation_perception", "text"
    ]  # fmt: skip
    assert qs["nps"]["required"] is True
    assert qs["why"]["visible_if"] == [{"question": "nps", "op": "le", "value": 6}]
    assert qs["liked"]["randomize"] is True
    assert qs["gaps"]["sides"]["perception"]["en"] == "Got"


def test_surveyjs_unknown_type_is_refused(db: Database) -> None:
    raw = {"elements": [{"type": "signaturepad", "name": "sig"}]}
    with pytest.raises(ValidationError) as info:
        import_survey(db, organization(db), raw, code="x")
    assert info.value.faults[0].as_dict() == {
        "reason": "unsupported SurveyJS type 'signaturepad'",
        "field": "pages[0].elements[0].type",
        "id": "sig",
    }


def test_cli_imports_lists_and_exports(tmp_path: Path, definition: dict[str, Any]) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path)]
    db = Database(f"sqlite:///{tmp_path / 'cxm.sqlite3'}")
    from cxm.core.schema import upgrade

    upgrade(db.engine)
    organization(db, "demo")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(main, [*base, "surveys", "import", str(path), "--code", "delivery"])
    assert r.exit_code == 0, r.output
    assert "delivery: version 1 (new version)" in r.output
    r = runner.invoke(main, [*base, "surveys", "list", "--json"])
    assert json.loads(r.output)[0]["code"] == "delivery"
    r = runner.invoke(main, [*base, "surveys", "export", "delivery"])
    assert json.loads(r.output)["definition"]["pages"][0]["id"] == "start"
    definition["pages"][0]["questions"][0]["text"].pop("uk")
    path.write_text(json.dumps(definition), encoding="utf-8")
    r = runner.invoke(main, [*base, "surveys", "import", str(path), "--code", "delivery"])
    assert r.exit_code == 1
    assert "question nps pages[0].questions[0].text.uk: missing the 'uk' translation" in r.output


def test_display_logic_on_the_same_page_is_refused(definition: dict[str, Any]) -> None:
    # Without JavaScript a page cannot change while it is answered.
    definition["pages"][1]["questions"][2]["visible_if"] = [
        {"question": "ces", "op": "ge", "value": 4}
    ]
    (fault,) = faults_of(definition)
    assert fault["field"] == "pages[1].questions[2].visible_if[0].question"
    assert fault["id"] == "speed"
