"""Every interface string has a Ukrainian and an English entry."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from cxm.feedback.models import FEEDBACK_KINDS
from cxm.text.accuracy import REVIEW_SETS, SETS
from cxm.text.labels import ALL_EMOTIONS
from cxm.web import analysis_notes
from cxm.web.i18n import LANGUAGES, LOCALE_DIR, TEMPLATES
from cxm.web.navigation import NAVIGATION


def _used_msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(TEMPLATES),
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    # Feedback kinds are shown translated (Voice and Themes filters, the customer timeline).
    kinds = set(FEEDBACK_KINDS)
    # So are emotions (Voice filter and readings, Themes, the emotion overview).
    emotions = set(ALL_EMOTIONS)
    # And what the emotion figures were measured on (the Voice page's accuracy table).
    measured_on = {data for *_, data in (*SETS, *REVIEW_SETS)}
    return (
        found
        | {item.label for item in NAVIGATION}
        | set(analysis_notes.MSGIDS)
        | kinds
        | emotions
        | measured_on
    )


def test_every_used_string_is_in_every_catalogue() -> None:
    used = _used_msgids()
    assert len(used) > 40
    for lang in LANGUAGES:
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh)
        ids = {m.id for m in catalog if m.id}
        assert not used - ids, f"missing in {lang}: {sorted(used - ids)}"
        if lang == "uk":
            untranslated = [m.id for m in catalog if m.id and not m.string]
            assert not untranslated, f"untranslated in uk: {untranslated}"


def test_every_entry_survives_the_formatting_templates_apply() -> None:
    # Jinja's gettext formats every message with ``%``, variables or not: a bare "95%" in a
    # message breaks the page it is on (it must be written "95%%").
    for lang in LANGUAGES:
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh)
        for m in catalog:
            if not m.id or not isinstance(m.id, str) or "%(" in m.id:
                continue
            for text in (m.id, m.string or m.id):
                assert isinstance(text, str)
                try:
                    text % {}
                except (ValueError, TypeError) as exc:
                    raise AssertionError(f"{lang}: {text!r} cannot be formatted: {exc}") from exc
