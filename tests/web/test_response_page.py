"""The response explorer page: filters, escaped customer text, timeline links, downloads."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re

from fastapi.testclient import TestClient

from tests.analytics.test_explorer import INJECTION, answered
from tests.web.conftest import Site, log_in


def test_explorer_page_filters_escapes_and_links_each_customer(
    site: Site, client: TestClient
) -> None:
    w = answered(site.app.state.db, "demo")
    log_in(client, site.email)
    html = client.get("/responses?stage=delivery").text
    assert 'data-testid="responses"' in html
    assert html.count('class="comment" data-response=') == 2
    assert "<script>alert(1)</script>" not in html  # customer text is escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt; курʼєр грубий" in html
    assert f'href="/customers/{w["people"][0]}"' in html
    assert "stage=delivery" in html and 'data-testid="export-xlsx"' in html
    download = client.get("/responses/export?format=csv&stage=delivery")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and {r["stage"] for r in rows} == {"delivery"}
    everything = client.get("/responses/export?format=csv").content.decode("utf-8-sig")
    assert "'" + INJECTION.replace('"', '""') in everything


def test_explorer_page_names_a_bad_filter_and_has_an_empty_state(
    site: Site, client: TestClient
) -> None:
    answered(site.app.state.db, "demo")
    log_in(client, site.email)
    bad = client.get("/responses?nps_group=fans")
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "nps_group" in bad.text
    typed = client.get("/responses?score_min=abc&score_max=&kpi=nps")
    assert typed.status_code == 422 and "score_min" in typed.text and 'role="alert"' in typed.text
    blank = client.get("/responses?score_min=&score_max=&customer=&text=курʼєр")
    assert blank.status_code == 200 and blank.text.count('class="comment" data-response=') == 2
    empty = client.get("/responses?text=nothing-like-this").text
    assert 'class="notice empty"' in empty
    assert client.get("/responses", follow_redirects=False).status_code == 200


def test_dashboard_heatmap_cell_drills_down_to_exactly_its_responses(
    site: Site, client: TestClient
) -> None:
    answered(site.app.state.db, "demo")
    log_in(client, site.email)
    page = client.get("/kpis?period=2026-10&metric=nps&by=store").text
    assert 'data-testid="heatmap"' in page and 'data-testid="trend-weekly"' in page
    cell = page[page.index('data-stage="purchase" data-channel="store"') :]
    link = html_lib.unescape(re.search(r'href="([^"]+)"', cell).group(1))  # type: ignore[union-attr]
    assert link.startswith("/responses?") and "stage=purchase" in link
    assert "channel=store" in link and "period=2026-10" in link
    behind = client.get(link).text
    assert behind.count('class="comment" data-response=') == 2  # the cell's n
    table = page[page.index('data-testid="kpi-table"') :]
    row_link = html_lib.unescape(re.search(r'href="(/responses[^"]+)"', table).group(1))  # type: ignore[union-attr]
    assert "store=" in row_link
    assert client.get(row_link).status_code == 200


def test_explorer_page_and_api_take_outcome_and_first_touchpoint(
    site: Site, client: TestClient
) -> None:
    from tests.factories import api_key

    db = site.app.state.db
    answered(db, "demo")
    log_in(client, site.email)
    page = client.get("/responses?outcome=detractor")
    assert page.status_code == 200 and page.text.count('class="comment" data-response=') == 2
    assert '<option value="detractor" selected>' in page.text
    unknown = client.get("/responses?first=nowhere")
    assert unknown.status_code == 422 and "first" in unknown.text
    headers = {"Authorization": f"Bearer {api_key(db, site.org_id)}"}
    api = client.get("/api/v1/responses", params={"outcome": "promoter"}, headers=headers)
    assert api.status_code == 200 and api.json()["total"] == 1
    refused = client.get("/api/v1/responses", params={"first": "nowhere"}, headers=headers)
    assert refused.status_code == 422 and "first" in refused.text
