"""Voice with text analytics: feedback read in the background, filtered by emotion."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Site, browser_log_in, log_in

ITEMS = [
    {"kind": "complaint", "text": "Я в люті! Третій раз дзвоню, жахливий сервіс!",
     "occurred_at": "2026-10-03T12:00:00Z"},
    {"kind": "comment", "text": "Дякую, все чудово, дуже задоволена!",
     "occurred_at": "2026-10-04T12:00:00Z"},
]  # fmt: skip


def _wait_enriched(get: Any, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = get("/api/v1/voice", headers=headers).json()
        if body["items"] and all(i["sentiment"] for i in body["items"]):
            return body
        time.sleep(0.2)
    raise AssertionError(f"feedback was not enriched: {body}")


def test_api_reads_texts_and_voice_filters_by_emotion(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    read = client.post("/api/v1/text/analyse", json={"texts": ["Чудово, дякую!", ""]},
                       headers=headers).json()  # fmt: skip
    assert read["results"][0]["sentiment"] == "positive"
    assert read["results"][1]["language"] == "" and read["results"][1]["labels"] == "none"
    too_many = client.post("/api/v1/text/analyse", json={"texts": ["x"] * 101}, headers=headers)
    assert too_many.status_code == 422
    posted = client.post("/api/v1/feedback", json={"feedback": ITEMS}, headers=headers)
    assert posted.json()["accepted"] == 2
    body = _wait_enriched(client.get, headers)
    by_text = {i["text"]: i for i in body["items"]}
    assert by_text[ITEMS[0]["text"]]["sentiment"] == "negative"
    assert "anger" in by_text[ITEMS[0]["text"]]["emotions"]
    assert by_text[ITEMS[1]["text"]]["sentiment"] == "positive"
    angry = client.get("/api/v1/voice?emotion=anger", headers=headers).json()
    assert [i["text"] for i in angry["items"]] == [ITEMS[0]["text"]]
    log_in(client, site.email)
    page = client.get("/voice?emotion=anger").text
    assert "Третій раз дзвоню" in page and "все чудово" not in page


@pytest.mark.browser
def test_filter_voice_to_anger_in_chromium(live_url: str, site: Site, browser_page: Any) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    relied = {"kind": "comment", "occurred_at": "2026-10-05T12:00:00Z",
              "text": "Купую тільки у вас, жодного разу не підвели."}  # fmt: skip
    feedback = {"feedback": [*ITEMS, relied]}
    httpx2.post(f"{live_url}/api/v1/feedback", json=feedback, headers=headers)
    _wait_enriched(lambda path, headers: httpx2.get(live_url + path, headers=headers), headers)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/voice")
    page.select_option("select[name=emotion]", "anger")
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=reading]")
    comments = page.locator("li.comment")
    assert comments.count() == 1
    assert "Третій раз дзвоню" in comments.first.inner_text()
    assert page.locator("li.comment .sentiment-negative").count() == 1
    # Gratitude: the thanking comment, its "Дякую" marked when it is opened.
    page.select_option("select[name=emotion]", "gratitude")
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=reading]")
    assert comments.count() == 1 and "все чудово" in comments.first.inner_text()
    comments.first.locator("summary").click()
    assert page.locator("li.comment mark.hl-gratitude").first.inner_text() == "Дякую"
    # Trust: the comment that relies on the shop, what said it marked in its own colour.
    page.select_option("select[name=emotion]", "trust")
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=reading]")
    assert comments.count() == 1 and "не підвели" in comments.first.inner_text()
    comments.first.locator("summary").click()
    mark = page.locator("li.comment mark.hl-trust").first
    assert mark.inner_text() == "жодного разу не підвели"
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(227, 239, 253)"
    # How well the shipped model reads, per language, opened under the counts.
    read = page.locator("[data-testid=reading-accuracy]")
    read.locator("summary").click()
    reviews = read.locator("[data-testid=sentiment-accuracy] tbody tr")
    assert reviews.count() == 10
    assert reviews.first.inner_text().startswith("uk")
    assert "відкладені відгуки команди cxm" in reviews.first.inner_text()
    assert "відкладені відгуки команди cxm про товари" in reviews.nth(2).inner_text()
    rows = read.locator("[data-testid=emotion-accuracy] tbody tr")
    assert rows.count() == 8
    russian = rows.nth(3).inner_text()
    assert russian.startswith("ru") and "CEDR, відкладені російські речення" in russian
    assert "1 506" in russian.replace("\u00a0", " ") and "гнів" in russian
