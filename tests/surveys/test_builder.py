"""The survey builder: a draft edited by form fields and buttons, saved as survey versions."""

from __future__ import annotations

import json
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.core.errors import ValidationError
from cxm.surveys.builder import (
    apply_action,
    blank_definition,
    fold_form,
    parse_conditions,
    parse_jumps,
    show_conditions,
    show_jumps,
)
from cxm.surveys.service import export_survey, import_survey
from tests.web.conftest import Site, browser_log_in, csrf_of, log_in


def test_conditions_and_jumps_read_and_write_as_short_text() -> None:
    conds = parse_conditions("nps le 6 and channel in web,app and why answered", "f")
    assert conds == [
        {"question": "nps", "op": "le", "value": 6},
        {"question": "channel", "op": "in", "value": ["web", "app"]},
        {"question": "why", "op": "answered"},
    ]
    assert show_conditions(conds) == "nps le 6 and channel in web,app and why answered"
    jumps = parse_jumps("nps ge 9 -> end\ncsat le 2.5 -> p3", "pages[0].jumps")
    assert jumps[1] == {"when": [{"question": "csat", "op": "le", "value": 2.5}], "to": "p3"}
    assert show_jumps(jumps) == "nps ge 9 -> end\ncsat le 2.5 -> p3"
    assert parse_conditions("  ", "f") == []
    with pytest.raises(ValidationError) as bad:
        parse_conditions("nps about 6", "pages[0].questions[1].visible_if")
    assert bad.value.faults[0].field == "pages[0].questions[1].visible_if"
    with pytest.raises(ValidationError):
        parse_conditions("nps le", "f")
    with pytest.raises(ValidationError):
        parse_jumps("nps ge 9 end", "f")


def test_actions_add_move_and_delete_questions_and_pages() -> None:
    d = blank_definition(["uk", "en"])
    d = apply_action(d, "add:0", {"p.0.new": "nps"})
    d = apply_action(d, "add:0", {"p.0.new": "single"})
    d = apply_action(d, "add:0", {"p.0.new": "nps"})
    ids = [q["id"] for q in d["pages"][0]["questions"]]
    assert ids == ["nps1", "q1", "nps2"]
    choice = d["pages"][0]["questions"][1]
    assert [o["value"] for o in choice["options"]] == ["o1", "o2"]
    assert choice["text"] == {"uk": "", "en": ""}
    d = apply_action(d, "up:0:2", {})
    assert [q["id"] for q in d["pages"][0]["questions"]] == ["nps1", "nps2", "q1"]
    d = apply_action(d, "up:0:0", {})  # the first one stays first
    assert [q["id"] for q in d["pages"][0]["questions"]] == ["nps1", "nps2", "q1"]
    d = apply_action(d, "page_add", {})
    d = apply_action(d, "next:0:2", {})
    assert [p["id"] for p in d["pages"]] == ["p1", "p2"]
    assert [q["id"] for q in d["pages"][1]["questions"]] == ["q1"]
    d = apply_action(d, "page_down:0", {})
    assert [p["id"] for p in d["pages"]] == ["p2", "p1"]
    d = apply_action(d, "delete:1:0", {})
    assert [q["id"] for q in d["pages"][1]["questions"]] == ["nps2"]
    d = apply_action(d, "page_delete:0", {})
    d = apply_action(d, "page_delete:0", {})  # the last page is never deleted
    assert len(d["pages"]) == 1
    with pytest.raises(ValidationError):
        apply_action(d, "explode:0", {})


def test_form_fields_fold_texts_options_and_logic_into_the_draft() -> None:
    d = apply_action(blank_definition(["uk", "en"]), "add:0", {"p.0.new": "single"})
    form = {
        "languages": "uk, en, ru",
        "title.uk": "Доставка",
        "title.en": "Delivery",
        "q.0.0.seen": "1",
        "q.0.0.required": "1",
        "q.0.0.text.uk": "Де ви купували?",
        "q.0.0.text.en": "Where did you buy?",
        "q.0.0.options.ids": "web\napp\nstore",
        "q.0.0.options.uk": "Сайт\nЗастосунок\nМагазин",
        "q.0.0.options.en": "Website\nApp\nStore",
        "q.0.0.if": "",
        "p.0.jumps": "q1 eq store -> end",
    }
    out = fold_form(d, form)
    assert out["languages"] == ["uk", "en", "ru"]
    q = out["pages"][0]["questions"][0]
    assert q["required"] is True and q["randomize"] is False
    assert q["text"]["en"] == "Where did you buy?"
    assert [o["value"] for o in q["options"]] == ["web", "app", "store"]
    assert q["options"][2]["text"] == {"uk": "Магазин", "en": "Store", "ru": ""}
    assert out["pages"][0]["jumps"] == [
        {"when": [{"question": "q1", "op": "eq", "value": "store"}], "to": "end"}
    ]
    assert out["title"] == {"uk": "Доставка", "en": "Delivery", "ru": ""}
    # An unticked checkbox sends nothing: "seen" tells the builder the box was on the page.
    assert fold_form(out, {"q.0.0.seen": "1"})["pages"][0]["questions"][0]["required"] is False
    with pytest.raises(ValidationError) as bad:
        fold_form(d, {"languages": "uk, english"})
    assert bad.value.faults[0].field == "languages"


def _post(client: TestClient, page: str, **fields: str) -> Any:
    token = csrf_of(page)
    draft = unescape(page.split('name="draft" value="', 1)[1].split('"', 1)[0])
    return client.post("/surveys/build", data={"csrf_token": token, "draft": draft, **fields})


