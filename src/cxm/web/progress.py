"""Slow analyses show progress: a page waits briefly for its figures, then answers with a
page that says they are being computed and reloads itself until they are ready.

The computation goes on in the background (one per page and filters, however many requests
ask for it meanwhile) and its result lands in the analytics cache, so the reload finds it.
Nothing here needs JavaScript: the progress page reloads with an HTTP ``Refresh`` header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response

from cxm.web.auth import page_context
from cxm.web.i18n import render, request_language

T = TypeVar("T")
RELOAD_SECONDS = 1


class Progress:
    """The analyses that pages started and not yet finished, by key (one app's state)."""

    def __init__(self, workers: int = 2) -> None:
        self._running: dict[Hashable, Future[Any]] = {}
        self._lock = Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="cxm-page-analysis")

    def start(self, key: Hashable, compute: Callable[[], T]) -> Future[T]:
        """``compute`` running in the background, or the run already started for ``key``."""
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running
            future = self._pool.submit(compute)
            self._running[key] = future
        future.add_done_callback(lambda _: self._forget(key, future))
        return future

    def _forget(self, key: Hashable, future: Future[Any]) -> None:
        with self._lock:
            if self._running.get(key) is future:
                del self._running[key]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


async def within(request: Request, key: Hashable, compute: Callable[[], T]) -> T | None:
    """``compute()``'s result if it is ready within the page wait (``page_wait_seconds``),
    else None while it goes on in the background. Its errors are raised here."""
    progress: Progress = request.app.state.progress
    future = progress.start(key, compute)
    wait = request.app.state.settings.page_wait_seconds
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), wait)
    except TimeoutError:
        return None


def computing(request: Request, user: Any, active: str, title: str) -> Response:
    """The page that stands in while the figures of ``title`` are computed; it reloads."""
    lang = request_language(request, user.language)
    ctx = page_context(request, user, active=active, waiting_for=title)
    response = render(request, "computing.html", ctx, lang)
    response.headers["Refresh"] = str(RELOAD_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
