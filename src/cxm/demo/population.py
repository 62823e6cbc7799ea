"""Who the demo's customers are: names, languages, segments, home stores and identities."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cxm.demo import truths as T
from cxm.demo.catalogue import STORES
from cxm.demo.experience import base_ltr

START = datetime.combine(T.END_DATE - timedelta(days=T.DAYS - 1), time(0), UTC)
END = datetime.combine(T.END_DATE, time(23, 59, 59), UTC)
STORE_CODES = [s.code for s in STORES]
STORE_WEIGHTS = [s.weight for s in STORES]
CITY = {s.code: s.city for s in STORES}
SEGMENT_MIX = {
    T.STORES.sensory_store: T.STORES.sensory_segment_mix,
    T.STORES.low_enps_store: T.STORES.low_enps_segment_mix,
}
FIRST_NAMES = {
    "uk": ("Олена", "Тарас", "Ірина", "Андрій", "Оксана", "Богдан", "Марія", "Дмитро"),
    "ru": ("Анна", "Сергей", "Наталья", "Алексей", "Екатерина", "Игорь", "Ольга", "Павел"),
    "en": ("Emma", "James", "Olivia", "Daniel", "Sophie", "Michael", "Grace", "Thomas"),
}
LAST_NAMES = {
    "uk": ("Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Мельник", "Кравченко"),
    "ru": ("Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев"),
    "en": ("Smith", "Brown", "Taylor", "Wilson", "Evans", "Walker"),
}


@dataclass
class Person:
    """One customer as drawn, before their year is simulated."""

    index: int
    user_id: str
    name: str
    language: str
    segment: str
    channel: str  # the channel they usually buy in
    home_store: str  # nearest store; its city is where parcels go
    city: str
    far: bool  # far from the Kyiv warehouse (truths.Geography)
    first_seen_at: datetime
    active_from: datetime  # when their activity in this year's data begins
    base_ltr: float
    identities: list[tuple[str, str]]


def pick(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def draw_person(rng: random.Random, index: int) -> Person:
    """Customer ``index``, drawn from the stream ``rng`` (which the simulation continues)."""
    language = pick(rng, T.LANGUAGES)
    name = f"{rng.choice(FIRST_NAMES[language])} {rng.choice(LAST_NAMES[language])}"
    home = rng.choices(STORE_CODES, STORE_WEIGHTS)[0]
    mix = SEGMENT_MIX.get(home, T.POPULATION.segment_mix)
    segment = rng.choices(T.POPULATION.segments, mix)[0]
    channel = pick(rng, T.POPULATION.preferred_channel)
    city = CITY[home]
    far = city in T.GEOGRAPHY.far_cities
    if rng.random() < T.POPULATION.existing_share:
        # Customers before this year: first seen up to three years earlier.
        first_seen = START - timedelta(days=rng.uniform(1, 3 * 365), hours=rng.uniform(6, 19))
        active_from = START + timedelta(hours=rng.uniform(0, 24))
    else:
        first_seen = START + timedelta(days=rng.uniform(0, T.DAYS - 35), hours=rng.uniform(6, 19))
        active_from = first_seen
    user_id = f"C{index:07d}"
    identities = [
        ("user_id", user_id),
        ("email", f"customer{index}@mail.example"),
        ("phone", f"+3806{index:08d}"),
    ]
    if segment == "loyalty":
        identities.append(("loyalty_card", f"LC{index:08d}"))
    if channel != "store":
        identities.append(("anonymous_id", f"anon-{rng.getrandbits(48):012x}"))
    return Person(
        index,
        user_id,
        name,
        language,
        segment,
        channel,
        home,
        city,
        far,
        first_seen,
        active_from,
        base_ltr(rng, segment, far),
        identities,
    )


def day_index(ts: datetime) -> int:
    """Days since the world's first day (UTC)."""
    return (ts.date() - START.date()).days


def first_day() -> date:
    return START.date()
