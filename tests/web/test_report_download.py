"""The dashboard's PDF download: the button on the KPIs page and the API, in each language."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.web.conftest import Site, log_in


def test_api_and_dashboard_button_give_the_report_in_the_users_language(
    site: Site, client: TestClient
) -> None:
    from cxm.core.settings import Settings
    from cxm.web.app import create_app
    from tests.analytics.test_explorer import answered
    from tests.factories import api_key

    db = site.app.state.db
    org = answered(db, "demo")["org"]
    log_in(client, site.email)
    page = client.get("/kpis?period=2026-10").text
    assert 'href="/reports/dashboard.pdf?metric=nps&amp;period=2026-10"' in page
    download = client.get("/reports/dashboard.pdf?metric=nps&period=2026-10")
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert "Панель показників" in PdfReader(io.BytesIO(download.content)).pages[0].extract_text()
    app = create_app(Settings(data_dir=site.app.state.settings.data_dir / "api",
                              worker_threads=0), db=db)  # fmt: skip
    h = {"Authorization": f"Bearer {api_key(db, org)}"}
    with TestClient(app) as api:
        got = api.get("/api/v1/reports/dashboard.pdf?period=2026-10&language=en", headers=h)
        assert got.status_code == 200 and got.content.startswith(b"%PDF")
        text = PdfReader(io.BytesIO(got.content)).pages[0].extract_text()
        assert "Dashboard" in text and "Average order value" in text
        bad = api.get("/api/v1/reports/dashboard.pdf?period=October", headers=h)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
