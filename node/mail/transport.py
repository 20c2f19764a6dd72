"""Where a message goes: an SMTP server (`[mail] host`), or .eml files.

SMTP is spoken by aiosmtplib (plain, STARTTLS or implicit TLS as `[mail]
tls` says; the password only from NODE_MAIL_PASSWORD). With no host (the
development default) each message is written as an .eml file under
`<data_dir>/mail/`, readable by its owner only: it holds a live link.
A `SendError` says whether trying again may help (`permanent`: the
server refused for good, a 5xx answer).
"""

from __future__ import annotations

import asyncio
import email.utils
import os
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import aiosmtplib

from node.config import Config
from node.mail.messages import Message


class SendError(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


class Transport(Protocol):
    async def send(self, mail_id: int, message: EmailMessage) -> None: ...


def sender_address(config: Config) -> str:
    host = urlsplit(config.node.base_url).hostname or "localhost"
    return config.mail.from_ or f"noreply@{host}"


def build_email(config: Config, mail_id: int, recipient: str, message: Message) -> EmailMessage:
    """A plain-text UTF-8 message, from the node to `recipient`."""
    mail = EmailMessage()
    mail["From"] = email.utils.formataddr((config.node.name, sender_address(config)))
    mail["To"] = recipient
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.formatdate(usegmt=True)
    domain = sender_address(config).rpartition("@")[2]
    mail["Message-ID"] = f"<mail-{mail_id}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a reset link
    mail.set_content(message.text, charset="utf-8")
    if message.locale:  # after set_content, which replaces every Content-* header
        mail["Content-Language"] = message.locale
    return mail


class SmtpTransport:
    def __init__(self, config: Config, *, timeout: float = 30.0) -> None:
        self.config, self.timeout = config, timeout

    async def send(self, mail_id: int, message: EmailMessage) -> None:
        mail = self.config.mail
        try:
            await aiosmtplib.send(
                message, hostname=mail.host, port=mail.port, username=mail.username or None,
                password=mail.password() if mail.username else None, use_tls=mail.tls == "tls",
                start_tls=mail.tls == "starttls", timeout=self.timeout)
        except aiosmtplib.SMTPResponseException as exc:
            raise SendError(f"{exc.code} {exc.message}"[:300], permanent=500 <= exc.code < 600) from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise SendError(f"recipient refused {codes}", permanent=all(500 <= c < 600 for c in codes)) from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise SendError(f"{type(exc).__name__}: {exc}"[:300]) from None


class DirectoryTransport:
    """Development: each message an .eml file (mode 0600) under `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, mail_id: int, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, mail_id, message.as_bytes())

    def _write(self, mail_id: int, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{mail_id}.eml"
        partial = self.directory / f".{mail_id}.eml.part"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, final)  # a reader never sees half a message


def mail_directory(config: Config) -> Path:
    return config.node.data_dir / "mail"


def make_transport(config: Config) -> Transport:
    if config.mail.host:
        return SmtpTransport(config)
    return DirectoryTransport(mail_directory(config))
