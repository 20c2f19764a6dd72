"""`[mail]` in config.toml (issue #16): check-config refuses what the mail
worker could not use, in one line naming the key; `from` reads as `from_`;
the password only from NODE_MAIL_PASSWORD; and `mail queue` shows the
outbox, dead messages included."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import load_config
from tests.conftest import write_config
from tests.test_cli import run

GOOD = '\n[mail]\nhost = "smtp.example.cn"\nport = 465\nfrom = "noreply@example.cn"\ntls = "tls"\nusername = "noreply"\n'


def test_mail_section_reads_from_and_takes_the_password_from_the_environment(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, extra=GOOD))
    assert (config.mail.host, config.mail.port, config.mail.from_, config.mail.tls) == (
        "smtp.example.cn", 465, "noreply@example.cn", "tls")
    assert config.mail.password({"NODE_MAIL_PASSWORD": "s3cret"}) == "s3cret"
    assert config.mail.password({}) is None
    # No [mail] at all: the development default, .eml files, confirmation off
    plain = load_config(write_config(tmp_path / "plain"))
    assert plain.mail.host == "" and plain.registrations.confirm_email is False


@pytest.mark.parametrize(("change", "key"), [
    (('tls = "tls"', 'tls = "ssl"'), "mail.tls"),
    (("port = 465", "port = 70000"), "mail.port"),
    (('from = "noreply@example.cn"', 'from = "not an address"'), "mail.from"),
    (('from = "noreply@example.cn"', ''), "mail.from"),
    (('username = "noreply"', 'password = "in the file"'), "mail.password"),
])
def test_check_config_refuses_bad_mail_settings(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    config = write_config(tmp_path, extra=GOOD.replace(*change))
    result = run("check-config", "--config", str(config))
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and "Traceback" not in result.stderr


def test_mail_queue_shows_dead_messages_without_their_secrets(tmp_path: Path) -> None:
    import asyncio

    from node.bootstrap import init_node
    from storage.database import open_database

    # Given a node whose outbox holds one dead message
    path = write_config(tmp_path)
    config = load_config(path)
    asyncio.run(init_node(config))

    async def seed() -> None:
        async with open_database(config.storage.target()) as db:
            async with db.write() as w:
                await w.execute(
                    "INSERT INTO mail_outbox (id, account_id, kind, recipient, body, state, attempts,"
                    " next_attempt_at, last_error, created_at) VALUES (7, NULL, 'password_reset',"
                    " 'someone@example.test', 'v1.sealed-secret', 'dead', 10, '2026-01-01T00:00:00.000Z',"
                    " 'ConnectionRefusedError', '2026-01-01T00:00:00.000Z')")

    asyncio.run(seed())
    # When an admin lists the queue
    result = run("mail", "queue", "--dead", "--config", str(path))
    # Then the dead message is there with its error, and neither its address nor its body is printed
    assert result.returncode == 0, result.stderr
    assert "1 message(s)" in result.stdout and "dead" in result.stdout and "ConnectionRefusedError" in result.stdout
    assert "someone@example.test" not in result.stdout and "sealed-secret" not in result.stdout
