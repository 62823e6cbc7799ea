"""The ``llm`` text backend: an OpenAI-compatible chat completions endpoint (a local vLLM,
Ollama or llama.cpp server, or a hosted API) asked for a JSON answer that follows a schema.

Texts go in batches (``text_llm_batch`` a request), each cut to ``text_llm_max_chars``.
Answers are cached on disk by model version and text, so a text is asked about once. The
data directory spends at most ``text_llm_daily_tokens`` tokens per UTC day (the usage the
endpoint reports, else an estimate of four characters a token), counted in the cache file,
so the web server's workers, ``cxm worker`` and every ``cxm text enrich`` share one budget.
Texts the endpoint does not read (unreachable, an error, an answer that breaks the schema,
the budget spent) are read by the builtin model, with a warning naming the cause, and
record the builtin model's version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import urllib.error
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from cxm.text.backends import BackendUnavailable, TextBackend, fell_back
from cxm.text.builtin import Scores
from cxm.text.labels import ALL_EMOTIONS, SENTIMENTS

if TYPE_CHECKING:
    from cxm.core.settings import Settings

log = logging.getLogger("cxm.text")
LABEL_AT = 0.5  # an emotion's intensity from which it is named among the labels

PROMPT = (
    "You read customer feedback (reviews, complaints, survey comments, contact-centre notes) "
    "in any language, mostly Ukrainian, Russian and English. For each item give: sentiment "
    "(negative, neutral or positive: the customer's attitude, neutral for questions, plain "
    "facts and balanced mixes), sentiment_score from -1 (very negative) to 1 (very positive), "
    "confidence from 0 to 1, and the intensity from 0 to 1 of each emotion the customer "
    "expresses: anger, disgust, fear, joy, sadness, surprise, gratitude (sincere thanks), "
    "disappointment (an expectation or hope let down) and trust (reliance on the company, "
    "its staff or its products beyond one event) (0 when absent). Empty, "
    "emoji-only or unreadable items are neutral with confidence 0. Answer with JSON only: "
    '{"readings": [...]}, one reading per item, with the item\'s id.'
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "readings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "sentiment": {"type": "string", "enum": list(SENTIMENTS)},
                    "sentiment_score": {"type": "number", "minimum": -1, "maximum": 1},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "emotions": {
                        "type": "object",
                        "properties": {
                            e: {"type": "number", "minimum": 0, "maximum": 1} for e in ALL_EMOTIONS
                        },
                        "required": list(ALL_EMOTIONS),
                        "additionalProperties": False,
                    },
                },
                "required": ["id", "sentiment", "sentiment_score", "confidence", "emotions"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["readings"],
    "additionalProperties": False,
}


class Reading(BaseModel):
    """One item of the endpoint's answer, checked against the schema."""

    id: int
    sentiment: Literal["negative", "neutral", "positive"]
    sentiment_score: float = Field(ge=-1, le=1)
    confidence: float = Field(ge=0, le=1)
    emotions: dict[str, float]

    def scores(self) -> Scores:
        intensity = {
            e: round(min(1.0, max(0.0, self.emotions.get(e, 0.0))), 4) for e in ALL_EMOTIONS
        }
        labels = [e for e in ALL_EMOTIONS if intensity[e] >= LABEL_AT]
        return Scores(self.sentiment, self.sentiment_score, self.confidence, intensity,
                      labels or ["none"])  # fmt: skip


_NOTHING_TO_READ = Scores("neutral", 0.0, 0.0, dict.fromkeys(ALL_EMOTIONS, 0.0), ["none"])


class Answer(BaseModel):
    readings: list[Reading]


class AnswerCache:
    """Answers on disk (SQLite), keyed by model version and the text as sent, and the tokens
    spent per UTC day (shared by every process using the file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: dict[str, str] = {}
        self._spent: dict[str, int] = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS answer (key TEXT PRIMARY KEY, body TEXT)")
                conn.execute("CREATE TABLE IF NOT EXISTS spend (day TEXT PRIMARY KEY, tokens INT)")

    def spent(self, day: date) -> int:
        """Tokens spent on ``day`` (UTC) so far."""
        if self.path is None:
            return self._spent.get(day.isoformat(), 0)
        with self._connect() as conn:
            row = conn.execute("SELECT tokens FROM spend WHERE day = ?", (day.isoformat(),))
            found = row.fetchone()
        return int(found[0]) if found else 0

    def spend(self, day: date, tokens: int) -> None:
        """Add ``tokens`` to ``day``'s spending (atomically, whoever else adds at once)."""
        if self.path is None:
            self._spent[day.isoformat()] = self._spent.get(day.isoformat(), 0) + tokens
            return
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO spend VALUES (?, ?) "
                "ON CONFLICT(day) DO UPDATE SET tokens = tokens + excluded.tokens",
                (day.isoformat(), tokens),
            )

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        return sqlite3.connect(self.path, timeout=30)

    @staticmethod
    def key(version: str, text: str) -> str:
        return hashlib.sha256(f"{version}\0{text}".encode()).hexdigest()

    def get(self, keys: list[str]) -> dict[str, str]:
        if self.path is None:
            return {k: self._memory[k] for k in keys if k in self._memory}
        found: dict[str, str] = {}
        with self._connect() as conn:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                sql = f"SELECT key, body FROM answer WHERE key IN ({marks})"  # noqa: S608
                found.update(dict(conn.execute(sql, part).fetchall()))
        return found

    def put(self, items: dict[str, str]) -> None:
        if self.path is None:
            self._memory.update(items)
            return
        with self._connect() as conn:
            conn.executemany("INSERT OR REPLACE INTO answer VALUES (?, ?)", items.items())


