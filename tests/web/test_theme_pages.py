"""The Themes page and the comment explorer on the small demo world: planted truths per
theme, promotion with CSRF, taxonomy edits refused with the path, and Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.cli import main
from cxm.core.auth import create_user
from cxm.core.settings import Settings, get_settings
from cxm.feedback.models import FEEDBACK_KINDS
from cxm.feedback.service import ingest_feedback
from cxm.ingest.models import CHANNELS
from cxm.text.enrichment import enrich_pending, load_model, model_path
from cxm.text.theme_store import load_taxonomy, read_pending_themes
from cxm.web.app import create_app
from cxm.web.i18n import number, percent
from tests.factories import api_key
from tests.web.conftest import PASSWORD, Site, browser_log_in, csrf_of, log_in
from tests.worlds import World


@pytest.fixture
def site(small_world: World, tmp_path: Path) -> Site:
    """An app on a read copy of the small demo world (the shared world stays read-only)."""
    copy = small_world.copy_to(tmp_path / "world.sqlite3")
    app = create_app(Settings(data_dir=tmp_path, database_url=copy))
    db = app.state.db
    org_id = small_world.summary.organization_id
    enrich_pending(db, org_id, load_model(model_path(tmp_path, org_id)))
    read_pending_themes(db, org_id)
    email = "olena@example.com"
    with db.session() as s:
        create_user(s, org_id, email, PASSWORD, name="Olena", language="en")
    return Site(app, org_id, email, api_key(db, org_id))


def test_themes_api_cli_and_page_agree_on_the_planted_truths(
    site: Site, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    body = client.get("/api/v1/text/themes", headers=headers).json()
    by_key = {t["key"]: t for t in body["themes"]}
    # The contact-centre loops are angry, negative and cost NPS (interval below zero).
    loops = by_key["contact_centre/repeat"]
    assert loops["negative"] > 0.8 and max(loops["emotions"], key=loops["emotions"].get) == "anger"
    assert loops["nps_difference"] < 0 and loops["nps_high"] < 0
    late = by_key["delivery/late"]
    assert late["negative"] > 0.6 and late["nps_difference"] < 0
    recent = client.get("/api/v1/text/themes?since=2026-08-01&language=uk", headers=headers)
    assert 0 < recent.json()["comments"] < body["comments"]
    monkeypatch.setenv("CXM_DATABASE_URL", str(site.app.state.db.engine.url))
    # The site's own data directory: an analytics store left in the working directory by an
    # earlier run would hold that run's readings.
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    cli = CliRunner().invoke(main, ["text", "themes", "--since", "2026-08-01",
                                    "--language", "uk", "--json"])  # fmt: skip
    get_settings.cache_clear()
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["themes"] == recent.json()["themes"]
    log_in(client, site.email)
    page = client.get("/themes").text
    assert "Contact centre: Repeat contacts" in page and 'data-testid="cluster"' in page


def test_promote_needs_csrf_and_bad_taxonomy_is_refused(site: Site, client: TestClient) -> None:
    log_in(client, site.email)
    page = client.get("/themes").text
    words = json.dumps({"uk": ["пом'ята коробка"], "ru": ["мятая коробка"]})
    form = {"theme": "packaging", "subtheme": "damaged", "name": "Damaged packaging",
            "keywords": words}  # fmt: skip
    assert client.post("/themes/promote", data=form).status_code == 403
    token = csrf_of(page)
    done = client.post("/themes/promote", data={**form, "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    db = site.app.state.db
    assert "packaging/damaged" in load_taxonomy(db, site.org_id).theme_keys()
    definition = load_taxonomy(db, site.org_id).as_dict()
    definition["themes"][1]["subthemes"][0]["names"] = {"uk": "Без англійської"}
    bad = client.post("/themes/taxonomy",
                      data={"definition": json.dumps(definition, ensure_ascii=False),
                            "csrf_token": token})  # fmt: skip
    assert bad.status_code == 422 and "themes[1].subthemes[0].names" in bad.text
    assert "Без англійської" in bad.text  # what was typed is kept


@pytest.mark.browser
def test_search_a_ukrainian_word_filter_to_anger_and_see_highlights(
    live_url: str, site: Site, browser_page: Any
) -> None:
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/voice")
    page.fill("input[name=q]", "дзвінки")  # the demo writes "дзвінок": another form
    page.select_option("select[name=emotion]", "anger")
    page.click("form.filters button.primary")
    page.wait_for_selector("li.comment")
    texts = page.locator("li.comment .comment-text")
    assert texts.count() >= 3
    assert all("дзвін" in texts.nth(i).inner_text() for i in range(texts.count()))
    page.locator("li.comment summary").first.click()
    marked = page.locator("li.comment").first.locator("[data-testid=marked]")
    marked.wait_for()
    themed = marked.locator("mark.hl-theme")
    assert themed.count() >= 1
    assert any("дзвін" in themed.nth(i).inner_text() for i in range(themed.count()))
    assert marked.locator("mark.hl-anger, mark.hl-negative").count() >= 1


def test_aspects_on_the_api_cli_themes_page_and_comments(
    site: Site, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    body = client.get("/api/v1/text/aspects", headers=headers).json()
    by = {a["aspect"]: a for a in body["aspects"]}
    # The demo's planted late-delivery complaints: delivery is named often, mostly badly.
    delivery = by["delivery"]
    assert delivery["comments"] >= 20 and delivery["negative"] > delivery["positive"]
    assert delivery["net"] < 0 and 0 < body["with_aspect"] <= body["comments"]
    assert sum(delivery["by_month"].values()) == delivery["comments"]
    recent = client.get("/api/v1/text/aspects?since=2026-08-01&language=uk", headers=headers)
    assert 0 < recent.json()["comments"] < body["comments"]
    monkeypatch.setenv("CXM_DATABASE_URL", str(site.app.state.db.engine.url))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))  # not a store left by an earlier run
    get_settings.cache_clear()
    cli = CliRunner().invoke(main, ["text", "aspects", "--since", "2026-08-01",
                                    "--language", "uk", "--json"])  # fmt: skip
    table_out = CliRunner().invoke(main, ["text", "aspects"])
    get_settings.cache_clear()
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["aspects"] == recent.json()["aspects"]
    assert table_out.exit_code == 0 and "delivery" in table_out.output
    voice = client.get("/api/v1/voice?theme=delivery/late", headers=headers).json()
    named = [i for i in voice["items"] if i["aspects"]]
    assert named and all({"aspect", "sentiment", "score", "start", "end"} <= set(a)
                         for i in named for a in i["aspects"])  # fmt: skip
    log_in(client, site.email)
    page = client.get("/themes").text
    assert 'data-testid="aspects-table"' in page and 'data-aspect="delivery"' in page
    comments = client.get("/voice?theme=delivery/late").text
    assert 'data-testid="aspects"' in comments and "delivery: negative" in comments
    # The clause shown with an aspect is customer text: escaped.
    db = site.app.state.db
    ingest_feedback(db, site.org_id, [{"kind": "comment", "occurred_at": "2026-11-20T10:00:00Z",
                                       "text": "The <b>delivery</b> was late"}])  # fmt: skip
    enrich_pending(db, site.org_id, load_model(model_path(site.app.state.settings.data_dir,
                                                          site.org_id)))  # fmt: skip
    newest = client.get("/voice?q=delivery").text
    assert 'title="The &lt;b&gt;delivery&lt;/b&gt; was late"' in newest and "<b>" not in newest


def _row(page: str, key: str) -> str:
    found = re.search(rf'<tr class="[a-z]+" data-theme="{re.escape(key)}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {key}"
    return found.group(1)


def _cell(row: str, column: str) -> str:
    found = re.search(rf'<td data-column="{column}"[^>]*>([^<]*)</td>', row)
    assert found, f"no {column} cell"
    return found.group(1)


def _same_figures(page: str, body: dict[str, Any]) -> None:
    """Each theme's row shows the API's figures, the positive share, mean score and mean
    stars too."""
    assert f"{number(body['comments'], 'en')} comments" in page
    for t in body["themes"]:
        row = _row(page, t["key"])
        assert f"{number(t['comments'], 'en')} ({percent(t['share'], 'en')})" in row
        assert _cell(row, "negative") == percent(t["negative"], "en")
        assert _cell(row, "positive") == percent(t["positive"], "en")
        assert _cell(row, "mean-score") == number(t["mean_score"], "en", 2)
        stars = (f"{number(t['mean_rating'], 'en', 1)}★ ({number(t['rated'], 'en')})"
                 if t["mean_rating"] is not None else None)  # fmt: skip
        if stars is None:
            assert '<td data-column="stars"><span class="muted">—</span></td>' in row
        else:
            assert _cell(row, "stars") == stars
            if t["rating_low"] is not None:
                low, high = number(t["rating_low"], "en", 1), number(t["rating_high"], "en", 1)
                assert f'title="95% interval {low} … {high}"' in row


def test_themes_page_filters_columns_and_drivers_link_follow_the_analytics(
    site: Site, client: TestClient
) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    log_in(client, site.email)

    def api(query: str = "") -> dict[str, Any]:
        body = client.get(f"/api/v1/text/themes?{query}", headers=headers).json()
        assert isinstance(body, dict)
        return body

    everything = api()
    _same_figures(client.get("/themes").text, everything)
    by_key = {t["key"]: t for t in everything["themes"]}
    kind_words, late = by_key["staff/courtesy"], by_key["delivery/late"]
    assert kind_words["positive"] == 1.0 and late["positive"] == 0
    assert kind_words["mean_score"] > 0.5 > -0.5 > late["mean_score"]
    # The channel and kind with the most comments, so that the filters keep some.
    channel = max(CHANNELS, key=lambda c: api(f"channel={c}")["comments"])
    kind = max(FEEDBACK_KINDS, key=lambda k: api(f"channel={channel}&kind={k}")["comments"])
    query = f"channel={channel}&kind={kind}&since=2026-06-01"
    filtered = api(query)
    assert 0 < filtered["comments"] < everything["comments"] and filtered["themes"]
    page = client.get(f"/themes?{query}").text
    assert f'<option value="{channel}" selected>' in page
    assert f'<option value="{kind}" selected>' in page
    _same_figures(page, filtered)
    for t in filtered["themes"]:
        row = _row(page, t["key"])
        # The comments keep the channel and kind; the adjusted drivers keep the period.
        assert f"/voice?theme={quote(t['key'])}&amp;channel={channel}&amp;kind={kind}" in row
        link = f'href="/moments?also=theme%3A{quote(t["key"])}&amp;since=2026-06-01"'
        assert link in row and ">drivers</a>" in row
    # Values outside the lists are ignored, as on the other pages.
    odd = client.get("/themes?channel=telepathy&kind=gossip").text
    _same_figures(odd, everything)
    assert "gossip" not in odd and "telepathy" not in odd
    # The drivers link opens the theme's adjusted effect on the Moments of truth page.
    moments = client.get("/moments?also=theme%3Adelivery/late").text
    assert '<th scope="row">theme:delivery/late</th>' in moments


def test_discovered_themes_honour_the_page_period(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    log_in(client, site.email)
    seen = []
    for query in ("", "?since=2026-10-01"):  # the demo's uncovered comments are older
        api = client.get(f"/api/v1/text/themes/discovered{query}", headers=headers)
        sizes = [c["size"] for c in api.json()["clusters"]]
        page = client.get(f"/themes{query}").text
        shown = re.findall(r'<span class="base">\((\d+)\)</span></h3>', page)
        assert [int(s) for s in shown] == sizes, query
        seen.append(sizes)
    assert seen[0] and seen[0] != seen[1]


@pytest.mark.browser
def test_a_channel_chosen_on_the_themes_page_is_kept(
    live_url: str, site: Site, browser_page: Any
) -> None:
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/themes")
    page.select_option("select[name=channel]", "contact_centre")
    page.click("form.filters button.primary")
    page.wait_for_url("**/themes?*channel=contact_centre*")
    assert page.locator("select[name=channel]").input_value() == "contact_centre"
    comments = page.locator("[data-testid=themes-table] tbody tr td:first-child a").first
    assert "channel=contact_centre" in (comments.get_attribute("href") or "")
    drivers = page.locator("[data-testid=theme-drivers]").first
    assert (drivers.get_attribute("href") or "").startswith("/moments?also=theme%3A")
