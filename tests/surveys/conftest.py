"""A survey definition with every question type, in Ukrainian, Russian and English."""

from __future__ import annotations

import copy
from typing import Any

import pytest


def t(uk: str, ru: str, en: str) -> dict[str, str]:
    return {"uk": uk, "ru": ru, "en": en}


DEFINITION: dict[str, Any] = {
    "languages": ["uk", "ru", "en"],
    "title": t("Ваша доставка", "Ваша доставка", "Your delivery"),
    "hidden": ["order_id", "store", "channel", "campaign"],
    "pages": [
        {
            "id": "start",
            "questions": [
                {
                    "id": "nps",
                    "type": "nps",
                    "required": True,
                    "text": t(
                        "Чи порекомендуєте ви нас?",
                        "Порекомендуете ли вы нас?",
                        "Would you recommend us?",
                    ),
                },
                {
                    "id": "csat",
                    "type": "csat",
                    "text": t("Чи задоволені ви?", "Довольны ли вы?", "Are you satisfied?"),
                },
            ],
            "jumps": [{"when": [{"question": "nps", "op": "ge", "value": 9}], "to": "last"}],
        },
        {
            "id": "details",
            "questions": [
                {
                    "id": "why_low",
                    "type": "text",
                    "visible_if": [{"question": "nps", "op": "le", "value": 6}],
                    "text": t("Що пішло не так?", "Что пошло не так?", "What went wrong?"),
                },
                {
                    "id": "ces",
                    "type": "ces",
                    "text": t("Наскільки легко?", "Насколько легко?", "How easy?"),
                },
                {
                    "id": "speed",
                    "type": "rating",
                    "min": 1,
                    "max": 4,
                    "text": t("Швидкість", "Скорость", "Speed"),
                },
                {
                    "id": "channel_used",
                    "type": "single",
                    "randomize": True,
                    "options": [
                        {"value": "web", "text": t("Сайт", "Сайт", "Website")},
                        {"value": "app", "text": t("Застосунок", "Приложение", "App")},
                        {"value": "store", "text": t("Магазин", "Магазин", "Store")},
                    ],
                    "text": t("Де ви купували?", "Где вы покупали?", "Where did you buy?"),
                },
                {
                    "id": "liked",
                    "type": "multiple",
                    "options": [
                        {"value": "price", "text": t("Ціна", "Цена", "Price")},
                        {"value": "speed", "text": t("Швидкість", "Скорость", "Speed")},
                    ],
                    "text": t("Що сподобалося?", "Что понравилось?", "What did you like?"),
                },
                {
                    "id": "grid",
                    "type": "matrix",
                    "rows": [
                        {"value": "courier", "text": t("Кур'єр", "Курьер", "Courier")},
                        {"value": "packing", "text": t("Пакування", "Упаковка", "Packing")},
                    ],
                    "columns": [
                        {"value": "bad", "text": t("Погано", "Плохо", "Bad")},
                        {"value": "good", "text": t("Добре", "Хорошо", "Good")},
                    ],
                    "text": t("Оцініть", "Оцените", "Rate"),
                },
            ],
        },
        {
            "id": "last",
            "questions": [
                {
                    "id": "gaps",
                    "type": "expectation_perception",
                    "scale": 7,
                    "attributes": [
                        {"id": "delivery speed", "text": t("Швидкість", "Скорость", "Speed")}
                    ],
                    "sides": {
                        "expectation": t("Очікували", "Ожидали", "Expected"),
                        "perception": t("Отримали", "Получили", "Got"),
                    },
                },
                {
                    "id": "sacrifice",
                    "type": "ideal_accepted",
                    "scale": 7,
                    "attributes": [
                        {"id": "delivery speed", "text": t("Швидкість", "Скорость", "Speed")}
                    ],
                    "sides": {
                        "ideal": t("Ідеально", "Идеально", "Ideal"),
                        "accepted": t("Погодилися", "Согласились", "Accepted"),
                    },
                },
                {
                    "id": "comment",
                    "type": "text",
                    "text": t("Коментар", "Комментарий", "Comment"),
                },
            ],
        },
    ],
}


@pytest.fixture
def definition() -> dict[str, Any]:
    return copy.deepcopy(DEFINITION)


from tests.surveys.mailbox import smtp  # noqa: E402, F401
from tests.web.conftest import browser_page, client, live_url, site  # noqa: E402, F401
