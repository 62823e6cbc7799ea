"""Texts per second of each text backend available here (sentiment + emotions + language).

Run: python bench/text.py [--texts 20000]
"""

from __future__ import annotations

import argparse
import random
import time

from cxm.text.builtin import BuiltinModel
from cxm.text.enrichment import analyse

SAMPLES = (
    "Доставка затрималася на тиждень, ніхто нічого не пояснив",
    "Дякую за швидку доставку і ввічливого кур'єра!",
    "Заказ пришёл вовремя, всё отлично, спасибо",
    "Третий раз звоню в поддержку и никто не может помочь!",
    "The courier was polite but the parcel arrived three days late",
    "Great store, the staff helped me choose a vacuum cleaner",
)
TARGET = 1_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(3)
    texts = [f"{rng.choice(SAMPLES)} {rng.randint(1, 999)}" for _ in range(args.texts)]
    model = BuiltinModel.load()
    analyse(model, texts[:100])  # warm: imports, the language model
    rows = []
    for name, run in (
        ("builtin: sentiment + emotions", lambda: model.score(texts)),
        ("builtin: + language (enrichment)", lambda: analyse(model, texts)),
    ):
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
        rows.append((name, len(texts) / seconds, seconds))
    print(f"{'backend':<36} {'texts/s':>10} {'seconds':>8}  target {TARGET:,}/s")
    for name, rate, seconds in rows:
        print(f"{name:<36} {rate:>10,.0f} {seconds:>8.2f}  {'met' if rate >= TARGET else 'MISSED'}")
    print("transformers, llm: not built yet")


if __name__ == "__main__":
    main()
