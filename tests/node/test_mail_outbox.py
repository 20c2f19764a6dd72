"""The mail outbox (issue #16): a server that is down loses nothing, and with
no `[mail] host` messages are .eml files under data/mail/."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from pathlib import Path

import aiohttp

from node.keys import DB
from node.mail.sender import MailSettings
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient
from tests.node.mail_helpers import FAST, SmtpServer, link_in, outbox_states, start_mail_node
from tests.conftest import unused_port


async def _ask_reset(node: Node, address: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)
        token = await page.csrf("/auth/password/new")
        assert (await page.post("/auth/password/new", {"email": address}, token=token)).status == 200


async def _until(check, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_a_server_that_is_down_loses_nothing(tmp_path: Path) -> None:
    smtp = SmtpServer(unused_port())  # not started yet: connections are refused
    node, runner = await start_mail_node(tmp_path / "node", smtp.port)
    try:
        await node.account("erin")
        # Given the mail server is down when erin asks for a reset
        await _ask_reset(node, "erin@example.test")

        async def failed_once() -> bool:
            states = await outbox_states(node)
            return bool(states) and states[0][0] == "queued" and states[0][1] >= 1

        await _until(failed_once)
        [(state, attempts, error)] = await outbox_states(node)
        assert state == "queued" and error  # kept, with why it failed, for a later try
        # When the server comes up
        await smtp.start()
        # Then a retry delivers the message, and the outbox is empty
        [message] = await smtp.inbox.wait_for(1)
        assert "/auth/password/edit?reset_password_token=" in link_in(message)
        await _until(lambda: _empty(node))
    finally:
        await runner.cleanup()
        await smtp.stop()


async def _empty(node: Node) -> bool:
    return await outbox_states(node) == []


async def test_after_the_last_attempt_a_message_is_dead_but_kept(tmp_path: Path) -> None:
    settings = MailSettings(poll_seconds=0.1, first_retry_seconds=0.1, longest_retry_seconds=0.1, max_attempts=3)
    node, runner = await start_mail_node(tmp_path / "node", unused_port(), settings=settings)
    try:
        await node.account("fay")
        await _ask_reset(node, "fay@example.test")

        async def dead() -> bool:
            states = await outbox_states(node)
            return bool(states) and states[0][0] == "dead"

        await _until(dead)
        [(state, attempts, error)] = await outbox_states(node)
        assert attempts == 3 and error
    finally:
        await runner.cleanup()


async def test_without_a_host_messages_are_eml_files(tmp_path: Path, caplog) -> None:
    caplog.set_level("INFO", logger="node.mail.sender")
    node, runner = await start_mail_node(tmp_path / "node", None, settings=FAST)
    try:
        await node.account("gus")
        await _ask_reset(node, "gus@example.test")
        folder = node.config.node.data_dir / "mail"

        async def written() -> bool:
            return folder.is_dir() and any(folder.glob("*.eml"))

        await _until(written)
        [path] = list(folder.glob("*.eml"))
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["To"] == "gus@example.test"
        assert link_in(message).startswith(node.url("/auth/password/edit?reset_password_token="))  # type: ignore[arg-type]
        assert path.stat().st_mode & 0o077 == 0  # the link opens the account: owner only
        # And the log said, in one line, where messages go
        lines = [r.getMessage() for r in caplog.records if str(folder) in r.getMessage()]
        assert len(lines) == 1
    finally:
        await runner.cleanup()


async def test_two_processes_send_each_message_once(tmp_path: Path) -> None:
    from aiohttp import web

    from node.app import create_app
    from node.mail.sender import MAIL_SETTINGS
    from node.query_secrets import server_options

    smtp = await SmtpServer().start()
    node, runner = await start_mail_node(tmp_path / "node", smtp.port)
    # Given a second server process on the same database, its mail worker running too
    second = create_app(node.config)
    second[MAIL_SETTINGS] = FAST
    other = web.AppRunner(second, **server_options())
    await other.setup()
    try:
        names = [f"user{i}" for i in range(6)]
        for name in names:
            await node.account(name)
        # When six people ask for a reset
        for name in names:
            await _ask_reset(node, f"{name}@example.test")
        # Then six messages arrive, one each, and no second copy follows
        await smtp.inbox.wait_for(6)
        await asyncio.sleep(1.0)
        assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(f"{n}@example.test" for n in names)
    finally:
        await other.cleanup()
        await runner.cleanup()
        await smtp.stop()


async def test_a_mailbox_refused_for_good_is_not_tried_again(tmp_path: Path) -> None:
    smtp = await SmtpServer().start()
    smtp.inbox.refused.add("ruth@example.test")
    node, runner = await start_mail_node(tmp_path / "node", smtp.port)
    try:
        await node.account("ruth")
        # When the server answers 550 for the mailbox
        await _ask_reset(node, "ruth@example.test")

        async def dead() -> bool:
            states = await outbox_states(node)
            return bool(states) and states[0][0] == "dead"

        # Then the message is dead after one attempt, with the server's answer kept
        await _until(dead)
        [(state, attempts, error)] = await outbox_states(node)
        assert attempts == 1 and "550" in error
    finally:
        await runner.cleanup()
        await smtp.stop()


async def test_an_admin_sees_a_dead_message_and_sends_it_again(tmp_path: Path) -> None:
    smtp = SmtpServer(unused_port())  # down until the admin has fixed it
    settings = MailSettings(poll_seconds=0.1, first_retry_seconds=0.1, longest_retry_seconds=0.1, max_attempts=1)
    node, runner = await start_mail_node(tmp_path / "node", smtp.port, settings=settings)
    try:
        await node.account("root", role="admin")
        await node.account("mod", role="moderator")
        await node.account("gus")
        await _ask_reset(node, "gus@example.test")

        async def dead() -> bool:
            states = await outbox_states(node)
            return bool(states) and states[0][0] == "dead"

        await _until(dead)
        mail_id = await node.app[DB].fetchval("SELECT id FROM mail_outbox")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            # A moderator may not look: the queue is an admin's
            mod = PageClient(node, http)
            await mod.sign_in("mod")
            assert (await mod.get("/admin/mail")).status == 403
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            page = PageClient(node, http)
            await page.sign_in("root")
            # The admin sees the dead message: whose, why; never the address or the link
            listing = await page.get("/admin/mail")
            assert listing.status == 200 and "gus" in listing.text and str(mail_id) in listing.text
            assert "gus@example.test" not in listing.text and "reset_password_token" not in listing.text
            assert "refused" in listing.text.lower() or "connect" in listing.text.lower()
            # When the server is back and the admin retries it
            await smtp.start()
            done = await page.post(f"/admin/mail/{mail_id}/retry", {})
            assert done.status == 303
            # Then it is delivered, the queue is empty, and the retry is audited
            [message] = await smtp.inbox.wait_for(1)
            assert "/auth/password/edit?reset_password_token=" in link_in(message)
            await _until(lambda: _empty(node))
            assert await node.app[DB].fetchval("SELECT count(*) FROM audit_log WHERE action = 'mail.retry'") == 1
            # A second retry of what is no longer dead is refused on the page
            again = await page.post(f"/admin/mail/{mail_id}/retry", {})
            assert again.status == 303
            assert "not a dead message" in (await page.get("/admin/mail")).text
    finally:
        await runner.cleanup()
        await smtp.stop()
