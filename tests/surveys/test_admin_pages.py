"""The Surveys page: list, import with faults shown per question, preview in each language."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import Site, csrf_of, log_in


def test_import_list_preview_and_export_in_the_web_ui(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    assert log_in(client, site.email).status_code == 303
    empty = client.get("/surveys")
    assert empty.status_code == 200 and "Опитувань ще немає" in empty.text
    token = csrf_of(empty.text)
    bad = dict(definition)
    bad["pages"] = [dict(definition["pages"][0])]
    bad["pages"][0]["questions"] = [
        {**definition["pages"][0]["questions"][0], "text": {"uk": "<b>Так?</b>"}}
    ]
    pasted = json.dumps(bad, ensure_ascii=False)
    refused = client.post("/surveys", data={"csrf_token": token, "code": "delivery",
                                            "document": pasted})  # fmt: skip
    assert refused.status_code == 422
    assert "<code>nps</code> <code>pages[0].questions[0].text.ru</code>" in refused.text
    assert "&lt;b&gt;Так?&lt;/b&gt;" in refused.text  # what was pasted is kept, escaped
    form = {"csrf_token": token, "code": "delivery", "name": "Доставка"}
    ok = client.post("/surveys", data={**form, "document": json.dumps(definition)})
    assert ok.status_code == 200 and "Опитування delivery: версія 1." in ok.text
    assert '<a href="/surveys/delivery/preview">' in ok.text
    preview = client.get("/surveys/delivery/preview?p=1&lang=en")
    assert "Where did you buy?" in preview.text and "Website" in preview.text
    assert "<code>nps le 6</code>" in preview.text  # display logic is shown
    assert client.get("/surveys/ghost/preview").status_code == 404
    exported = client.get("/surveys/delivery/export").json()
    assert exported["code"] == "delivery" and exported["version"] == 1


def test_the_surveys_page_needs_a_login(client: TestClient) -> None:
    r = client.get("/surveys", follow_redirects=False)
    assert r.status_code in (302, 303, 307) and "/login" in r.headers["location"]
