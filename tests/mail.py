"""A real SMTP server (aiosmtpd) on 127.0.0.1 as the `smtp` fixture: the app sends to it, the test reads its inbox."""
from __future__ import annotations

import email
import socket
from email import policy

import pytest


class Inbox(list):
    """An aiosmtpd handler keeping every message it receives as {"from", "to" (sorted), "message"}."""

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.append({"from": envelope.mail_from, "to": sorted(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"

    def text(self, index: int = -1) -> str:
        return self[index]["message"].get_body(("plain",)).get_content()

    def by_recipients(self) -> dict[tuple, email.message.EmailMessage]:
        return {tuple(mail["to"]): mail["message"] for mail in self}


@pytest.fixture
def smtp(app):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="Weft <alerts@weft.test>")
    yield inbox
    controller.stop()
