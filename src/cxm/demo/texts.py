"""What the demo's customers write, in Ukrainian, Russian and English, by situation.

Texts are assembled from fragments so that no two are alike by accident; the situations
follow the planted truths (angry contact-centre loops, late deliveries, the packaging
problem that appears late in the year, praise from promoters).
"""

from __future__ import annotations

import random

Fragments = dict[str, tuple[tuple[str, ...], ...]]

LOOP_ANGER: Fragments = {
    "uk": (
        (
            "Це вже {n}-й дзвінок щодо замовлення {order}.",
            "Телефоную вже {n} раз через {order}.",
            "Вкотре ({n}-й раз!) пишу про замовлення {order}.",
        ),
        (
            "Ніхто нічого не знає, кожен оператор каже інше.",
            "Мене перемикають між відділами і ніхто не допомагає.",
            "Обіцяли передзвонити і знову тиша.",
        ),
        ("Я просто в люті.", "Це обурливо!", "Терпіння закінчилося.", "Жахливий сервіс."),
    ),
    "ru": (
        (
            "Это уже {n}-й звонок по заказу {order}.",
            "Звоню уже {n} раз из-за {order}.",
            "В который раз ({n}-й!) пишу про заказ {order}.",
        ),
        (
            "Никто ничего не знает, каждый оператор говорит своё.",
            "Меня переключают между отделами и никто не помогает.",
            "Обещали перезвонить и снова тишина.",
        ),
        ("Я в бешенстве.", "Это возмутительно!", "Терпение кончилось.", "Отвратительный сервис."),
    ),
    "en": (
        (
            "This is call number {n} about order {order}.",
            "I have called {n} times about {order}.",
            "Writing for the {n}th time about order {order}.",
        ),
        (
            "Nobody knows anything and every agent tells me something different.",
            "I keep getting transferred and nobody helps.",
            "You promised to call back and again nothing.",
        ),
        (
            "I am furious.",
            "This is outrageous!",
            "I have run out of patience.",
            "Terrible service.",
        ),
    ),
}

LATE_DELIVERY: Fragments = {
    "uk": (
        (
            "Замовлення {order} досі не доставили.",
            "Доставку {order} знову перенесли.",
            "Посилка {order} запізнюється вже на кілька днів.",
        ),
        (
            "Обіцяли до {date}, а я досі чекаю.",
            "Я спеціально брала вихідний, щоб отримати її.",
            "Трекінг не оновлювався два дні.",
        ),
        ("Дуже засмучена.", "Прикро, бо раніше все було вчасно.", "Шкода, що так вийшло."),
    ),
    "ru": (
        (
            "Заказ {order} до сих пор не доставили.",
            "Доставку {order} снова перенесли.",
            "Посылка {order} опаздывает уже на несколько дней.",
        ),
        (
            "Обещали до {date}, а я всё ещё жду.",
            "Я специально взяла выходной, чтобы её получить.",
            "Трекинг не обновлялся два дня.",
        ),
        ("Очень расстроена.", "Обидно, раньше всё было вовремя.", "Жаль, что так вышло."),
    ),
    "en": (
        (
            "Order {order} still has not arrived.",
            "The delivery of {order} was moved again.",
            "Parcel {order} is several days late.",
        ),
        (
            "You promised it by {date} and I am still waiting.",
            "I took a day off to receive it.",
            "Tracking has not updated for two days.",
        ),
        ("Very disappointed.", "A pity, it used to arrive on time.", "Sad this happened."),
    ),
}

