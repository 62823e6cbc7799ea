"""Answering without JavaScript: plain form posts, page by page, through the test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.core.db import Database, table
from cxm.surveys.links import LinkRequest, create_links
from cxm.surveys.models import Answer, Response
from cxm.surveys.service import import_survey
from tests.web.conftest import Site

UK = {"accept-language": "uk-UA,uk;q=0.9"}


def make_survey(site: Site, definition: dict[str, Any], code: str = "delivery") -> None:
    import_survey(site.app.state.db, site.org_id, definition, code=code, name="Delivery")


def link(site: Site, code: str = "delivery", **kw: Any) -> str:
    ((_, token),) = create_links(
        site.app.state.db, site.org_id, code, [LinkRequest(**kw)],
        site.app.state.settings.secret_key,
    )  # fmt: skip
    return f"/t/{token}"


def page_id(html: str) -> str:
    found = re.search(r'name="page" value="([^"]+)"', html)
    assert found, "no page form"
    return found.group(1)


def answers(db: Database) -> dict[tuple[str, str], tuple[float | None, str | None]]:
    at = table(Answer)
    with db.session() as s:
        rows = s.execute(select(at.c.question, at.c.kind, at.c.value, at.c.text)).all()
    return {(q, k): (v, t) for q, k, v, t in rows}


def test_a_customer_answers_every_page_and_the_link_is_then_used(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    make_survey(site, definition)
    url = link(site, customer_id=42, channel="delivery")
    first = client.get(url, headers=UK)
    assert first.status_code == 200
    assert 'lang="uk"' in first.text and "Чи порекомендуєте ви нас?" in first.text
    assert page_id(first.text) == "start"
    # A wrong value on page one: a per-field message, and what was typed is kept.
    bad = client.post(url, data={"page": "start", "q_nps": "3", "q_csat": "9"}, headers=UK)
    assert bad.status_code == 422
    assert 'id="q_csat-error"' in bad.text and "Оберіть одне з наведених чисел." in bad.text
    assert re.search(r'name="q_nps" value="3" checked', bad.text)
    missing = client.post(url, data={"page": "start", "q_csat": "4"}, headers=UK)
    assert "Дайте, будь ласка, відповідь на це запитання." in missing.text
    ok = client.post(url, data={"page": "start", "q_nps": "3", "q_csat": "2"},
                     headers=UK, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    # The customer leaves and comes back later: the next page is waiting, in their language.
    again = client.get(url, headers=UK)
    assert page_id(again.text) == "details"
    assert "Що пішло не так?" in again.text  # shown because NPS <= 6
    r = client.post(
        url,
        data={"page": "details", "q_why_low": "Кур'єр <b>запізнився</b>", "q_ces": "2",
              "q_speed": "1", "q_channel_used": "app", "q_liked": ["price", "speed"],
              "q_grid__courier": "bad", "q_grid__packing": "good"},
        headers=UK,
    )  # fmt: skip
    assert page_id(r.text) == "last"
    done = client.post(
        url,
        data={"page": "last", "q_gaps__0__expectation": "6", "q_gaps__0__perception": "3",
              "q_sacrifice__0__ideal": "7", "q_sacrifice__0__accepted": "4"},
        headers=UK,
    )  # fmt: skip
    assert done.status_code == 200 and "Дякуємо!" in done.text
    db = site.app.state.db
    with db.session() as s:
        response = s.scalars(select(Response)).one()
    assert (response.status, response.customer_id, response.channel, response.language) == (
        "complete", 42, "delivery", "uk"
    )  # fmt: skip
    got = answers(db)
    assert got[("nps", "nps")] == (3.0, None)
    assert got[("csat", "csat")] == (2.0, None)
    assert got[("why_low", "text")] == (None, "Кур'єр <b>запізнився</b>")
    assert got[("channel_used", "single")] == (1.0, "app")
    assert got[("liked", "multiple")][1] in ("price", "speed")
    assert got[("grid.courier", "matrix")] == (0.0, "bad")
    assert got[("delivery speed", "expectation")] == (6.0, None)
    assert got[("delivery speed", "perception")] == (3.0, None)
    assert got[("delivery speed", "accepted")] == (4.0, None)
    assert ("comment", "text") not in got
    used = client.get(url, headers=UK)
    assert used.status_code == 410 and "Це посилання вже використано" in used.text
    replay = client.post(url, data={"page": "last", "q_gaps__0__expectation": "1"}, headers=UK)
    assert replay.status_code == 410
    assert len(answers(db)) == len(got)


def test_skip_logic_jumps_and_display_logic_hides(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    make_survey(site, definition)
    promoter = link(site)
    r = client.post(promoter, data={"page": "start", "q_nps": "10"}, headers=UK)
    assert page_id(r.text) == "last"  # NPS >= 9 skips the details
    passive = link(site)
    r = client.post(passive, data={"page": "start", "q_nps": "8"}, headers=UK)
    assert page_id(r.text) == "details" and "Що пішло не так?" not in r.text
    # An answer to a hidden question is not stored.
    client.post(passive, data={"page": "details", "q_why_low": "sneaky"}, headers=UK)
    assert ("why_low", "text") not in answers(site.app.state.db)


def test_language_from_link_then_switcher(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    make_survey(site, definition)
    url = link(site, language="ru")
    assert "Порекомендуете ли вы нас?" in client.get(url, headers=UK).text
    english = client.get(url + "?lang=en", headers=UK)
    assert "Would you recommend us?" in english.text and 'lang="en"' in english.text
    assert 'hreflang="uk"' in english.text


def test_expired_and_forged_links_say_so(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    make_survey(site, definition)
    db = site.app.state.db
    ((_, token),) = create_links(
        db, site.org_id, "delivery", [LinkRequest()], site.app.state.settings.secret_key,
        now=datetime.now(UTC) - timedelta(days=31),
    )  # fmt: skip
    expired = client.get(f"/t/{token}?lang=en")
    assert expired.status_code == 410 and "This link has expired" in expired.text
    forged = client.get(f"/t/{token[:-2]}xx?lang=en")
    assert forged.status_code == 404 and "Survey not found" in forged.text


def test_honeypot_is_thanked_but_not_stored(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    make_survey(site, definition)
    r = client.post(link(site), data={"page": "start", "q_nps": "9", "website": "http://spam"})
    assert r.status_code == 200
    with site.app.state.db.session() as s:
        assert s.scalars(select(Response)).all() == []


def test_anonymous_link_carries_hidden_fields(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    make_survey(site, definition)
    url = "/s/demo/delivery?channel=store&campaign=spring&unknown=x"
    first = client.get(url, headers=UK)
    assert first.status_code == 200
    r = client.post(url, data={"page": "start", "q_nps": "10"}, headers=UK,
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "campaign=spring" in r.headers["location"]
    client.post(r.headers["location"], data={"page": "last"}, headers=UK)
    db = site.app.state.db
    with db.session() as s:
        response = s.scalars(select(Response)).one()
    assert (response.status, response.channel, response.link_id) == ("complete", "store", None)
    got = answers(db)
    assert got[("campaign", "hidden")] == (None, "spring")
    assert not any(q == "unknown" for q, _ in got)


def test_anonymous_clients_are_rate_limited(
    client: TestClient, site: Site, definition: dict[str, Any], monkeypatch: Any
) -> None:
    from cxm.surveys import pages

    monkeypatch.setattr(pages, "CLIENT_LIMIT", 2)
    make_survey(site, definition)
    codes = [client.post("/s/demo/delivery", data={"page": "start"}).status_code for _ in range(3)]
    assert codes == [422, 422, 429]
