"""Invitation and reminder e-mails in the respondent's language, with one-click unsubscribe."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from html import escape

from cxm.web.i18n import translations

MAIL_LANGUAGES = ("uk", "ru", "en")


def invitation_message(
    language: str | None,
    survey: str,
    sender: str,
    to: str,
    link: str,
    unsubscribe: str,
    reminder: bool = False,
) -> EmailMessage:
    lang = language if language in MAIL_LANGUAGES else "uk"
    _ = translations(lang).gettext
    subject = _("Reminder: tell us how it went") if reminder else _("Tell us how it went")
    lines = [
        _("Hello!"),
        _("A few days ago we asked how it went. If you have a minute, we would still like to know.")
        if reminder
        else _("We would like to know how it went. It takes about a minute."),
        link,
        _("The link is personal and can be used once."),
        _("Do not want these e-mails? Unsubscribe: %(url)s") % {"url": unsubscribe},
    ]
    message = EmailMessage()
    message["Subject"] = f"{subject}: {survey}"
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # RFC 8058 one-click unsubscribe: mail clients POST to the address.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content("\n\n".join(lines))
    message.add_alternative(
        f'<!doctype html><html lang="{lang}"><body>'
        f"<p>{escape(lines[0])}</p><p>{escape(lines[1])}</p>"
        f'<p><a href="{escape(link)}">{escape(_("Answer the survey"))}</a></p>'
        f"<p>{escape(lines[3])}</p>"
        f'<p><small><a href="{escape(unsubscribe)}">{escape(_("Unsubscribe"))}</a></small></p>'
        "</body></html>",
        subtype="html",
    )
    return message
