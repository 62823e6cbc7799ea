"""The one Settings object, read from CLI flags, the environment (CXM_*) and a config file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-in-production"


class Settings(BaseSettings):
    """Runtime configuration; every field is settable as CXM_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="CXM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Literal["development", "production"] = Field(
        default="development", description="production refuses the default secret key."
    )
    data_dir: Path = Field(default=Path("cxm-data"), description="Where the embedded store lives.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in the data directory."
    )
    analytics_backend: Literal["duckdb", "pyspark"] = Field(
        default="duckdb", description="Engine the analytics run on."
    )
    analytics_path: Path | None = Field(
        default=None, description="DuckDB file; default is analytics.duckdb in the data directory."
    )
    analytics_shared: bool = Field(
        default=False,
        description="Open the analytics store for each analysis, so that several server "
        "processes share it (set by cxm serve --workers N).",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY, description="Signs session cookies; set it in production."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address customers reach the public survey pages at (links in e-mails "
        "sent by triggers, recurring surveys and reminders).",
    )
    host: str = Field(default="127.0.0.1", description="Interface the web server listens on.")
    port: int = Field(default=8000, description="Port the web server listens on.")
    max_batch_messages: int = Field(default=2000, description="Largest batch accepted by the API.")
    max_body_bytes: int = Field(default=8 * 1024 * 1024, description="Largest request body.")
    worker_threads: int = Field(
        default=1, ge=0, description="Job-queue threads inside the web process (0: none)."
    )
    page_wait_seconds: float = Field(
        default=0.4,
        ge=0,
        le=600,
        description="How long a page waits for slow figures (the first view after new data) "
        "before it shows a progress page that reloads itself until they are ready.",
    )
    job_retention_days: float = Field(
        default=14,
        ge=0,
        description="Days finished (done) and dead background jobs are kept before the worker "
        "prunes them (hourly; also `cxm jobs prune`). 0: the worker keeps them.",
    )
    future_tolerance_hours: int = Field(
        default=24, description="How far in the future an event timestamp may lie."
    )

    text_backend: Literal["builtin", "transformers", "llm"] = Field(
        default="builtin",
        description="Reads sentiment and emotions: builtin (ships inside), transformers (a "
        "local Hugging Face model) or llm (an OpenAI-compatible endpoint). One that cannot "
        "start falls back to builtin with a warning.",
    )
    text_model: str | None = Field(
        default=None,
        description="transformers: a local model directory or cached model id for sentiment "
        "(or emotions, told by its labels); nothing is downloaded.",
    )
    text_emotion_model: str | None = Field(
        default=None,
        description="transformers: a second local model for emotions; without one, emotions "
        "come from the builtin model.",
    )
    text_llm_url: str | None = Field(
        default=None, description="llm: base URL of the chat API, e.g. http://127.0.0.1:8001/v1."
    )
    text_llm_model: str = Field(default="", description="llm: the model name sent with requests.")
    text_llm_key: str | None = Field(
        default=None, description="llm: API key, sent as a bearer token when set."
    )
    text_llm_batch: int = Field(default=20, ge=1, le=200, description="llm: texts per request.")
    text_llm_max_chars: int = Field(
        default=1_000, ge=50, le=20_000, description="llm: characters of each text sent."
    )
    text_llm_daily_tokens: int = Field(
        default=2_000_000,
        ge=0,
        description="llm: tokens the data directory's processes may spend together per UTC "
        "day; beyond it texts are read by the builtin model (with a warning).",
    )
    text_llm_timeout: float = Field(default=60.0, gt=0, description="llm: seconds per request.")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.mode == "production" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError("CXM_SECRET_KEY must be set to a random value in production mode")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cxm.sqlite3').resolve()}"

    @property
    def resolved_analytics_path(self) -> Path:
        return self.analytics_path or self.data_dir / "analytics.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
