"""Complaints told as facts (polarity lexicon r4): failure states and their guards."""

from __future__ import annotations

import pytest

from cxm.text.builtin import BuiltinModel
from cxm.text.polarity import polarity


@pytest.mark.parametrize(
    "text",
    [
        # Broken, does not turn on, overheats, leaks.
        "Пральна машина протікає з першого дня.",
        "Телефон не вмикається після оновлення.",
        "Стиральная машина вышла из строя через месяц.",
        "Пылесос сгорел через неделю.",
        "Холодильник не морозит.",
        "Ноутбук гріється так, що неможливо тримати на колінах.",
        "The charger gets so hot I'm scared to leave it plugged in.",
        "The kettle leaks.",
        "My laptop won't turn on anymore.",
        "The heel came off after two wears.",
        "Фарба облізла за місяць.",
        # Arrived damaged, wrong, incomplete, fake, never.
        "Привезли диван з подертою оббивкою.",
        "У коробці не було зарядки.",
        "Пришла не та модель.",
        "Вместо пяти штук положили три.",
        "Мені надіслали підробку.",
        "Box was empty when it arrived.",
        "I got someone else's order.",
        "Two buttons were missing.",
        "The parcel never arrived.",
        "Замовлення так і не прийшло.",
        "Срок годности истёк ещё в прошлом месяце.",
        # The same fault after a repair.
        "Вернули с той же ошибкой на табло.",
        "Після ремонту знову та сама проблема.",
        # Money: charged twice, no refund.
        "Списали гроші двічі.",
        "They charged me twice for one order.",
        "It's been three weeks and still no refund.",
        # Waiting, returning, being sent away.
        "Простояла в черзі годину.",
        "Жду возврат денег третью неделю.",
        "I was on hold for 45 minutes.",
        "I've been waiting since March.",
        "Had to return it.",
        "Довелося самому везти в сервіс.",
        "Was told to come back tomorrow.",
        "Passed from one department to another.",
        "Оператор бросил трубку посреди разговора.",
    ],
)
def test_a_failure_state_is_complaint(text: str) -> None:
    positive, negative, _, _ = polarity(text)
    assert negative > positive, text


@pytest.mark.parametrize(
    "text",
    [
        # Negated failure states and waits that were short: no complaint.
        "Не зламався за рік користування.",
        "Arrived undamaged and on time.",
        "Returned it without any problems.",
        "I didn't have to wait at all.",
        "Не довелося нічого повертати.",
        "Чекала всього 10 хвилин.",
        "Ніяких подряпин, все ціле.",
        "Ноутбук не греется даже в играх.",
        "Телефон ни разу не завис.",
        "Never had a problem with them.",
        # What only looks like one: a fast delivery, a hot pan, a polite answer.
        "Доставили за годину.",
        "Ответили через пять минут и всё решили.",
        "Піца гаряча, привезли за 40 хвилин.",
        "The pan gets hot quickly and cooks evenly.",
        "Чайник швидко нагрівається.",
        "The store doesn't charge for bags.",
        "Привезли, як і обіцяли, в суботу.",
        "Доставка в пригород бесплатная.",
        "Rustic charm and friendly staff.",
        "Повернула без проблем, гроші прийшли за день.",
    ],
)
def test_a_guarded_or_lookalike_phrase_is_no_complaint(text: str) -> None:
    positive, negative, _, _ = polarity(text)
    assert negative <= positive, text


@pytest.mark.parametrize(
    "text",
    [
        "Хочу повернути товар, як це зробити?",
        "Замовлення ще не отримав, чекаю.",
        "Order arrived, haven't tried it yet.",
    ],
)
def test_plain_statements_and_questions_hold_no_failure_state(text: str) -> None:
    assert polarity(text)[1] == 0.0


def test_a_failure_state_before_but_counts_half() -> None:
    alone = polarity("Чекали пів години.")[1]
    assert alone == 1.0
    assert polarity("Чекали пів години, але піца була неймовірна.")[1] == 0.5


def test_the_shipped_model_reads_complaints_told_as_facts_as_negative() -> None:
    read = BuiltinModel.load().score(
        [
            "Пральна машина протікає з першого дня.",
            "Стиральная машина вышла из строя через месяц.",
            "I was on hold for 45 minutes and they charged me twice.",
        ]
    )
    assert [s.sentiment for s in read] == ["negative", "negative", "negative"]
