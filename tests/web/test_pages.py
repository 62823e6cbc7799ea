"""Pages: login, CSRF, logout, language, the overview and escaping of customer text."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from cxm.core.settings import Settings
from tests.factories import track
from tests.web.conftest import Site, csrf_of, log_in


def test_pages_redirect_to_login_and_keep_the_target(client: TestClient) -> None:
    r = client.get("/journeys?store=KYIV-1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/journeys%3Fstore%3DKYIV-1"


def test_wrong_password_says_so_and_logs_nobody_in(client: TestClient, site: Site) -> None:
    r = log_in(client, site.email, "wrong-password")
    assert r.status_code == 401
    assert "пароль неправильні" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_lands_on_the_overview(client: TestClient, site: Site) -> None:
    r = log_in(client, site.email)
    assert r.status_code == 303 and r.headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Огляд</h1>" in page.text


def test_login_refuses_a_foreign_next_target(client: TestClient, site: Site) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={
            "email": site.email,
            "password": "correct-horse-1",
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_forms_without_the_csrf_token_are_refused(client: TestClient, site: Site) -> None:
    client.get("/login")
    r = client.post("/login", data={"email": site.email, "password": "correct-horse-1"})
    assert r.status_code == 403
    r = client.post(
        "/login", data={"email": site.email, "password": "correct-horse-1", "csrf_token": "forged"}
    )
    assert r.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(client: TestClient, site: Site) -> None:
    log_in(client, site.email)
    token = csrf_of(client.get("/").text)
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_language_switch_changes_the_interface_and_is_remembered(
    client: TestClient, site: Site
) -> None:
    log_in(client, site.email)
    token = csrf_of(client.get("/").text)
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    assert "<h1>Overview</h1>" in client.get("/").text
    token = csrf_of(client.get("/").text)
    client.post("/logout", data={"csrf_token": token})
    log_in(client, site.email)
    assert "<h1>Overview</h1>" in client.get("/").text  # the user's choice was saved


def test_empty_overview_says_how_to_get_data_in(client: TestClient, site: Site) -> None:
    log_in(client, site.email)
    page = client.get("/").text
    assert "Даних ще немає" in page
    assert "/api/v1/batch" in page and "cxm import events" in page


def test_overview_shows_events_sent_through_the_api(client: TestClient, site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    batch = [track(f"e{i}", user_id=f"u{i % 3}", channel="web") for i in range(7)]
    assert client.post("/api/v1/batch", json={"batch": batch}, headers=headers).status_code == 200
    log_in(client, site.email)
    page = client.get("/").text
    figures = dict(re.findall(r'data-testid="(\w+)">([^<]+)<', page))
    assert figures["customers"] == "3"
    assert figures["events"] == "7"


def test_customer_provided_text_is_escaped(client: TestClient, site: Site) -> None:
    log_in(client, site.email)
    page = client.get("/").text
    assert "Olena &lt;b&gt;Head of CX&lt;/b&gt;" in page
    assert "<b>Head of CX</b>" not in page


def test_parts_not_built_yet_say_so(client: TestClient, site: Site) -> None:
    log_in(client, site.email)
    r = client.get("/reviews")
    assert r.status_code == 200 and "ще не готова" in r.text


def test_static_assets_are_served_by_the_app(client: TestClient) -> None:
    assert client.get("/static/cxm.css").status_code == 200
    chart = client.get("/static/vendor/chart-4.6.1.umd.min.js")
    assert chart.status_code == 200 and "Chart.js v4.6.1" in chart.text


def _send_feedback(client: TestClient, site: Site) -> None:
    items = [
        {
            "kind": "complaint",
            "text": "<script>alert('x')</script> Посилка запізнилася",
            "occurred_at": "2026-10-03T12:00:00Z",
            "category": "delivery",
            "customer": {"user_id": "u1", "language": "uk"},
        },
        {
            "kind": "social_post",
            "text": "Great service in Lviv",
            "occurred_at": "2026-10-04T12:00:00Z",
            "language": "en",
        },
    ]
    r = client.post(
        "/api/v1/feedback",
        json={"feedback": items},
        headers={"Authorization": f"Bearer {site.key}"},
    )
    assert r.status_code == 200


def test_voice_lists_feedback_escaped_and_filters_it(client: TestClient, site: Site) -> None:
    _send_feedback(client, site)
    log_in(client, site.email)
    page = client.get("/voice").text
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    assert "Great service in Lviv" in page
    only_posts = client.get("/voice?kind=social_post").text
    assert "Great service" in only_posts and "Посилка" not in only_posts
    searched = client.get("/voice?q=ПОСИЛКА").text
    assert "Посилка запізнилася" in searched and "Great service" not in searched
    empty = client.get("/voice?q=nothing-like-this").text
    assert "Тут порожньо" in empty


def test_every_asset_of_every_page_is_served_by_the_app(client: TestClient, site: Site) -> None:
    log_in(client, site.email)
    for path in ("/", "/voice", "/login", "/api/v1/docs"):
        html = client.get(path).text
        for url in re.findall(r'(?:src|href)="([^"#]+)"', html):
            assert url.startswith("/"), f"{path} loads {url} from elsewhere"
            if url.startswith("/static/"):
                assert client.get(url).status_code == 200, url


def test_production_mode_refuses_the_default_secret_key() -> None:
    with pytest.raises(ValidationError, match="CXM_SECRET_KEY"):
        Settings(mode="production")
    assert Settings(mode="production", secret_key="s3cr3t-" * 6).mode == "production"
