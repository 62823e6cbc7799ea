"""A local SMTP server (aiosmtpd) that receives what the queue's send jobs deliver."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from cxm.surveys.mailing import SmtpMailer


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, SmtpMailer]]:
    """A local SMTP server that the send jobs of the queue deliver to (CXM_SMTP_PORT)."""
    inbox = Inbox()
    port = free_port()
    monkeypatch.setenv("CXM_SMTP_PORT", str(port))
    monkeypatch.setenv("CXM_SMTP_SENDER", "cx@shop.example")
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpMailer("127.0.0.1", port)
    finally:
        controller.stop()
