"""The friction page's drop-off, effort and emotion sections: escaped, in the user's language,
with their links and CSV exports; in Chromium, the demo world's checkout step on top."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.core.auth import create_user
from cxm.core.settings import Settings
from cxm.demo.truths import CHECKOUT
from cxm.demo.world import generate
from cxm.web.app import create_app
from tests.analytics.test_friction_dropoff import form_world
from tests.analytics.test_friction_effort import effort_world
from tests.analytics.test_friction_emotion import emotion_world
from tests.factories import organization
from tests.web.conftest import PASSWORD, Site, browser_log_in, log_in


def test_friction_page_lists_the_step_that_loses_most_escaped(
    site: Site, client: TestClient
) -> None:
    form_world(site.app.state.db, site.org_id, event="Form <i>Step</i>")
    log_in(client, site.email)
    page = client.get("/friction")
    assert page.status_code == 200
    assert "Кроки воронок з незвичним відсівом" in page.text  # the user reads Ukrainian
    table = page.text.split('data-testid="drop-offs"')[1]
    first = table.split('data-testid="drop-off-row"')[1]
    assert "form: Form &lt;i&gt;Step&lt;/i&gt;[step=2]" in first and "<i>Step" not in page.text
    assert "не значущо вище за інші кроки" in table  # the other steps say why they are grey
    link = first.split('data-testid="funnel-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert link.startswith("/journeys/funnel?steps=Form+") and "channel=web" in link
    funnel = client.get(link.replace("&amp;", "&"))
    assert funnel.status_code == 200 and "Form &lt;i&gt;Step&lt;/i&gt;[step=3]" in funnel.text
    given = client.get("/friction", params={"funnels": "Form <i>Step</i>[step=1] > Teleport"})
    assert given.status_code == 422 and 'data-testid="friction-error"' in given.text
    assert "Teleport" in given.text and "Form &lt;i&gt;" in given.text  # kept in the form
    weighed = client.get(
        "/friction", params={"funnels": "Form <i>Step</i>[step=1] > Form <i>Step</i>[step=4]"}
    )
    assert "задана воронка: Form &lt;i&gt;Step&lt;/i&gt;[step=1]" in weighed.text
    export = client.get("/friction", params={"format": "csv", "section": "drop_offs"})
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines()[0].startswith("touchpoint,channel,step,next_step,funnel,score")
    assert "Form <i>Step</i>[step=2]" in export.text.splitlines()[1]


def test_friction_page_lists_the_hard_touchpoint_with_its_answers(
    site: Site, client: TestClient
) -> None:
    effort_world(site.app.state.db, site.org_id)
    log_in(client, site.email)
    page = client.get("/friction")
    assert page.status_code == 200 and "Точки контакту з високими зусиллями (CES)" in page.text
    first = page.text.split('data-testid="effort-row"')[1]
    assert ">calls</th>" in first and "2,50" in first  # Ukrainian decimals
    assert 'href="/responses?touchpoint=calls&amp;kpi=ces&amp;score_max=4"' in first
    assert "не значущо важче за інші точки контакту" in page.text
    answers = client.get("/responses", params={"touchpoint": "calls", "kpi": "ces", "score_max": 4})
    assert answers.status_code == 200
    contact = client.get("/friction", params={"channel": "contact_centre"})
    assert 'value="contact_centre" selected' in contact.text
    assert contact.text.count('data-testid="effort-row"') == 1  # only the calls
    assert "channel=contact_centre&amp;format=csv" in contact.text
    # The link to the hard answers keeps first touchpoint (with its journey gap) and outcome:
    # the explorer takes them; the gap goes along only with a first touchpoint.
    from cxm.web.friction_pages import responses_link

    chosen = {"store": "S1", "first": "web_product", "outcome": "detractor", "gap_days": "7"}
    link = responses_link("calls", chosen)
    assert link.endswith("score_max=4&store=S1&first=web_product&outcome=detractor&gap_days=7")
    plain = responses_link("calls", {"store": "S1", "gap_days": "7"})
    assert plain.endswith("score_max=4&store=S1")
    export = client.get("/friction", params={"format": "csv", "section": "effort"})
    assert export.text.splitlines()[1].startswith("calls,contact_centre,after_sales,30")


def test_friction_page_links_the_unhappy_stage_to_its_comments_escaped(site: Site) -> None:
    # The comments come first: the app's worker starts with the client and must find no
    # enrichment job to replace the hand readings with the model's.
    emotion_world(site.app.state.db, site.org_id, text="<b>late</b>")
    with TestClient(site.app) as client:
        _unhappy_stage_page(site, client)


def _unhappy_stage_page(site: Site, client: TestClient) -> None:
    log_in(client, site.email)
    page = client.get("/friction")
    assert page.status_code == 200 and "Етапи з негативними емоціями" in page.text
    first = page.text.split('data-testid="emotion-row"')[1]
    assert "75,0" in first and "гнів" in first.lower()  # Ukrainian: 75.0%, anger
    link = first.split('data-testid="emotion-evidence-link"')[0].rsplit('href="', 1)[1]
    link = link.split('"')[0].replace("&amp;", "&")
    assert link.startswith("/friction/evidence?name=emotion%3Adelivery")
    behind = client.get(link)
    assert behind.status_code == 200
    assert behind.text.count("&lt;b&gt;late&lt;/b&gt;") == 15 and "<b>late</b>" not in behind.text
    assert behind.text.count('href="/customers/') >= 8
    assert "Негативні коментарі, доставка</h1>" in behind.text
    export = client.get("/friction", params={"format": "csv", "section": "emotion"})
    assert export.text.splitlines()[1].startswith("delivery,6.25,10,20,15,0.75")


@pytest.mark.browser
def test_friction_page_in_chromium_puts_the_checkout_step_on_top(
    live_url: str, site: Site, browser_page: Any
) -> None:
    generate(site.app.state.db, "small", seed=3)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/friction")
    page.wait_for_selector("[data-testid=drop-offs]")
    top = page.locator("[data-testid=drop-off-row]").first
    assert f"web_checkout: Checkout Step Viewed[step={CHECKOUT.worst_step}]" in top.inner_text()
    top.locator("[data-testid=funnel-link]").click()
    page.wait_for_url("**/journeys/funnel?**")
    assert "Checkout Step Viewed[step=5]" in page.content()


def test_evidence_names_from_the_address_are_shown_escaped(site: Site, client: TestClient) -> None:
    log_in(client, site.email)
    for name in ("<b>x</b>", "emotion:<b>x</b>", "%d", "emotion:%d"):
        page = client.get("/friction/evidence", params={"name": name})
        assert page.status_code == 200, name
        assert "<b>x</b>" not in page.text
    known = client.get("/friction/evidence", params={"name": "emotion:delivery"})
    assert "Негативні коментарі, доставка</h1>" in known.text


def test_slow_friction_figures_show_progress_then_the_list(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, page_wait_seconds=0.2))
    db = app.state.db
    org = organization(db, "demo")
    with db.session() as s:
        create_user(s, org, "taras@example.com", PASSWORD, name="Taras", language="en")
    form_world(db, org)
    gate = threading.Event()
    compute = app.state.analytics.cached

    def held(key: Any, fn: Any) -> Any:
        if key[0] == "cxm.analytics.friction":
            gate.wait(30)
        return compute(key, fn)

    app.state.analytics.cached = held
    with TestClient(app) as client:
        log_in(client, "taras@example.com")
        waiting = client.get("/friction")
        assert 'data-testid="computing"' in waiting.text and waiting.headers["Refresh"] == "1"
        assert "<h1>Friction points</h1>" in waiting.text
        gate.set()
        deadline = time.monotonic() + 30
        while 'data-testid="computing"' in (page := client.get("/friction")).text:
            assert time.monotonic() < deadline, "the friction list never arrived"
            time.sleep(0.1)
        assert 'data-testid="drop-offs"' in page.text
