"""Interface languages: gettext catalogues compiled at start, per-language Jinja environments."""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from cxm.web import analysis_notes
from cxm.web.navigation import NAVIGATION

HERE = Path(__file__).resolve().parent
LOCALE_DIR = HERE / "locale"
TEMPLATES = HERE / "templates"
LANGUAGES: dict[str, str] = {"uk": "Українська", "en": "English"}
DEFAULT_LANGUAGE = "uk"
BABEL_LOCALE = {"uk": "uk_UA", "en": "en_GB"}


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The language's catalogue, compiled in memory from its .po file."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def number(value: float | int | None, language: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return str(format_decimal(value, format=fmt, locale=BABEL_LOCALE[language]))


def percent(value: float | None, language: str) -> str:
    if value is None:
        return "—"
    return str(format_percent(value, format="#,##0.0%", locale=BABEL_LOCALE[language]))


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        languages=LANGUAGES,
        lang=language,
        number=lambda v, digits=0: number(v, language, digits),
        percent=lambda v: percent(v, language),
        navigation=NAVIGATION,
        note=lambda text: analysis_notes.translate(text, translations(language).gettext),
    )
    return env


def request_language(request: Request, user_language: str | None = None) -> str:
    """The user's choice, else the session's, else the browser's, else Ukrainian."""
    for choice in (user_language, request.session.get("lang")):
        if choice in LANGUAGES:
            return str(choice)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def render(
    request: Request, name: str, context: dict[str, Any], language: str, status_code: int = 200
) -> HTMLResponse:
    template = environment(language).get_template(name)
    html = template.render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)
