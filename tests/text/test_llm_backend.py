"""The llm backend against a local server speaking the OpenAI chat completions protocol."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.cli import main
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.feedback.service import ingest_feedback
from cxm.text.backends import forget_models, load_model, text_backend
from cxm.text.builtin import SHIPPED, BuiltinModel
from cxm.text.enrichment import analyse, backlog, enrich_pending
from cxm.text.llm_backend import SCHEMA, AnswerCache, LlmBackend
from cxm.text.models import Enrichment
from cxm.web.app import create_app
from tests.factories import api_key, organization
from tests.text.llm_server import StandIn

TEXTS = [
    "The parcel was late and the courier was rude",
    "Дякую, все чудово!",
    "Where is my order?",
    "Доставка жахлива",
    "Спасибо, отлично",
]


@pytest.fixture
def builtin() -> BuiltinModel:
    return load_model(SHIPPED)


@pytest.fixture(autouse=True)
def _fresh() -> None:
    forget_models()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_texts_are_read_by_the_endpoint_in_batches_with_the_schema(
    builtin: BuiltinModel, tmp_path: Path
) -> None:
    with StandIn() as server:
        llm = LlmBackend(server.url, "qwen-test", builtin, key="k-1", batch=2,
                         cache=AnswerCache(tmp_path / "cache.sqlite3"))  # fmt: skip
        read = llm.score(TEXTS)
    assert len(server.requests) == 3  # 5 texts, 2 a request
    first = server.requests[0]
    assert first["model"] == "qwen-test" and first["temperature"] == 0
    assert first["response_format"]["json_schema"]["schema"] == SCHEMA
    assert server.headers[0]["Authorization"] == "Bearer k-1"
    assert [s.sentiment for s in read] == [
        "negative", "positive", "neutral", "negative", "positive"
    ]  # fmt: skip
    assert read[0].labels == ["anger"] and read[1].labels == ["joy"] and read[2].labels == ["none"]
    assert read[0].emotions["anger"] == 0.9 and read[0].sentiment_score == -0.8
    assert all(s.version == "" for s in read)  # the llm itself read each one
    assert llm.version.startswith("llm-qwen-test-") and len(llm.version) <= 64


def test_answers_are_cached_on_disk_and_duplicates_asked_once(
    builtin: BuiltinModel, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite3"
    with StandIn() as server:
        llm = LlmBackend(server.url, "m", builtin, batch=10, cache=AnswerCache(cache))
        llm.score([TEXTS[0], TEXTS[0], TEXTS[1]])
        assert server.items_asked == 2
        again = LlmBackend(server.url, "m", builtin, batch=10, cache=AnswerCache(cache))
        read = again.score([TEXTS[1], TEXTS[0], TEXTS[2]])
        assert server.items_asked == 3  # only the new text went out
    assert [s.sentiment for s in read] == ["positive", "negative", "neutral"]


def test_length_and_cost_caps(
    builtin: BuiltinModel, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    huge = "The courier was rude. " * 200_000  # 4.4 MB
    with StandIn() as server:
        llm = LlmBackend(server.url, "m", builtin, batch=1, max_chars=300)
        [read] = llm.score([huge])
        sent = json.loads(server.requests[0]["messages"][-1]["content"])["items"][0]["text"]
        assert len(sent) <= 300 and read.sentiment == "negative"
        # A budget for about one request: the second batch is read by the builtin model.
        tight = LlmBackend(server.url, "m", builtin, batch=1, daily_tokens=600)
        with caplog.at_level("WARNING", logger="cxm.text"):
            first, second = tight.score(TEXTS[:2])
    assert first.version == "" and second.version == builtin.version
    assert "daily budget of 600 tokens is spent" in caplog.text


def test_processes_sharing_a_data_directory_share_one_budget(
    builtin: BuiltinModel, tmp_path: Path
) -> None:
    # Two backends on one cache file stand for the web server and `cxm text enrich`.
    path = tmp_path / "llm-cache.sqlite3"
    with StandIn() as server:
        first = LlmBackend(server.url, "m", builtin, batch=1, daily_tokens=600,
                           cache=AnswerCache(path))  # fmt: skip
        [read] = first.score(TEXTS[:1])
        spent = AnswerCache(path).spent(datetime.now(UTC).date())
        assert read.version == "" and 0 < spent <= 600
        second = LlmBackend(server.url, "m", builtin, batch=1, daily_tokens=600,
                            cache=AnswerCache(path))  # fmt: skip
        [other] = second.score(TEXTS[1:2])  # a new text: the shared budget is spent
    assert other.version == builtin.version and len(server.requests) == 1
    cache = AnswerCache(path)
    cache.spend(date(2026, 1, 1), 7)
    cache.spend(date(2026, 1, 1), 5)
    assert cache.spent(date(2026, 1, 1)) == 12 and cache.spent(date(2026, 1, 2)) == 0


@pytest.mark.parametrize(
    ("mode", "cause"),
    [("broken", "HTTP 500"), ("garbage", "not the expected JSON"), ("partial", "answered 2 of 3")],
)
def test_bad_answers_fall_back_to_builtin_per_item(
    builtin: BuiltinModel, mode: str, cause: str, caplog: pytest.LogCaptureFixture
) -> None:
    with StandIn(mode) as server, caplog.at_level("WARNING", logger="cxm.text"):
        llm = LlmBackend(server.url, "m", builtin, batch=5)
        read = llm.score(TEXTS[:3])
    assert cause in caplog.text
    fallen = [s.version == builtin.version for s in read]
    assert fallen == ([False, True, False] if mode == "partial" else [True, True, True])
    own = builtin.score(TEXTS[:3])
    for reading, mine, fell in zip(read, own, fallen, strict=True):
        if fell:  # the builtin model's own reading, recorded as such
            assert (reading.sentiment, reading.emotions) == (mine.sentiment, mine.emotions)


def test_an_unreachable_endpoint_falls_back_and_stays_pending(
    sqlite_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    org = organization(sqlite_db)
    ingest_feedback(sqlite_db, org, [
        {"kind": "complaint", "text": t, "occurred_at": "2026-10-01T10:00:00Z"} for t in TEXTS
    ])  # fmt: skip
    down = Settings(data_dir=tmp_path, text_backend="llm", text_llm_model="m",
                    text_llm_url=f"http://127.0.0.1:{_closed_port()}/v1")  # fmt: skip
    llm = text_backend(down, org)
    assert isinstance(llm, LlmBackend)
    with caplog.at_level("WARNING", logger="cxm.text"):
        assert enrich_pending(sqlite_db, org, llm) == 5  # ends although nothing was read by llm
    assert "unreachable" in caplog.text and "127.0.0.1" in caplog.text
    with sqlite_db.session() as s:
        versions = set(s.scalars(select(Enrichment.model_version)))
    assert versions == {load_model(SHIPPED).version}
    assert backlog(sqlite_db, org, llm) == 5  # still to be read once the endpoint is back
    with StandIn() as server:
        up = down.model_copy(update={"text_llm_url": server.url})
        assert enrich_pending(sqlite_db, org, text_backend(up, org)) == 5
    with sqlite_db.session() as s:
        rows = s.scalars(select(Enrichment).where(Enrichment.model_version.like("llm-%"))).all()
    assert len(rows) == 5 and {r.sentiment for r in rows} == {"negative", "positive", "neutral"}


def test_the_enrichment_job_reports_why_texts_fell_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxm.core.settings import get_settings
    from cxm.text.enrichment import last_run

    url = f"http://127.0.0.1:{_closed_port()}/v1"
    for name, value in (("TEXT_BACKEND", "llm"), ("TEXT_LLM_URL", url), ("TEXT_LLM_MODEL", "m")):
        monkeypatch.setenv(f"CXM_{name}", value)
    get_settings.cache_clear()  # the job reads the settings of its process
    try:
        app = create_app(Settings(data_dir=tmp_path))
        org = organization(app.state.db, "demo")
        headers = {"Authorization": f"Bearer {api_key(app.state.db, org)}"}
        ingest_feedback(app.state.db, org, [
            {"kind": "complaint", "text": t, "occurred_at": "2026-10-01T10:00:00Z"} for t in TEXTS
        ], data_dir=tmp_path)  # fmt: skip
        before = last_run(app.state.db, org)
        assert before is None
        with TestClient(app) as client:  # the app's own worker runs the queued job
            deadline = time.monotonic() + 60
            status = client.get("/api/v1/text/status", headers=headers).json()
            while status["last_enrichment"] is None and time.monotonic() < deadline:
                time.sleep(0.2)
                status = client.get("/api/v1/text/status", headers=headers).json()
    finally:
        get_settings.cache_clear()
    assert status["backend"] == "llm"
    run = status["last_enrichment"]
    assert run["status"] == "done" and run["enriched"] == len(TEXTS)
    assert run["model"].startswith("llm-") and status["reads_with"] == "llm"
    [cause] = run["fallbacks"]
    assert "unreachable" in cause and url in cause and "read by the builtin model" in cause


def test_an_llm_backend_without_an_endpoint_is_replaced_by_builtin(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="cxm.text"):
        chosen = text_backend(Settings(data_dir=tmp_path, text_backend="llm"), 1)
    assert chosen.name == "builtin" and "CXM_TEXT_LLM_URL is not set" in caplog.text


def test_odd_texts_through_the_llm_backend(builtin: BuiltinModel) -> None:
    odd = ["", "   \n\t ", "🙂🙂🙂", "жахливо " * 500_000, "Дуже погано, very bad service",
           "Ĉu vi parolas Esperanton? Mi ne scias."]  # fmt: skip
    with StandIn() as server:
        readings = analyse(LlmBackend(server.url, "m", builtin, max_chars=500), odd)
        asked = server.items_asked
    empty, blank, emoji, huge, mixed, unknown = readings
    for r in (empty, blank, emoji):
        assert r["sentiment"] == "neutral" and r["labels"] == "none" and r["confidence"] == 0
    assert huge["sentiment"] == "negative" and mixed["language"] in ("uk", "en", "ru")
    assert unknown["sentiment"] in ("negative", "neutral", "positive")
    assert all(r["model_version"].startswith("llm-") for r in readings)
    assert asked == 3  # empty, blank and emoji-only texts are not sent


def test_api_and_cli_use_the_configured_llm_backend(tmp_path: Path, sqlite_db: Database) -> None:
    with StandIn() as server:
        settings = Settings(data_dir=tmp_path, text_backend="llm", text_llm_url=server.url,
                            text_llm_model="m")  # fmt: skip
        app = create_app(settings)
        org = organization(app.state.db, "demo")
        headers = {"Authorization": f"Bearer {api_key(app.state.db, org)}"}
        with TestClient(app) as client:
            body = client.post("/api/v1/text/analyse", json={"texts": ["Доставка жахлива"]},
                               headers=headers).json()  # fmt: skip
        assert body["model"].startswith("llm-m-")
        assert body["results"][0]["model_version"] == body["model"]
        assert body["results"][0]["aspects"][0]["aspect"] == "delivery"
        assert server.items_asked == 1  # aspects' clauses are scored by the builtin model
        organization(sqlite_db, "demo")
        said = CliRunner().invoke(
            main,
            ["--data-dir", str(tmp_path / "cli"), "--database-url", sqlite_db.url, "text",
             "analyse", "--backend", "llm", "--json", "Thank you, great!"],
            env={"CXM_TEXT_LLM_URL": server.url, "CXM_TEXT_LLM_MODEL": "m"},
        )  # fmt: skip
    assert said.exit_code == 0, said.output
    [reading] = json.loads(said.output)
    assert reading["sentiment"] == "positive" and reading["model_version"].startswith("llm-m-")
