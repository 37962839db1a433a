"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the tests
of e-mailed confirmation codes."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller

from skills.mail import Mailer


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def code_for(self, to: str) -> str:
        """The 8-digit code of the last message sent to ``to``."""
        sent = [m for m in self.messages if m["To"] == to]
        assert sent, f"no message to {to}"
        found = re.search(r"\b(\d{8})\b", sent[-1].get_content())
        assert found, sent[-1].get_content()
        return found.group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Mailer, Inbox]]:
    """A running server and a :class:`Mailer` for it; ``Controller.start`` returns only once
    the server answers (its ready signal)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield Mailer(host="127.0.0.1", port=controller.port, sender="atlas@example.org"), inbox
    finally:
        controller.stop()
