"""In Chromium: a customer submits a survey; the manager finds it from the dashboard's heatmap
(drill-down), in the response explorer by a word of the comment, and on the customer's
timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cxm.core.bulk import insert_returning_ids
from cxm.core.changes import change_mark
from cxm.core.db import table
from cxm.ingest.models import Customer
from cxm.ingest.touchpoints import add_touchpoint
from cxm.surveys.links import LinkRequest, create_links
from cxm.surveys.service import import_survey
from tests.surveys.conftest import DEFINITION
from tests.web.conftest import Site, browser_log_in

pytestmark = pytest.mark.browser


def _customer_answers(page: Any, live_url: str, token: str) -> None:
    page.goto(f"{live_url}/t/{token}")
    page.get_by_role("group", name="Чи порекомендуєте ви нас?").get_by_role(
        "radio", name="3", exact=True
    ).check()
    page.get_by_role("button", name="Далі").click()
    page.wait_for_selector("text=Сторінка 2 з 3")
    page.get_by_label("Що пішло не так?").fill("Курʼєр <b>спізнився</b> на два дні")
    page.get_by_role("button", name="Далі").click()
    page.wait_for_selector("text=Сторінка 3 з 3")
    page.get_by_role("button", name="Надіслати").click()
    page.wait_for_selector("text=Дякуємо!")


def test_manager_sees_a_submitted_response_in_the_dashboard_and_the_explorer(
    live_url: str, site: Site, browser_page: Any
) -> None:
    db = site.app.state.db
    import_survey(db, site.org_id, DEFINITION, code="delivery", name="Delivery")
    with db.writer() as conn:
        add_touchpoint(conn, site.org_id, "parcel", "Parcel delivered", "delivery", "delivery")
        [customer] = insert_returning_ids(
            conn,
            table(Customer),
            [{"organization_id": site.org_id, "name": "Оксана", "language": "uk",
              "first_seen_at": datetime(2026, 1, 1, tzinfo=UTC),
              "sync_mark": change_mark(conn)}],
        )  # fmt: skip
    ((_, token),) = create_links(
        db,
        site.org_id,
        "delivery",
        [LinkRequest(customer_id=customer, touchpoint="parcel", channel="delivery", language="uk")],
        site.app.state.settings.secret_key,
    )
    page = browser_page
    _customer_answers(page, live_url, token)

    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    month = datetime.now(UTC).astimezone().strftime("%Y-%m")
    page.goto(f"{live_url}/kpis?period={month}")
    assert page.title() == "Показники · cxm"  # the charts' scripts stay out of the title
    drawn = "() => !!(window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]')))"
    assert page.evaluate(drawn), "the trend chart was not drawn"
    cell = page.locator('[data-testid=heatmap] td[data-stage="delivery"][data-channel="delivery"]')
    assert "n = 1" in cell.inner_text()
    cell.locator("a").click()  # drill down to the responses behind the cell
    page.wait_for_selector("[data-testid=responses]")
    assert "/responses?" in page.url and "stage=delivery" in page.url
    listed = page.inner_text("[data-testid=responses]")
    assert "Курʼєр <b>спізнився</b> на два дні" in listed  # shown as typed, escaped
    assert page.locator("[data-testid=responses] b").count() == 0

    page.goto(live_url + "/responses")
    page.fill("input[name=text]", "спізнився")
    page.click("[data-testid=response-filters] button.primary")
    page.wait_for_selector("[data-testid=responses]")
    assert "1" in page.inner_text("[data-testid=response-count]")
    page.get_by_role("link", name=f"Клієнт {customer}").click()
    page.wait_for_selector("h1")
    assert page.url.endswith(f"/customers/{customer}")
    assert "Оксана" in page.inner_text("h1")
