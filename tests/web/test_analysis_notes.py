"""Notes of the analytics layer read in the page's language, figures and driver names kept."""

from __future__ import annotations

import pandas as pd
import polars as pl
from fastapi.testclient import TestClient

from cxm.analytics.drivers import _collinear, _dependent
from cxm.web.analysis_notes import translate
from cxm.web.i18n import translations
from tests.analytics.driver_world import driver_world
from tests.web.conftest import Site, log_in

UK = translations("uk").gettext
EN = translations("en").gettext


def test_notes_with_figures_and_driver_names_are_translated() -> None:
    twins = _collinear(pl.DataFrame({"late": [0, 1, 0, 1], "copy": [0, 1, 0, 1]}), ["late", "copy"])
    said = "Collinear drivers: " + "; ".join(twins) + "."
    assert translate(said, UK) == (
        "Колінеарні чинники: запізнення доставки і copy трапляються разом (кореляція 1.00); "
        "їхні впливи не розрізнити: залиште один."
    )
    assert translate(said, EN) == said.replace("late and", "late delivery and")
    x = pd.DataFrame(
        {"late": [0.0, 1, 0, 1, 1], "early": [1.0, 0, 1, 0, 0], "z": [1.0, 2, 3, 4, 6]}
    )
    dependent = _dependent(x, ["late", "early"])
    assert dependent is not None
    assert translate(dependent, UK).startswith("Колінеарні чинники: запізнення доставки, early ")
    skipped = "4 of 120 respondents had it; at least 10 with and without it are needed"
    assert translate(skipped, UK) == (
        "це мали 4 з 120 респондентів; потрібно щонайменше 10 з цим і без цього"
    )
    assert translate("Importance from all stores: " + skipped, UK).startswith(
        "Важливість за всіма магазинами: це мали 4 з 120"
    )
    assert translate("not significant at 5%", UK) == "незначущий на рівні 5%"
    # The same notes when repeat purchase or churn is explained count orders.
    orders = "4 of 120 orders had it; at least 10 with and without it are needed"
    assert (
        translate(orders, UK)
        == "це мали 4 з 120 замовлень; потрібно щонайменше 10 з цим і без цього"
    )
    few = ("Too few orders (42; at least 100 are needed) for a driver analysis: widen the "
           "filters or wait for more follow-up.")  # fmt: skip
    assert translate(few, UK).startswith("Замало замовлень (42; потрібно щонайменше 100)")
    assert translate(few, EN) == few
    assert translate("Something new the catalogue does not know.", UK) == (
        "Something new the catalogue does not know."
    )
    assert translate("no NPS effect under an outcome filter", UK) == (
        "немає ефекту на NPS з фільтром за результатом"
    )
    assert translate(None, UK) == ""


def test_the_moments_page_says_too_few_respondents_in_ukrainian(
    site: Site, client: TestClient
) -> None:
    driver_world(site.app.state.db, drivers=3, orders=30, org=site.org_id)
    log_in(client, site.email)
    page = client.get("/moments")
    assert page.status_code == 200
    assert "Замало респондентів (30; потрібно щонайменше 100)" in page.text
    assert "Too few respondents" not in page.text


def test_the_outcome_refusal_of_the_driver_analysis_is_translated() -> None:
    from cxm.analytics.first_touchpoint import refuse_outcome
    from cxm.core.errors import ValidationError

    for analysis in ("the driver analysis", "the quadrants' importance (a driver analysis)"):
        try:
            refuse_outcome("detractor", analysis)
        except ValidationError as exc:
            said = translate(str(exc), UK)
        assert said.startswith("Аналіз чинників пояснює відповідь NPS")
        assert "«критик»" in said


def test_rating_notes_count_orders_when_repeat_purchase_or_churn_is_explained() -> None:
    from cxm.analytics.rating_drivers import complete_cases

    rows = pl.DataFrame({"rating:calls": [True, None, False], "score": [0, 100, 100]})
    kept, note = complete_cases(rows, ["rating:calls"], 2, rows="orders")
    assert kept.height == 2
    assert note == (
        "Rating drivers (rating:calls): 2 of 3 orders have every named rating; the others "
        "are left out; 2 rated orders without a delivery promise are not analysed (all "
        "orders: all_orders, --all-orders)."
    )
    assert translate(note, UK).startswith(
        "Чинники-оцінки (rating:calls): 2 з 3 замовлень мають усі названі оцінки"
    )
    _, said = complete_cases(rows, ["rating:calls"])
    assert translate(said, UK).startswith("Чинники-оцінки (rating:calls): 2 з 3 респондентів")