def test_build_a_survey_in_the_web_ui_save_and_edit_into_a_new_version(
    client: TestClient, site: Site
) -> None:
    assert log_in(client, site.email).status_code == 303
    page = client.get("/surveys/new")
    assert page.status_code == 200 and "Конструктор опитування" in page.text
    meta = {"code": "pickup", "name": "Pick-up", "kind": "transactional", "status": "live"}
    page = _post(client, page.text, **meta, action="add:0", **{"p.0.new": "nps"})
    assert 'data-question="nps1"' in page.text
    # Saving with empty texts is refused with the path of each missing translation;
    # what was typed stays in the form.
    typed = {"q.0.0.seen": "1", "q.0.0.required": "1", "q.0.0.text.uk": "<b>Порадите?</b>"}
    refused = _post(client, page.text, **meta, **typed, action="save")
    assert refused.status_code == 422
    assert "pages[0].questions[0].text" in refused.text
    assert "&lt;b&gt;Порадите?&lt;/b&gt;" in refused.text and "<b>Порадите" not in refused.text
    texts = {"q.0.0.text.uk": "Порадите нас?", "q.0.0.text.en": "Recommend us?",
             "q.0.0.text.ru": "Посоветуете нас?"}  # fmt: skip
    saved = _post(client, refused.text, **meta, **{**typed, **texts}, action="save")
    assert saved.status_code == 200, saved.text
    assert 'data-testid="saved"' in saved.text and "версія 1" in saved.text
    doc = export_survey(site.app.state.db, site.org_id, "pickup")
    assert doc.version == 1
    assert doc.definition["pages"][0]["questions"][0]["text"]["en"] == "Recommend us?"

    # Edit the live survey: add a follow-up shown to detractors; saving adds version 2.
    edit = client.get("/surveys/pickup/edit")
    assert edit.status_code == 200 and "Recommend us?" in edit.text
    # (display logic refers to earlier pages only, so the follow-up goes on a second page)
    step = _post(client, edit.text, **meta, version="1", action="page_add")
    step = _post(client, step.text, **meta, version="1", action="add:1", **{"p.1.new": "text"})
    follow = {"q.1.0.seen": "1", "q.1.0.if": "nps1 le 6", "q.1.0.text.uk": "Чому?",
              "q.1.0.text.en": "Why?", "q.1.0.text.ru": "Почему?"}  # fmt: skip
    preview = _post(client, step.text, **meta, **follow, action="preview", shown="en")
    assert 'data-testid="preview"' in preview.text and "Why?" in preview.text
    v2 = _post(client, preview.text, **meta, **follow, action="save")
    assert v2.status_code == 200 and "версія 2" in v2.text
    doc = export_survey(site.app.state.db, site.org_id, "pickup")
    assert doc.version == 2
    assert doc.definition["pages"][1]["questions"][0]["visible_if"] == [
        {"question": "nps1", "op": "le", "value": 6}
    ]
    # Saving again without a change adds no version.
    same = _post(client, v2.text, **meta, action="save")
    assert export_survey(site.app.state.db, site.org_id, "pickup").version == 2
    assert "не змінилося" in same.text or "unchanged" in same.text


def test_bad_logic_and_a_broken_draft_are_refused_with_the_field(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Delivery")
    assert log_in(client, site.email).status_code == 303
    edit = client.get("/surveys/delivery/edit")
    meta = {"code": "delivery", "name": "Delivery", "kind": "transactional", "status": "live"}
    bad = _post(client, edit.text, **meta, **{"q.1.0.if": "ghost le 6"}, action="save")
    assert bad.status_code == 422 and "ghost" in bad.text
    assert export_survey(site.app.state.db, site.org_id, "delivery").version == 1
    unreadable = _post(client, edit.text, **meta, **{"q.1.0.if": "nps maybe"}, action="refresh")
    assert unreadable.status_code == 422 and "pages[1].questions[0].visible_if" in unreadable.text
    token = csrf_of(edit.text)
    broken = client.post(
        "/surveys/build", data={"csrf_token": token, "draft": "{not json", "action": "save"}
    )
    assert broken.status_code == 422 and "draft" in broken.text
    no_csrf = client.post("/surveys/build", data={"draft": json.dumps(definition)})
    assert no_csrf.status_code in (400, 403)


@pytest.mark.browser
def test_a_manager_builds_a_survey_in_chromium(
    live_url: str, site: Site, browser_page: Any
) -> None:
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_url(live_url + "/")
    page.goto(live_url + "/surveys")
    page.click("[data-testid=new-survey]")
    page.fill("input[name=code]", "store-visit")
    page.fill("input[name=name]", "Store visit")
    page.fill("input[name=languages]", "uk, en")
    page.select_option("select[name='p.0.new']", "csat")
    page.click("[data-testid=add-0]")
    page.fill("input[name='q.0.0.text.uk']", "Чи задоволені ви візитом?")
    page.fill("input[name='q.0.0.text.en']", "Were you satisfied with the visit?")
    page.select_option("select[name='p.0.new']", "text")
    page.click("[data-testid=add-0]")
    page.fill("input[name='q.0.1.text.uk']", "Що покращити?")
    page.fill("input[name='q.0.1.text.en']", "What should we improve?")
    page.click("button[value='up:0:1']")  # the open question first
    assert page.locator(".builder-question legend").first.inner_text().endswith("q1")
    page.click("button[value=save]")
    page.wait_for_selector("[data-testid=saved]")
    doc = export_survey(site.app.state.db, site.org_id, "store-visit")
    assert [q["id"] for q in doc.definition["pages"][0]["questions"]] == ["q1", "csat1"]
    assert doc.definition["pages"][0]["questions"][1]["text"]["uk"] == "Чи задоволені ви візитом?"
