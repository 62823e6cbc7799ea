"""The Voice filters on the API (bad values refused, naming the parameter) and on the page
(the controls keep their values, paging keeps the filters), and in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.analytics.test_voice_filters import APP, CART, PARCEL, SHOP, voice_world
from tests.web.conftest import Site, browser_log_in, log_in


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("channel", "fax"),
        ("stage", "checkout"),
        ("period", "2026-13"),
        ("period", "March"),
        ("nps_group", "happy"),
        ("store", "x" * 65),
        ("rating", "0"),
        ("rating", "6"),
        ("rating", "four"),
    ],
)
def test_bad_filter_values_are_refused_naming_them(
    site: Site, client: TestClient, param: str, value: str
) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    r = client.get("/api/v1/voice", params={param: value}, headers=headers)
    assert r.status_code == 422
    assert param in r.text


def test_api_filters_by_channel_store_period_stage_and_nps_group(
    site: Site, client: TestClient
) -> None:
    voice_world(site.app.state.db, site.org_id)
    headers = {"Authorization": f"Bearer {site.key}"}

    def texts(**params: str) -> list[str]:
        r = client.get("/api/v1/voice", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return [i["text"] for i in r.json()["items"]]

    assert texts(channel="delivery") == [PARCEL]
    assert texts(store="K1") == [SHOP, CART]
    assert texts(period="2026-03") == [SHOP, PARCEL]
    assert texts(stage="unknown") == [APP, SHOP]
    assert texts(nps_group="promoter") == [PARCEL, CART]
    assert texts(q="late", store="K1") == [SHOP]
    assert texts(rating="2") == [SHOP]
    stars = {i["text"]: i["rating"] for i in
             client.get("/api/v1/voice", headers=headers).json()["items"]}  # fmt: skip
    assert stars == {APP: 5, SHOP: 2, PARCEL: None, CART: None}
    spec = client.get("/api/v1/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/api/v1/voice"]["get"]["parameters"]}
    assert {"channel", "stage", "store", "period", "nps_group", "rating"} <= names


def test_page_filters_keep_their_values_across_pages(
    site: Site, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    voice_world(site.app.state.db, site.org_id)
    monkeypatch.setattr("cxm.analytics.voice.PAGE_SIZE", 1)
    log_in(client, site.email)
    first = client.get("/voice?store=K1&period=2026-Q1&nps_group=&stage=").text
    assert SHOP in first and CART not in first
    assert '<option value="K1" selected>' in first
    assert 'name="period" value="2026-Q1"' in first
    assert "?store=K1&amp;period=2026-Q1&page=2" in first
    second = client.get("/voice?store=K1&period=2026-Q1&page=2").text
    assert CART in second and SHOP not in second and PARCEL not in second
    # Values outside the lists are ignored on the page (the API refuses them).
    assert APP in client.get("/voice?channel=fax&period=soon").text
    channels = client.get("/voice?channel=delivery&nps_group=promoter").text
    assert PARCEL in channels and CART not in channels
    # Stars: the filter keeps its value, each rated review shows its stars.
    rated = client.get("/voice?rating=2").text
    assert SHOP in rated and APP not in rated and '<option value="2" selected>' in rated
    assert 'data-testid="stars" title="2 з 5 зірок">★★☆☆☆</span>' in rated
    assert '<span data-testid="by-rating">2★ 1, 5★ 1</span>' in client.get("/voice").text
    assert 'data-testid="stars"' not in client.get("/voice?channel=delivery").text
    # A comment's theme link keeps the other filters.
    from cxm.text.theme_store import read_pending_themes

    read_pending_themes(site.app.state.db, site.org_id)
    channels = client.get("/voice?channel=delivery&nps_group=promoter").text
    assert 'href="/voice?channel=delivery&amp;nps_group=promoter&amp;theme=delivery/' in channels


@pytest.mark.browser
def test_filter_voice_by_store_in_chromium(live_url: str, site: Site, browser_page: Any) -> None:
    voice_world(site.app.state.db, site.org_id)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/voice")
    page.wait_for_selector("[data-testid=voice-total]")
    assert page.locator("li.comment").count() == 4
    page.select_option("select[name=store]", "K1")
    page.fill("input[name=q]", "late")
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=voice-total]")
    assert page.locator(".comment-text").all_inner_texts() == [SHOP]
    assert page.locator("select[name=store]").input_value() == "K1"


def _read_by_the_worker(site: Site) -> None:
    """Wait for the app's worker to read the stored texts (their readings are compared)."""
    import time

    from cxm.core.jobs import queue_counts

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counts = queue_counts(site.app.state.db)
        if counts["queued"] == counts["running"] == 0:
            return
        time.sleep(0.1)


