"""Slow figures show progress: a page that cannot answer within the page wait stands in with
a progress page that reloads itself, and the reload shows the figures once they are ready."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.core.auth import create_user
from cxm.core.settings import Settings
from cxm.web.app import create_app
from tests.factories import organization, track
from tests.web.conftest import PASSWORD, browser_log_in, log_in


def _slow_site(tmp_path: Path, gate: threading.Event) -> tuple[Any, str]:
    """An app whose overview figures wait for ``gate`` (a slow first view after new data)."""
    app = create_app(Settings(data_dir=tmp_path, page_wait_seconds=0.2))
    db = app.state.db
    org_id = organization(db, "demo")
    email = "taras@example.com"
    with db.session() as s:
        create_user(s, org_id, email, PASSWORD, name="Taras", language="en")
    from cxm.ingest.events import ingest_batch

    ingest_batch(db, org_id, [track("m1", "Product Viewed", user_id="u1")])
    analytics = app.state.analytics
    compute = analytics.cached

    def held(key: Any, fn: Any) -> Any:
        if key[0] == "overview":
            gate.wait(30)
        return compute(key, fn)

    analytics.cached = held
    return app, email


def test_a_slow_page_shows_progress_then_its_figures(tmp_path: Path) -> None:
    gate = threading.Event()
    app, email = _slow_site(tmp_path, gate)
    with TestClient(app) as client:
        log_in(client, email)
        waiting = client.get("/")
        assert waiting.status_code == 200
        assert waiting.headers["Refresh"] == "1"
        assert 'data-testid="computing"' in waiting.text and "<progress" in waiting.text
        assert "reloads by itself" in waiting.text
        again = client.get("/")  # the same computation, not a second one
        assert 'data-testid="computing"' in again.text
        assert len(app.state.progress._running) == 1
        gate.set()
        deadline = time.monotonic() + 30
        while True:
            page = client.get("/")
            if 'data-testid="computing"' not in page.text:
                break
            assert time.monotonic() < deadline, "the figures never arrived"
            time.sleep(0.1)
        assert "Refresh" not in page.headers
        assert 'data-testid="events">1<' in page.text  # the event sent, counted
        assert 'data-testid="customers">1<' in page.text
        assert app.state.progress._running == {}


def test_a_failing_computation_shows_the_error_page(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, page_wait_seconds=5))
    db = app.state.db
    org_id = organization(db, "demo")
    with db.session() as s:
        create_user(s, org_id, "o@example.com", PASSWORD, name="O", language="en")

    def broken(key: Any, fn: Any) -> Any:
        raise RuntimeError("the analytics store is unreadable")

    app.state.analytics.cached = broken
    with TestClient(app) as client:
        log_in(client, "o@example.com")
        page = client.get("/")
        assert page.status_code == 500 and "RuntimeError" in page.text


@pytest.mark.browser
def test_the_progress_page_reloads_itself_into_the_figures_in_chromium(
    tmp_path: Path, browser_page: Any
) -> None:
    import socket

    import uvicorn

    gate = threading.Event()
    app, email = _slow_site(tmp_path, gate)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        url = f"http://127.0.0.1:{port}"
        page = browser_page
        browser_log_in(page, url, email)
        page.wait_for_selector("[data-testid=computing]")
        gate.set()
        page.wait_for_selector("[data-testid=computing]", state="detached", timeout=30_000)
        page.wait_for_selector("h1")
        assert "Overview" in page.inner_text("h1")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
