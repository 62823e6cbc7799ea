"""The Settings page: touchpoints and rules, API keys shown once and revocable, users, admins
only; faults named per field; what was typed kept (never a password) and shown escaped."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from cxm.core.auth import create_user
from tests.factories import track
from tests.web.conftest import PASSWORD, Site, browser_log_in, csrf_of, log_in


def _batch(client: TestClient, key: str, *messages: dict[str, Any]) -> int:
    r = client.post(
        "/api/v1/batch", json={"batch": list(messages)}, headers={"Authorization": f"Bearer {key}"}
    )
    return r.status_code


def test_touchpoints_rules_and_remapping_from_the_page(client: TestClient, site: Site) -> None:
    assert _batch(client, site.key, track("m1", "Parcel Handed Over")) == 200
    assert log_in(client, site.email).status_code == 303
    page = client.get("/settings")
    assert page.status_code == 200 and "Неприв’язаних подій: 1" in page.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "code": "courier", "name": "<b>Кур'єр</b>",
            "channel": "delivery", "stage": "delivery"}  # fmt: skip
    added = client.post("/settings/touchpoints", data=form, follow_redirects=False)
    assert added.status_code == 303
    shown = client.get("/settings").text
    assert "&lt;b&gt;Кур&#39;єр&lt;/b&gt;" in shown and "<b>Кур'єр</b>" not in shown
    assert "без правил" in shown

    unknown = {"csrf_token": token, "touchpoint": "ghost", "event": "<i>x</i>"}
    refused = client.post("/settings/rules", data=unknown)
    assert refused.status_code == 422
    assert "<code>touchpoint</code>: unknown touchpoint" in refused.text
    assert 'value="&lt;i&gt;x&lt;/i&gt;"' in refused.text  # what was typed stays, escaped
    bad_priority = {"csrf_token": token, "touchpoint": "courier", "priority": "-3"}
    assert "<code>priority</code>" in client.post("/settings/rules", data=bad_priority).text

    rule = {"csrf_token": token, "touchpoint": "courier", "event": "Parcel Handed Over"}
    assert client.post("/settings/rules", data=rule, follow_redirects=False).status_code == 303
    remapped = client.post("/settings/remap", data={"csrf_token": token})
    assert remapped.status_code == 200
    assert "1 неприв’язаних подій тепер мають точку контакту." in remapped.text
    assert "Неприв’язаних подій: 0" in remapped.text
    assert "подія «Parcel Handed Over»" in remapped.text


def test_an_api_key_is_shown_once_works_and_can_be_revoked(client: TestClient, site: Site) -> None:
    log_in(client, site.email)
    token = csrf_of(client.get("/settings").text)
    assert client.post("/settings/api-keys", data={"csrf_token": token}).status_code == 422
    made = client.post("/settings/api-keys", data={"csrf_token": token, "name": "webshop"})
    assert made.status_code == 200 and "API-ключ «webshop» створено" in made.text
    key = made.text.split('data-testid="new-key">', 1)[1].split("<", 1)[0]
    assert len(key) > 20 and _batch(client, key, track("k1")) == 200
    again = client.get("/settings").text
    assert key not in again and "webshop" in again and key[:8] in again
    key_id = again.split('action="/settings/api-keys/', 1)[1].split("/", 1)[0]
    revoked = client.post(f"/settings/api-keys/{key_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303 or revoked.history
    assert _batch(client, key, track("k2")) == 401
    assert "відкликано" in client.get("/settings").text


def test_users_are_added_with_checks_and_only_admins_see_settings(
    client: TestClient, site: Site
) -> None:
    log_in(client, site.email)
    token = csrf_of(client.get("/settings").text)
    short = {"csrf_token": token, "email": "taras@example.com", "password": "short",
             "role": "analyst", "language": "en"}  # fmt: skip
    refused = client.post("/settings/users", data=short)
    assert refused.status_code == 422 and "<code>password</code>" in refused.text
    assert 'value="taras@example.com"' in refused.text and "short" not in refused.text.lower()
    bad_role = {**short, "password": "long-enough-1", "role": "owner"}
    assert "<code>role</code>" in client.post("/settings/users", data=bad_role).text
    good = {**short, "password": "long-enough-1"}
    assert client.post("/settings/users", data=good, follow_redirects=False).status_code == 303
    dup = client.post("/settings/users", data=good)
    assert dup.status_code == 409 and "exists already" in dup.text
    assert "taras@example.com" in client.get("/settings").text

    with TestClient(site.app) as analyst:
        assert log_in(analyst, "taras@example.com", "long-enough-1").status_code == 303
        page = analyst.get("/settings")
        assert page.status_code == 403 and "This page is for administrators" in page.text
        other_token = csrf_of(page.text)
        post = analyst.post("/settings/api-keys", data={"csrf_token": other_token, "name": "x"})
        assert post.status_code == 403 and 'data-testid="new-key"' not in post.text


def test_settings_need_a_login(client: TestClient) -> None:
    r = client.get("/settings", follow_redirects=False)
    assert r.status_code in (302, 303, 307) and "/login" in r.headers["location"]


@pytest.mark.browser
def test_an_admin_creates_a_key_in_chromium_and_an_integrator_uses_it(
    live_url: str, site: Site, browser_page: Any
) -> None:
    with site.app.state.db.session() as s:
        create_user(s, site.org_id, "manager@example.com", PASSWORD, role="manager")
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("nav")
    page.click("nav >> text=Налаштування")
    page.wait_for_selector("[data-testid=create-key]")
    page.fill("[data-testid=create-key] input[name=name]", "ERP")
    page.click("[data-testid=create-key] button[type=submit]")
    key = page.inner_text("[data-testid=new-key]").strip()
    r = httpx2.post(
        f"{live_url}/api/v1/batch",
        json={"batch": [track("erp-1")]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 200
    page.reload()
    assert key not in page.content()
    assert "manager@example.com" in page.inner_text("[data-testid=users]")
