"""In Chromium on a phone-sized screen: answer in Ukrainian, leave after page one, finish later."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cxm.surveys.links import LinkRequest, create_links
from cxm.surveys.models import Answer, Response
from cxm.surveys.service import import_survey
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Site

pytestmark = pytest.mark.browser


@pytest.fixture
def phone() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
            locale="uk-UA", java_script_enabled=False,
        )  # fmt: skip
        yield context
        browser.close()


def test_customer_answers_on_a_phone_leaves_and_comes_back(
    live_url: str, site: Site, phone: Any, definition: dict[str, Any]
) -> None:
    db = site.app.state.db
    import_survey(db, site.org_id, definition, code="delivery", name="Delivery")
    ((_, token),) = create_links(
        db,
        site.org_id,
        "delivery",
        [LinkRequest(customer_id=9)],
        site.app.state.settings.secret_key,
    )
    page = phone.new_page()
    page.goto(f"{live_url}/t/{token}")
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.get_by_text("Сторінка 1 з 3").is_visible()
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Keyboard only: arrows move along the NPS scale, Enter sends the page.
    page.get_by_role("group", name="Чи порекомендуєте ви нас?").get_by_role(
        "radio", name="0", exact=True
    ).focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert page.locator("input[name=q_nps]:checked").get_attribute("value") == "4"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Сторінка 2 з 3")
    page.close()  # the customer leaves after page one

    later = phone.new_page()
    later.goto(f"{live_url}/t/{token}")
    later.wait_for_selector("text=Сторінка 2 з 3")
    later.get_by_label("Що пішло не так?").fill("Довго чекала на кур'єра")
    later.get_by_role("button", name="Далі").click()
    later.wait_for_selector("text=Сторінка 3 з 3")
    later.get_by_role("group", name="Очікували").get_by_role("radio", name="6").check()
    later.get_by_role("group", name="Отримали").get_by_role("radio", name="2").check()
    later.get_by_role("button", name="Надіслати").click()
    later.wait_for_selector("text=Дякуємо!")
    with db.session() as s:
        response = s.scalars(select(Response)).one()
        given = {(a.question, a.kind): (a.value, a.text) for a in s.scalars(select(Answer))}
    assert (response.status, response.customer_id, response.language) == ("complete", 9, "uk")
    assert given[("nps", "nps")] == (4.0, None)
    assert given[("why_low", "text")] == (None, "Довго чекала на кур'єра")
    assert given[("delivery speed", "perception")] == (2.0, None)
