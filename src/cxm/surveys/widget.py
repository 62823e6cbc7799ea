"""The website widget: ``/widget.js``, a small script that shows a survey in a dialog."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)
SCRIPT = Path(__file__).resolve().parent.parent / "web" / "static" / "widget.js"


@cache
def _script() -> bytes:
    return SCRIPT.read_bytes()


@router.get("/widget.js")
async def widget_script() -> Response:
    # Other sites load it with a plain <script> tag: no cookies, an hour in their cache.
    return Response(
        _script(),
        media_type="text/javascript; charset=utf-8",
        headers={"cache-control": "public, max-age=3600", "x-content-type-options": "nosniff"},
    )
