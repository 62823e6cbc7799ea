"""A local stand-in for an OpenAI-compatible chat completions endpoint, for tests and benches.

It speaks the protocol (POST /v1/chat/completions with messages and a json_schema
response_format; a JSON answer in choices[0].message.content and token usage) and reads
each item with a few keywords, so tests can tell its answers from the builtin model's.
``mode`` makes it misbehave: "broken" answers 500, "garbage" answers text that is not
JSON, "partial" leaves out every second item.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NEGATIVE = ("late", "rude", "broken", "жахлив", "погано", "ужасн", "плохо", "запізн")
POSITIVE = ("great", "polite", "thank", "дякую", "чудов", "спасибо", "отличн", "ввічлив")


def read(text: str) -> dict[str, Any]:
    low = text.lower()
    neg = sum(w in low for w in NEGATIVE)
    pos = sum(w in low for w in POSITIVE)
    sentiment = "negative" if neg > pos else "positive" if pos > neg else "neutral"
    score = {"negative": -0.8, "neutral": 0.0, "positive": 0.8}[sentiment]
    emotions = dict.fromkeys(("anger", "disgust", "fear", "joy", "sadness", "surprise"), 0.0)
    emotions["anger"] = 0.9 if sentiment == "negative" else 0.05
    emotions["joy"] = 0.9 if sentiment == "positive" else 0.05
    confidence = 0.0 if not low.strip() else 0.9
    return {"sentiment": sentiment, "sentiment_score": score, "confidence": confidence,
            "emotions": emotions}  # fmt: skip


class StandIn:
    """Serves on 127.0.0.1 (a free port) in a thread; ``url`` is the base URL to configure."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append(body)
                stand_in.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions" or stand_in.mode == "broken":
                    self._send(500 if stand_in.mode == "broken" else 404, b'{"error": "no"}')
                    return
                assert body["response_format"]["type"] == "json_schema"
                items = json.loads(body["messages"][-1]["content"])["items"]
                readings = [
                    {"id": item["id"], **read(item["text"])}
                    for k, item in enumerate(items)
                    if stand_in.mode != "partial" or k % 2 == 0
                ]
                content = (
                    "I think these are fine."
                    if stand_in.mode == "garbage"
                    else json.dumps({"readings": readings}, ensure_ascii=False)
                )
                reply = {
                    "id": "cmpl-1",
                    "object": "chat.completion",
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],  # fmt: skip
                    "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
                }
                self._send(200, json.dumps(reply).encode())

            def _send(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @property
    def items_asked(self) -> int:
        return sum(len(json.loads(r["messages"][-1]["content"])["items"]) for r in self.requests)
