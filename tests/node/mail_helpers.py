"""A real SMTP server on loopback (aiosmtpd) and a node that mails to it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from node.app import create_app
from node.bootstrap import init_node
from node.config import load_config
from node.keys import DB
from node.mail.sender import MAIL_SETTINGS, MailSettings
from node.query_secrets import server_options
from tests.conftest import Node, unused_port, write_config

# Retries a test can wait for: a second, then two.
FAST = MailSettings(poll_seconds=0.1, first_retry_seconds=0.5, longest_retry_seconds=1.0, max_attempts=10)


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()  # mailboxes this server answers 550 for

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))  # type: ignore[arg-type]
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, seconds: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} messages arrived, not {count}"
            await asyncio.sleep(0.05)
        return self.messages


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or unused_port()
        self.inbox = Inbox()
        self.server: asyncio.Server | None = None

    async def start(self) -> SmtpServer:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: SMTP(self.inbox, hostname="mail.test"), "127.0.0.1",
                                               self.port)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def mail_lines(smtp_port: int | None) -> str:
    if smtp_port is None:
        return ""
    return f'\n[mail]\nhost = "127.0.0.1"\nport = {smtp_port}\nfrom = "noreply@node.test"\ntls = "none"\n'


async def start_mail_node(root: Path, smtp_port: int | None, *, settings: MailSettings = FAST,
                          confirm_email: bool = False, **kwargs: Any) -> tuple[Node, web.AppRunner]:
    """A node whose mail goes to `smtp_port` (None: .eml files), with quick retries."""
    port = unused_port()
    # The template's `[registrations]` has one line; the closing quote is ours.
    registrations = 'open"\nconfirm_email = true\n#"' if confirm_email else "open"
    config = load_config(write_config(root, port, extra=mail_lines(smtp_port), registrations=registrations,
                                      **kwargs))
    await init_node(config)
    app = create_app(config)
    app[MAIL_SETTINGS] = settings
    runner = web.AppRunner(app, **server_options())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return Node(config, app, config.node.base_url), runner


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"https?://\S+", body.get_content())
    assert found is not None, "no link in the message"
    return found.group(0)


async def outbox_states(node: Node) -> list[tuple[str, int, str]]:
    rows = await node.app[DB].fetchall("SELECT state, attempts, last_error FROM mail_outbox ORDER BY id")
    return [(r[0], int(r[1]), r[2]) for r in rows]


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    """A real SMTP server on a free loopback port, for one test."""
    server = await SmtpServer().start()
    yield server
    await server.stop()