class LlmBackend:
    """See the module docstring; ``fallback`` reads what the endpoint does not."""

    name = "llm"

    def __init__(
        self,
        url: str,
        model: str,
        fallback: TextBackend,
        *,
        key: str | None = None,
        batch: int = 20,
        max_chars: int = 1_000,
        daily_tokens: int = 2_000_000,
        timeout: float = 60.0,
        cache: AnswerCache | None = None,
    ) -> None:
        self.url = url.rstrip("/") + "/chat/completions"
        self.model, self.fallback, self.key = model, fallback, key
        self.batch, self.max_chars, self.timeout = batch, max_chars, timeout
        self.daily_tokens = daily_tokens
        digest = hashlib.sha1(f"{PROMPT}{json.dumps(SCHEMA)}{max_chars}".encode()).hexdigest()
        self.version = f"llm-{model[:40]}-{digest[:10]}"
        self.cache = cache or AnswerCache(None)
        self.requests = 0  # how many requests reached the endpoint (for tests and benches)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, fallback: TextBackend) -> LlmBackend:
        if not settings.text_llm_url:
            raise BackendUnavailable("CXM_TEXT_LLM_URL is not set")
        if not settings.text_llm_model:
            raise BackendUnavailable("CXM_TEXT_LLM_MODEL is not set")
        return cls(
            settings.text_llm_url,
            settings.text_llm_model,
            fallback,
            key=settings.text_llm_key,
            batch=settings.text_llm_batch,
            max_chars=settings.text_llm_max_chars,
            daily_tokens=settings.text_llm_daily_tokens,
            timeout=settings.text_llm_timeout,
            cache=AnswerCache(settings.data_dir / "text" / "llm-cache.sqlite3"),
        )

    def score(self, texts: list[str]) -> list[Scores]:
        sent = [" ".join(t[: self.max_chars].split()) for t in texts]
        keys = [AnswerCache.key(self.version, t) for t in sent]
        cached = self.cache.get(sorted(set(keys)))
        out: list[Scores | None] = [
            Reading.model_validate_json(cached[k]).scores() if k in cached else None for k in keys
        ]
        for i, t in enumerate(sent):
            if out[i] is None and not any(ch.isalpha() for ch in t):
                out[i] = _NOTHING_TO_READ  # empty, emoji, digits: not worth a request
        first: dict[str, int] = {}  # each distinct text is asked about once
        for i, t in enumerate(sent):
            if out[i] is None:
                first.setdefault(t, i)
        todo = list(first.items())
        answered: dict[str, Scores] = {}
        for start in range(0, len(todo), self.batch):
            part = todo[start : start + self.batch]
            try:
                answers = self._ask([t for t, _ in part])
            except BackendUnavailable as exc:
                fell_back(f"llm endpoint {self.url}: {exc}; read by the builtin model")
                break
            self.cache.put(
                {keys[i]: a.model_dump_json() for (_, i), a in zip(part, answers, strict=True)
                 if a is not None}
            )  # fmt: skip
            answered.update(
                {t: a.scores() for (t, _), a in zip(part, answers, strict=True) if a is not None}
            )
        for i, t in enumerate(sent):
            if out[i] is None and t in answered:
                out[i] = answered[t]
        missing = [i for i, s in enumerate(out) if s is None]
        if missing:
            read = self.fallback.score([texts[i] for i in missing])
            for i, s in zip(missing, read, strict=True):
                s.version = s.version or self.fallback.version
                out[i] = s
        return [s for s in out if s is not None]

    def _ask(self, texts: list[str]) -> list[Reading | None]:
        """The endpoint's readings of ``texts`` in order (None where an item is missing or
        breaks the schema); BackendUnavailable when nothing usable came back."""
        items = [{"id": k, "text": t} for k, t in enumerate(texts)]
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": PROMPT},
                {"role": "user", "content": json.dumps({"items": items}, ensure_ascii=False)},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "feedback_readings", "strict": True, "schema": SCHEMA},
            },
        }
        payload = json.dumps(body, ensure_ascii=False).encode()
        self._charge(len(payload) // 4, check=True)
        request = urllib.request.Request(self.url, payload, method="POST")
        request.add_header("Content-Type", "application/json")
        if self.key:
            request.add_header("Authorization", f"Bearer {self.key}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise BackendUnavailable(f"HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackendUnavailable(f"unreachable ({reason})") from exc
        self.requests += 1
        try:
            reply = json.loads(raw)
            content = reply["choices"][0]["message"]["content"]
            readings = json.loads(content)["readings"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise BackendUnavailable(f"an answer that is not the expected JSON ({exc})") from exc
        usage = (reply.get("usage") or {}).get("total_tokens")
        self._charge(int(usage) if usage else len(raw) // 4, check=False)
        by_id: dict[int, Reading] = {}
        for item in readings if isinstance(readings, list) else []:
            try:
                reading = Reading.model_validate(item)
            except ValidationError:
                continue
            by_id[reading.id] = reading
        if len(by_id) < len(texts):
            fell_back(
                f"llm endpoint {self.url} answered {len(by_id)} of {len(texts)} items within "
                "the schema; the rest are read by the builtin model"
            )
        return [by_id.get(k) for k in range(len(texts))]

    def _charge(self, tokens: int, *, check: bool) -> None:
        """Refuse a request of ``tokens`` over today's budget (``check``), or count what one
        spent."""
        with self._lock:
            today = datetime.now(UTC).date()
            if not check:
                self.cache.spend(today, tokens)
                return
            spent = self.cache.spent(today)
            if spent + tokens > self.daily_tokens:
                raise BackendUnavailable(
                    f"the daily budget of {self.daily_tokens:,} tokens is spent ({spent:,} used)"
                )
