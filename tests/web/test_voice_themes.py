"""The comment explorer with themes: lemma search, theme filter and highlighted phrases."""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import Site, log_in

ITEMS = [
    {"kind": "complaint", "text": "Я в люті! Посилку досі не доставили, кур'єр <b>грубий</b>",
     "occurred_at": "2026-10-03T12:00:00Z"},
    {"kind": "comment", "text": "Дякую, посилка прийшла вчасно",
     "occurred_at": "2026-10-04T12:00:00Z"},
    {"kind": "comment", "text": "Черга на касі була величезна",
     "occurred_at": "2026-10-05T12:00:00Z"},
]  # fmt: skip


def _wait_read(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get("/api/v1/voice", headers=headers).json()
        items = body["items"]
        if items and all(i["sentiment"] for i in items) and any(i["themes"] for i in items):
            return body
        time.sleep(0.2)
    raise AssertionError(f"feedback was not read: {body}")


def test_search_theme_filter_and_highlights(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    assert client.post("/api/v1/feedback", json={"feedback": ITEMS}, headers=headers).is_success
    body = _wait_read(client, headers)
    themes = {i["text"]: i["themes"] for i in body["items"]}
    assert "delivery/late" in themes[ITEMS[0]["text"]]
    assert "store/queues" in themes[ITEMS[2]["text"]]
    found = client.get("/api/v1/voice?q=посилки", headers=headers).json()
    assert {i["text"] for i in found["items"]} == {ITEMS[0]["text"], ITEMS[1]["text"]}
    queues = client.get("/api/v1/voice?theme=store", headers=headers).json()
    assert [i["text"] for i in queues["items"]] == [ITEMS[2]["text"]]
    log_in(client, site.email)
    page = client.get("/voice?q=посилкою&theme=delivery/late").text
    assert "Я в люті!" in page and "Дякую" not in page and "Черга" not in page
    assert "<b>грубий</b>" not in page and "&lt;b&gt;" in page  # escaped, inside marks too
    assert re.search(r'<mark class="hl [^"]*hl-theme ', page)  # the words that gave the theme
    assert "hl-anger" in page or "hl-negative" in page  # the words behind the reading
    # Each stored aspect marks the clause it was read from, with its sentiment.
    assert "hl-aspect hl-aspect-negative" in page
    marked = page.split('data-testid="marked"', 1)[1].split("</p>", 1)[0]
    assert 'hl-aspect-negative " title="кур' in marked  # the courier's clause, named
    assert "&lt;b&gt;" in marked and "<b>" not in marked  # customer text escaped in marks
