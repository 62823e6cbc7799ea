"""The taxonomy every organization starts with: the usual themes of an omnichannel retailer.

It deliberately has no packaging or damaged-in-transit theme: that is what a CX team finds
with theme discovery (the demo world plants such a topic late in its year) and promotes.
"""

from __future__ import annotations

from typing import Any


def _sub(key: str, en: str, uk: str, ru: str, keywords: dict[str, list[str]],
         examples: dict[str, list[str]] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"key": key, "names": {"en": en, "uk": uk, "ru": ru}, "keywords": keywords,
            "examples": examples or {}}  # fmt: skip


def _theme(key: str, en: str, uk: str, ru: str, *subs: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "names": {"en": en, "uk": uk, "ru": ru}, "subthemes": list(subs)}


DEFAULT_TAXONOMY: dict[str, Any] = {"themes": [
    _theme("delivery", "Delivery", "Доставка", "Доставка",
        _sub("late", "Late", "Запізнення", "Опоздание", {
            "uk": ["запізнюватися", "запізнитися", "запізнення", "затримка доставки",
                   "не доставили", "перенесли доставку", "досі чекаю", "трекінг", "не привезли"],
            "ru": ["опаздывать", "опоздать", "опоздание", "задержка доставки", "не доставили",
                   "перенесли доставку", "всё ещё жду", "трекинг", "не привезли"],
            "en": ["late", "not arrived", "still waiting", "delay", "tracking",
                   "delivery was moved", "never arrived"],
        }, {"uk": ["доставку перенесли", "обіцяли до"], "ru": ["доставку перенесли", "обещали до"],
            "en": ["delivery moved", "promised it by"]}),
        _sub("courier", "Courier", "Кур'єр", "Курьер", {
            "uk": ["кур'єр", "водій"], "ru": ["курьер", "водитель"],
            "en": ["courier", "driver", "delivery man"],
        }),
        _sub("lost", "Lost or wrong items", "Загублене або не те", "Потеряно или не то", {
            "uk": ["загубили", "не той товар", "не вистачає"],
            "ru": ["потеряли", "не тот товар", "не хватает"],
            "en": ["lost", "wrong item", "missing item"],
        }),
    ),
    _theme("contact_centre", "Contact centre", "Контакт-центр", "Контакт-центр",
        _sub("waiting", "Waiting", "Очікування", "Ожидание", {
            "uk": ["чекати на лінії", "довго чекати", "ніхто не відповідає", "тиша"],
            "ru": ["ждать на линии", "долго ждать", "никто не отвечает", "тишина"],
            "en": ["on hold", "waited for an hour", "nobody answers", "no answer"],
        }),
        _sub("repeat", "Repeat contacts", "Повторні звернення", "Повторные обращения", {
            "uk": ["дзвінок", "телефонувати", "оператор", "перемикати", "передзвонити",
                   "вкотре", "ніхто не допомагає"],
            "ru": ["звонок", "звонить", "оператор", "переключать", "перезвонить",
                   "в который раз", "никто не помогает"],
            "en": ["call", "called", "agent", "transferred", "call back", "nobody helps"],
        }),
    ),
    _theme("staff", "Staff", "Персонал", "Персонал",
        _sub("courtesy", "Courtesy", "Ввічливість", "Вежливость", {
            "uk": ["грубий", "ввічливий", "хамство", "нахабний"],
            "ru": ["грубый", "вежливый", "хамство", "наглый"],
            "en": ["rude", "polite", "friendly", "impolite"],
        }),
        _sub("help", "Help and advice", "Допомога й порада", "Помощь и совет", {
            "uk": ["консультант", "продавець", "персонал", "допоміг"],
            "ru": ["консультант", "продавец", "персонал", "помог"],
            "en": ["shop assistant", "staff", "helpful", "sales assistant"],
        }),
    ),
    _theme("store", "Store environment", "Магазин", "Магазин",
        _sub("noise", "Noise", "Шум", "Шум", {
            "uk": ["шум", "гучна музика", "галасно"], "ru": ["шум", "громкая музыка", "шумно"],
            "en": ["noise", "noisy", "loud music"],
        }),
        _sub("lighting", "Lighting", "Освітлення", "Освещение", {
            "uk": ["освітлення", "темно", "тьмяно"], "ru": ["освещение", "темно", "тускло"],
            "en": ["lighting", "too dark", "dim"],
        }),
        _sub("queues", "Queues", "Черги", "Очереди", {
            "uk": ["черга", "одна каса"], "ru": ["очередь", "одна касса"],
            "en": ["queue", "long line"],
        }),
    ),
    _theme("digital", "Website and app", "Сайт і застосунок", "Сайт и приложение",
        _sub("checkout", "Checkout and payment errors", "Оформлення й оплата",
             "Оформление и оплата", {
            "uk": ["оплата не пройшла", "помилка оплати", "кошик", "оформити замовлення",
                   "списали гроші"],
            "ru": ["оплата не прошла", "ошибка оплаты", "корзина", "оформить заказ",
                   "списали деньги"],
            "en": ["payment failed", "checkout", "payment error", "card declined", "basket"],
        }),
        _sub("app", "App and site problems", "Збої сайту й застосунку",
             "Сбои сайта и приложения", {
            "uk": ["сайт", "застосунок", "додаток", "не завантажується", "зависає"],
            "ru": ["сайт", "приложение", "не загружается", "зависает"],
            "en": ["website", "app", "crashed", "does not load", "login"],
        }),
    ),
    _theme("price", "Price", "Ціна", "Цена",
        _sub("level", "Price level", "Рівень цін", "Уровень цен", {
            "uk": ["ціна", "дорого", "переплатити"], "ru": ["цена", "дорого", "переплатить"],
            "en": ["price", "expensive", "overpriced"],
        }),
        _sub("promotions", "Discounts and promotions", "Знижки й акції", "Скидки и акции", {
            "uk": ["знижка", "акція", "промокод"], "ru": ["скидка", "акция", "промокод"],
            "en": ["discount", "promotion", "promo code"],
        }),
    ),
    _theme("product", "Product quality", "Якість товару", "Качество товара",
        _sub("defects", "Defects", "Брак", "Брак", {
            "uk": ["брак", "бракований", "зламався", "не працює", "неякісний"],
            "ru": ["брак", "бракованный", "сломался", "не работает", "некачественный"],
            "en": ["defective", "broken", "stopped working", "poor quality", "faulty"],
        }),
        _sub("as_described", "As described", "Відповідність опису", "Соответствие описанию", {
            "uk": ["якість", "якісний", "як в описі", "не відповідає опису"],
            "ru": ["качество", "качественный", "как в описании", "не соответствует описанию"],
            "en": ["quality", "as described", "not as described"],
        }),
    ),
    _theme("returns", "Returns and refunds", "Повернення коштів", "Возвраты",
        _sub("refunds", "Refunds", "Повернення грошей", "Возврат денег", {
            "uk": ["повернення коштів", "повернути гроші", "гроші досі не повернули"],
            "ru": ["возврат денег", "вернуть деньги", "возврат средств"],
            "en": ["refund", "money back"],
        }),
        _sub("exchange", "Exchanges", "Обмін", "Обмен", {
            "uk": ["обмін", "обміняти"], "ru": ["обмен", "обменять"],
            "en": ["exchange"],
        }),
    ),
]}  # fmt: skip