def test_cxm_text_comments_gives_what_the_api_gives(
    site: Site, client: TestClient, tmp_path: Any
) -> None:
    import json

    from click.testing import CliRunner

    from cxm.cli import main

    voice_world(site.app.state.db, site.org_id)
    _read_by_the_worker(site)
    headers = {"Authorization": f"Bearer {site.key}"}
    base = ["--data-dir", str(tmp_path), "--database-url", site.app.state.db.url, "text",
            "comments", "--json"]  # fmt: skip
    runner = CliRunner()
    for cli, params in (
        ([], {}),
        (["--store", "K1", "--search", "late"], {"store": "K1", "q": "late"}),
        (["--nps-group", "promoter", "--period", "2026"], {"nps_group": "promoter",
                                                           "period": "2026"}),
        (["--stage", "unknown"], {"stage": "unknown"}),
        (["--rating", "5"], {"rating": "5"}),
    ):  # fmt: skip
        said = runner.invoke(main, [*base, *cli])
        assert said.exit_code == 0, said.output
        api = client.get("/api/v1/voice", params=params, headers=headers).json()
        assert json.loads(said.output) == api and api["total"] >= 1, cli
    # Each item carries its stored reading: model, confidence, every emotion's intensity.
    item = client.get("/api/v1/voice", headers=headers).json()["items"][0]
    reading = item["reading"]
    assert reading["model"].startswith("builtin-") and 0 <= reading["confidence"] <= 1
    assert set(reading["emotion_intensities"]) == {
        "anger", "disgust", "fear", "joy", "sadness", "surprise", "gratitude", "disappointment",
        "trust",
    }  # fmt: skip
    refused = runner.invoke(main, [*base, "--period", "March"])
    assert refused.exit_code != 0 and "--period" in refused.output
    text = runner.invoke(main, [*base[:-1], "--channel", "delivery"])
    assert "1 comment(s)" in text.output and PARCEL in text.output
    rated = runner.invoke(main, [*base[:-1], "--rating", "2"])
    assert "1 comment(s)" in rated.output and "review 2*" in rated.output
    assert runner.invoke(main, [*base, "--rating", "6"]).exit_code != 0


def test_the_voice_page_says_why_texts_fell_back(site: Site, client: TestClient) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from cxm.core.db import table
    from cxm.core.jobs import Job

    log_in(client, site.email)
    assert 'data-testid="text-fallbacks"' not in client.get("/voice").text
    now = datetime.now(UTC)
    cause = "llm endpoint http://10.0.0.9/v1/chat/completions: unreachable <b>refused</b>"
    with site.app.state.db.writer() as conn:  # a finished enrichment run that fell back
        conn.execute(insert(table(Job)).values(
            organization_id=site.org_id, kind="text.enrich", payload={}, status="done",
            attempts=1, max_attempts=5, run_after=now, created_at=now, finished_at=now,
            result={"enriched": 3, "model": "builtin-x", "fallbacks": [cause]},
        ))  # fmt: skip
    html = client.get("/voice").text
    assert 'data-testid="text-fallbacks"' in html
    assert "unreachable &lt;b&gt;refused&lt;/b&gt;" in html and "<b>refused" not in html