DAMAGED_PACKAGING: Fragments = {
    "uk": (
        (
            "Коробка прийшла пом'ята і розірвана.",
            "Упаковка була пошкоджена, скотч розірваний.",
            "Посилку доставили з прим'ятою коробкою.",
        ),
        (
            "Товар усередині подряпаний.",
            "Добре, що сам товар цілий, але вигляд жахливий.",
            "Довелося фотографувати пошкодження для повернення.",
        ),
        ("Пакуйте, будь ласка, краще.", "Це вже не вперше з упаковкою.", ""),
    ),
    "ru": (
        (
            "Коробка пришла мятая и порванная.",
            "Упаковка была повреждена, скотч порван.",
            "Посылку доставили с помятой коробкой.",
        ),
        (
            "Товар внутри поцарапан.",
            "Хорошо, что сам товар цел, но вид ужасный.",
            "Пришлось фотографировать повреждения для возврата.",
        ),
        ("Упаковывайте, пожалуйста, лучше.", "Это уже не первый раз с упаковкой.", ""),
    ),
    "en": (
        (
            "The box arrived crushed and torn.",
            "The packaging was damaged, the tape ripped.",
            "The parcel came with a dented box.",
        ),
        (
            "The item inside is scratched.",
            "The product survived but it looked awful.",
            "I had to photograph the damage for a return.",
        ),
        ("Please pack things better.", "Not the first time with the packaging.", ""),
    ),
}

PRAISE: Fragments = {
    "uk": (
        ("Все швидко і зручно.", "Чудовий сервіс!", "Консультант у магазині дуже допоміг."),
        (
            "Доставили навіть раніше, ніж обіцяли.",
            "Товар якісний, як в описі.",
            "Приємно купувати у вас.",
        ),
        ("Дякую!", "Рекомендую друзям.", "Купую тільки у вас: жодного разу не підвели."),
    ),
    "ru": (
        ("Всё быстро и удобно.", "Отличный сервис!", "Консультант в магазине очень помог."),
        (
            "Доставили даже раньше, чем обещали.",
            "Товар качественный, как в описании.",
            "Приятно у вас покупать.",
        ),
        ("Спасибо!", "Советую друзьям.", "Покупаю только у вас: ни разу не подвели."),
    ),
    "en": (
        ("Quick and easy.", "Great service!", "The shop assistant was really helpful."),
        (
            "Delivered even earlier than promised.",
            "Good quality, exactly as described.",
            "A pleasure to shop with you.",
        ),
        ("Thank you!", "I recommend you to my friends.", "You have never let me down."),
    ),
}

# Told afterwards, in a survey that follows the delivery: the parcel came, but late.
LATE_ARRIVAL: Fragments = {
    "uk": (
        (
            "Замовлення {order} приїхало із запізненням.",
            "Посилка {order} прийшла із запізненням на три дні.",
            "Доставка {order} запізнилася на кілька днів.",
        ),
        (
            "Обіцяли до {date}, а чекати довелося довше.",
            "Довелося чекати зайві дні.",
            "Я спеціально брала вихідний, а кур'єр так і не приїхав того дня.",
        ),
        ("Дуже засмучена.", "Прикро, бо раніше все було вчасно.", "Шкода, що так вийшло."),
    ),
    "ru": (
        (
            "Заказ {order} приехал с опозданием.",
            "Посылка {order} пришла с опозданием на три дня.",
            "Доставка {order} опоздала на несколько дней.",
        ),
        (
            "Обещали до {date}, а ждать пришлось дольше.",
            "Пришлось ждать лишние дни.",
            "Я специально взяла выходной, а курьер в тот день так и не приехал.",
        ),
        ("Очень расстроена.", "Обидно, раньше всё было вовремя.", "Жаль, что так вышло."),
    ),
    "en": (
        (
            "Order {order} arrived late.",
            "Parcel {order} came three days late.",
            "The delivery of {order} was several days late.",
        ),
        (
            "You promised it by {date} and I had to wait longer.",
            "I had to wait extra days.",
            "I took a day off to receive it and the courier did not come that day.",
        ),
        ("Very disappointed.", "Disappointing, it used to arrive on time.", "Sad this happened."),
    ),
}

SITUATIONS: dict[str, Fragments] = {
    "loop_anger": LOOP_ANGER,
    "late_delivery": LATE_DELIVERY,
    "late_arrival": LATE_ARRIVAL,
    "damaged_packaging": DAMAGED_PACKAGING,
    "praise": PRAISE,
}


def compose(situation: str, language: str, rng: random.Random, **values: object) -> str:
    """One text for a situation, in a language, filled with the given values."""
    parts = [rng.choice(options) for options in SITUATIONS[situation][language]]
    return " ".join(p for p in parts if p).format(**values)
