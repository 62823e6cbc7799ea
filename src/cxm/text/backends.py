"""Text backends: one small protocol for reading sentiment and emotions, and the registry
that picks the configured one (``CXM_TEXT_BACKEND``), falling back to the builtin model.

A backend's ``score`` returns one ``Scores`` per text, in order, and never raises on odd
text (empty, whitespace, emoji, megabytes, mixed or unknown languages): it reads the first
``MAX_CHARS`` characters and gives a defined answer. ``version`` names the model and its
weights (at most 64 characters) and is recorded on every stored reading; a reading whose
``Scores.version`` is set was made by another model (a fallback) and records that one.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from cxm.core.errors import CxmError
from cxm.text.builtin import SHIPPED, BuiltinModel, Scores

if TYPE_CHECKING:
    from cxm.core.settings import Settings

log = logging.getLogger("cxm.text")
_FALLBACKS: list[str] = []  # causes of texts read by the builtin model, since last taken
_FALLBACK_LOCK = threading.Lock()
MAX_FALLBACKS = 20
BACKENDS = ("builtin", "transformers", "llm")
MAX_CHARS = 2_000  # what any backend reads of a text; the text itself is stored whole
_MODELS: dict[Path, BuiltinModel] = {}
_BACKENDS: dict[tuple[object, ...], TextBackend] = {}


@runtime_checkable
class TextBackend(Protocol):
    """Reads the sentiment and emotions of texts (see the module docstring's contract)."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def score(self, texts: list[str]) -> list[Scores]: ...


class BackendUnavailable(CxmError):
    """A configured backend cannot be used (missing model, unreachable endpoint, ...)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, [], 503, "Text backend unavailable")


def fell_back(cause: str) -> None:
    """Record (and log) that texts were read by the builtin model instead, and why; the
    enrichment job reports the causes it saw (see ``take_fallbacks``)."""
    log.warning("%s", cause)
    with _FALLBACK_LOCK:
        if cause not in _FALLBACKS and len(_FALLBACKS) < MAX_FALLBACKS:
            _FALLBACKS.append(cause)


def take_fallbacks() -> list[str]:
    """The causes recorded since the last call (each once), and forget them."""
    with _FALLBACK_LOCK:
        taken = list(_FALLBACKS)
        _FALLBACKS.clear()
    return taken


def model_path(data_dir: Path | None, org_id: int) -> Path:
    """The organization's own trained builtin model if there is one, else the shipped one."""
    if data_dir is not None:
        own = data_dir / "text" / f"org-{org_id}.npz"
        if own.exists():
            return own
    return SHIPPED


def load_model(path: Path) -> BuiltinModel:
    """The builtin model at ``path``; an organization's model that cannot be read falls back
    to the shipped one with a warning naming the cause."""
    if path not in _MODELS:
        try:
            _MODELS[path] = BuiltinModel.load(path)
        except (CxmError, OSError, ValueError, KeyError) as exc:
            if path == SHIPPED:
                raise
            fell_back(f"text model {path} not used ({exc}); using the builtin model")
            _MODELS[path] = load_model(SHIPPED)
    return _MODELS[path]


def forget_models() -> None:
    """Drop loaded models and backends (after training, or when settings change)."""
    _MODELS.clear()
    _BACKENDS.clear()


def builtin_backend(settings: Settings, org_id: int) -> BuiltinModel:
    return load_model(model_path(settings.data_dir, org_id))


def text_backend(settings: Settings, org_id: int, kind: str | None = None) -> TextBackend:
    """The backend ``kind`` (default: ``settings.text_backend``) for the organization. One
    that cannot start (missing local model, no endpoint configured, torch absent) is
    replaced by the builtin model with a warning naming the cause; the LLM backend also
    falls back per batch when its endpoint is unreachable at reading time."""
    kind = kind or settings.text_backend
    if kind not in BACKENDS:
        raise CxmError(f"unknown text backend {kind!r}; choose one of {', '.join(BACKENDS)}")
    builtin = builtin_backend(settings, org_id)
    if kind == "builtin":
        return builtin
    key = (kind, org_id, builtin.version, *_config(settings, kind))
    if key not in _BACKENDS:
        try:
            _BACKENDS[key] = _start(settings, kind, builtin)
        except BackendUnavailable as exc:
            fell_back(f"text backend {kind} not used ({exc}); using the builtin model")
            return builtin  # not cached: the cause may be fixed while the process runs
    return _BACKENDS[key]


def _config(settings: Settings, kind: str) -> tuple[object, ...]:
    if kind == "transformers":
        return (settings.text_model, settings.text_emotion_model)
    return (
        settings.text_llm_url,
        settings.text_llm_model,
        settings.text_llm_batch,
        settings.text_llm_max_chars,
        settings.text_llm_daily_tokens,
    )


def _start(settings: Settings, kind: str, builtin: BuiltinModel) -> TextBackend:
    if kind == "transformers":
        from cxm.text.transformers_backend import TransformersBackend

        return TransformersBackend.open(
            settings.text_model, settings.text_emotion_model, fallback=builtin
        )
    from cxm.text.llm_backend import LlmBackend

    return LlmBackend.from_settings(settings, fallback=builtin)
