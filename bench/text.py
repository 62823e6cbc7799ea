"""Texts per second of each text backend available here (sentiment + emotions + language).

builtin: the shipped model. transformers: a local model given with --model (a directory or
cached id), else a tiny one-layer model trained here (it measures the backend's own
overhead, not a real classifier's speed). llm: the local stand-in server that speaks the
OpenAI chat completions protocol (it measures cxm's side: batching, JSON, caching, not a
language model's speed), first uncached, then from the answer cache.

The themes rows read the default taxonomy on lemmas (pymorphy3, Snowball); the last row
is the whole enrichment: language, sentiment, emotions and themes.

Run: PYTHONPATH=src python bench/text.py [--texts 20000] [--model PATH]
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cxm.text import lemmas
from cxm.text.aspects import aspects
from cxm.text.backends import TextBackend
from cxm.text.builtin import BuiltinModel
from cxm.text.default_taxonomy import DEFAULT_TAXONOMY
from cxm.text.enrichment import analyse
from cxm.text.language import detect
from cxm.text.llm_backend import AnswerCache, LlmBackend
from cxm.text.taxonomy import parse_taxonomy
from cxm.text.themes import read_themes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' stand-ins

SAMPLES = (
    "Доставка затрималася на тиждень, ніхто нічого не пояснив",
    "Дякую за швидку доставку і ввічливого кур'єра!",
    "Заказ пришёл вовремя, всё отлично, спасибо",
    "Третий раз звоню в поддержку и никто не может помочь!",
    "The courier was polite but the parcel arrived three days late",
    "Great store, the staff helped me choose a vacuum cleaner",
)
TARGET = 1_000
Row = tuple[str, int, float]


def _time(name: str, n: int, run: Callable[[], Any]) -> Row:
    started = time.perf_counter()
    run()
    return name, n, time.perf_counter() - started


def _transformers(model: str | None, builtin: BuiltinModel, work: Path) -> TextBackend | str:
    try:
        from cxm.text.transformers_backend import TransformersBackend
    except ImportError as exc:  # pragma: no cover - the extra is not installed
        return f"not installed ({exc})"
    if model is None:
        try:
            from tests.text.tiny_models import SENTIMENT, train_tiny
        except ImportError as exc:
            return f"torch/transformers not installed ({exc})"
        model = train_tiny(work / "tiny", ("negative", "neutral", "positive"), SENTIMENT, False)
    return TransformersBackend.open(model, None, fallback=builtin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--model", default=None, help="A local Hugging Face model to time.")
    args = parser.parse_args()
    rng = random.Random(3)
    texts = [f"{rng.choice(SAMPLES)} {i}" for i in range(args.texts)]
    model = BuiltinModel.load()
    analyse(model, texts[:100])  # warm: imports, the language model
    six = copy.copy(model).reading_feedback(None)  # without gratitude and disappointment
    rows: list[Row] = [
        _time("builtin: sentiment + six emotions", len(texts), lambda: six.score(texts)),
        _time("builtin: sentiment + emotions", len(texts), lambda: model.score(texts)),
        _time("builtin: + language (enrichment)", len(texts), lambda: analyse(model, texts)),
        _time("builtin: aspects", len(texts), lambda: aspects(model, texts)),
    ]
    taxonomy = parse_taxonomy(DEFAULT_TAXONOMY)
    read_themes(texts[0], "uk", taxonomy)  # warm: the dictionaries, the compiled taxonomy
    lemmas.lemma.cache_clear()  # word forms are looked up afresh (then cached per word)
    rows.append(
        _time(
            "builtin: taxonomy themes (lemmas)",
            len(texts),
            lambda: [read_themes(t, None, taxonomy) for t in texts],
        )  # fmt: skip
    )
    lemmas.lemma.cache_clear()

    def everything() -> None:  # what enrichment does: language, sentiment, emotions, themes
        analyse(model, texts)
        for t in texts:
            read_themes(t, detect(t)[0], taxonomy)

    rows.append(_time("builtin: + language + themes", len(texts), everything))
    notes = []
    with tempfile.TemporaryDirectory() as work:
        local = _transformers(args.model, model, Path(work))
        if isinstance(local, str):
            notes.append(f"transformers: {local}")
        else:
            few = texts[: max(200, len(texts) // 10)]
            local.score(few[:32])
            label = "transformers: " + ("given model" if args.model else "tiny test model")
            rows.append(_time(label, len(few), lambda: local.score(few)))
        from tests.text.llm_server import StandIn

        with StandIn() as server:
            llm = LlmBackend(server.url, "stand-in", model, batch=20,
                             cache=AnswerCache(Path(work) / "cache.sqlite3"))  # fmt: skip
            few = texts[: max(200, len(texts) // 10)]
            rows.append(_time("llm: stand-in server, uncached", len(few), lambda: llm.score(few)))
            rows.append(_time("llm: from the answer cache", len(few), lambda: llm.score(few)))
    print(f"{'backend':<36} {'texts':>7} {'texts/s':>10} {'seconds':>8}  target {TARGET:,}/s")
    for name, n, seconds in rows:
        rate = n / seconds
        mark = ("met" if rate >= TARGET else "MISSED") if name.startswith("builtin") else ""
        print(f"{name:<36} {n:>7,} {rate:>10,.0f} {seconds:>8.2f}  {mark}")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