def test_a_search_finds_every_hit_under_the_filters(
    site: Site, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API, page and CLI search the analytics store with the filters: no cap on hits."""
    from cxm.text.theme_store import read_pending_themes

    voice_world(site.app.state.db, site.org_id)
    read_pending_themes(site.app.state.db, site.org_id)
    monkeypatch.setattr("cxm.text.search.MAX_HITS", 1)  # the lemma index's cap, unused here
    headers = {"Authorization": f"Bearer {site.key}"}
    log_in(client, site.email)
    wide = client.get("/api/v1/voice", params={"q": "late"}, headers=headers).json()
    assert [i["text"] for i in wide["items"]] == [APP, SHOP, PARCEL]
    assert "search_capped" not in wide
    oldest = client.get("/api/v1/voice", params={"q": "late", "store": "L2"}, headers=headers)
    assert [i["text"] for i in oldest.json()["items"]] == [PARCEL]
    html = client.get("/voice?q=late&store=L2").text
    assert PARCEL in html and SHOP not in html and 'data-testid="search-capped"' not in html


def test_comments_export_every_filtered_comment_on_the_api_page_and_cli(
    site: Site, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import csv
    import io

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from cxm.cli import main
    from cxm.feedback.service import ingest_feedback

    db = site.app.state.db
    voice_world(db, site.org_id)
    risky = '=HYPERLINK("http://x") late parcel'  # customer text a spreadsheet must not run
    ingest_feedback(db, site.org_id, [{"kind": "review", "text": risky, "rating": 1,
                                       "occurred_at": "2026-04-06T10:00:00Z"}])  # fmt: skip
    _read_by_the_worker(site)
    monkeypatch.setattr("cxm.analytics.voice.PAGE_SIZE", 1)  # the file is not one page
    headers = {"Authorization": f"Bearer {site.key}"}
    api = client.get("/api/v1/voice", params={"q": "late", "format": "csv"}, headers=headers)
    assert api.status_code == 200 and api.headers["content-type"].startswith("text/csv")
    assert 'filename="comments.csv"' in api.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == ["'" + risky, APP, SHOP, PARCEL]
    assert [r["rating"] for r in rows] == ["1", "5", "2", ""]
    assert rows[0]["kind"] == "review" and rows[3]["channel"] == "delivery"
    # The read sentiment against the stars of the three rated reviews, on the API and page.
    status = client.get("/api/v1/text/status", headers=headers).json()
    agreement = status["rating_agreement"]
    assert agreement["n"] == 3 and 0 <= agreement["accuracy"] <= 1
    assert [r["language"] for r in status["emotion_accuracy"]][:5] == ["uk", "uk", "uk", "ru", "en"]
    reviews = [r["language"] for r in status["sentiment_accuracy"]]
    assert reviews == ["uk"] * 4 + ["ru"] * 4 + ["en"] * 2
    log_in(client, site.email)
    page = client.get("/voice?q=late").text
    assert 'data-testid="rating-agreement"' in page and "3 відгуків з оцінкою" in page
    assert 'data-testid="emotion-accuracy"' in page and "Наскільки точно читаються тексти" in page
    assert 'data-testid="sentiment-accuracy"' in page
    assert 'href="/voice?q=late&amp;format=csv"' in page
    assert client.get("/voice?q=late&format=csv").content == api.content
    stored = client.get("/voice?store=K1&format=xlsx")
    sheet = load_workbook(io.BytesIO(stored.content)).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0][0] == "feedback_id" and [r[-1] for r in cells[1:]] == [SHOP, CART]
    target = tmp_path / "late.csv"
    said = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "--database-url", db.url,
                                     "text", "comments", "--search", "late", "--export",
                                     str(target)])  # fmt: skip
    assert said.exit_code == 0 and "4 comment(s) written" in said.output
    assert target.read_bytes() == api.content
    bad = client.get("/api/v1/voice", params={"format": "pdf"}, headers=headers)
    assert bad.status_code == 422 and "format" in bad.text
