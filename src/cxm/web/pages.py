"""HTML pages (placeholder until the page set lands)."""

from __future__ import annotations

from fastapi import FastAPI


def mount_pages(app: FastAPI) -> None:
    return None
