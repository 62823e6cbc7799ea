"""QR codes for a store's counter: the survey's anonymous link with the store, as SVG or PNG."""

from __future__ import annotations

import io
from typing import Literal
from urllib.parse import quote, urlencode

import segno

QrFormat = Literal["svg", "png"]


def counter_url(base_url: str, org_slug: str, code: str, store: str | None) -> str:
    query = {"store": store, "channel": "store"} if store else {}
    path = f"{base_url.rstrip('/')}/s/{quote(org_slug)}/{quote(code)}"
    return path + ("?" + urlencode(query) if query else "")


def qr_image(url: str, kind: QrFormat = "svg", scale: int = 8) -> bytes:
    """The QR code of ``url`` (error correction M, quiet zone kept for printing)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind=kind, scale=scale, border=4)
    return out.getvalue()
