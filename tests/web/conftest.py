"""Web fixtures: an app on a fresh store, a logged-in client, and a live server for Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxm.core.auth import create_user
from cxm.core.settings import Settings
from cxm.web.app import create_app
from tests.factories import api_key, organization

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "correct-horse-1"


@dataclass
class Site:
    app: FastAPI
    org_id: int
    email: str
    key: str


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM) or not any("browser" in i.keywords for i in items):
        return
    if os.environ.get("CXM_TEST_BROWSER") == "1":
        raise pytest.UsageError(f"CXM_TEST_BROWSER=1 but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason="Chromium not installed: `apt-get install chromium` runs these")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    app = create_app(Settings(data_dir=tmp_path))
    db = app.state.db
    org_id = organization(db, "demo")
    email = "olena@example.com"
    with db.session() as s:
        create_user(s, org_id, email, PASSWORD, name="Olena <b>Head of CX</b>", language="uk")
    return Site(app, org_id, email, api_key(db, org_id))


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def browser_log_in(page: Any, live_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form in the browser (the caller waits for what comes next)."""
    page.goto(live_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button.primary")


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(site.app) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_url(site: Site) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def demo_site(small_world: Any, tmp_path: Path) -> Site:
    """An app on a copy of the small demo world (the shared one stays read-only), its
    comments read by the builtin model, with a user who reads English."""
    from cxm.text.enrichment import enrich_pending, load_model, model_path

    copy = small_world.copy_to(tmp_path / "world.sqlite3")
    app = create_app(Settings(data_dir=tmp_path, database_url=copy))
    db = app.state.db
    org_id = small_world.summary.organization_id
    enrich_pending(db, org_id, load_model(model_path(tmp_path, org_id)))
    email = "olena@example.com"
    with db.session() as s:
        create_user(s, org_id, email, PASSWORD, name="Olena", language="en")
    return Site(app, org_id, email, api_key(db, org_id))
