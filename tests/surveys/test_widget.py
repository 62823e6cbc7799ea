"""The website widget: /widget.js on a page of another site shows the survey in a dialog, and a
visitor answers it there (in Chromium), counted as a widget view."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.surveys.models import PageView, Response
from cxm.surveys.service import import_survey
from tests.web.conftest import Site


def test_the_widget_script_is_served_by_the_app_with_no_third_party_address(
    client: TestClient,
) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "data-survey" in r.text and "showModal" in r.text
    assert "http://" not in r.text and "https://" not in r.text.replace("https://cx.example", "")


@pytest.fixture
def shop_page(live_url: str) -> Iterator[str]:
    """A page of the retailer's own website (another site: localhost, not 127.0.0.1)."""
    html = (
        '<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>Магазин</title>'
        "</head><body><h1>Дякуємо за покупку</h1>"
        f'<script src="{live_url}/widget.js" data-survey="demo/delivery" data-store="kyiv-1" '
        "async></script></body></html>"
    ).encode()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_a_visitor_answers_the_survey_in_the_widget_on_another_site(
    site: Site, live_url: str, shop_page: str, browser_page: Any, definition: dict[str, Any]
) -> None:
    db = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    page = browser_page
    page.goto(shop_page)
    page.get_by_role("button", name="Оцініть нас").click()
    dialog = page.get_by_role("dialog", name="Оцініть нас")
    assert dialog.is_visible()
    frame = page.frame_locator("iframe[title='Оцініть нас']")
    frame.get_by_text("Сторінка 1 з 3").wait_for()
    frame.get_by_role("group", name="Чи порекомендуєте ви нас?").get_by_role(
        "radio", name="10", exact=True
    ).check()
    frame.get_by_role("button", name="Далі").click()
    frame.get_by_text("Сторінка 3 з 3").wait_for()  # a promoter skips the details page
    frame.get_by_label("Коментар").fill("Усе чудово")
    frame.get_by_role("button", name="Надіслати").click()
    frame.get_by_text("Дякуємо!").wait_for()
    page.get_by_role("button", name="Закрити").click()
    assert not dialog.is_visible()
    with db.session() as s:
        response = s.scalars(select(Response)).one()
        views = [(v.source, v.count) for v in s.scalars(select(PageView))]
    assert (response.status, response.channel, response.language) == ("complete", "web", "uk")
    assert views == [("widget", 1)]


def test_in_a_frame_without_cookies_the_widget_follows_the_response_by_a_signed_token(
    site: Site, definition: dict[str, Any]
) -> None:
    import_survey(site.app.state.db, site.org_id, definition, code="delivery", name="Delivery")
    start = "/s/demo/delivery?via=widget&channel=web&lang=en"
    first = TestClient(site.app)
    sent = first.post(start, data={"page": "start", "q_nps": "4"}, follow_redirects=False)
    assert sent.status_code == 303 and "resume=" in sent.headers["location"]
    # Another site's frame: the browser withholds the session cookie on every request.
    cookieless = TestClient(site.app)
    page = cookieless.get(sent.headers["location"])
    assert "Page 2 of 3" in page.text and "resume=" in page.text  # the form posts it back
    forged = sent.headers["location"].replace("resume=", "resume=x")
    assert "Page 1 of 3" in TestClient(site.app).get(forged).text
    with site.app.state.db.session() as s:
        assert [v.count for v in s.scalars(select(PageView))] == []  # posts are not views
