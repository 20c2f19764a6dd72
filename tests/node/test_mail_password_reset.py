"""Password reset through a real SMTP server on loopback (issue #16, Done when).

Before: the node stored an address and never sent a message; a forgotten
password was lost for good.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from node.keys import DB
from storage import clock
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.mail_helpers import SmtpServer, link_in, smtp, start_mail_node  # smtp: a fixture
from tests.node.test_oauth import register_app

OLD, NEW = "correct horse", "battery staple 42"


@pytest.fixture
async def mailing(tmp_path: Path, smtp: SmtpServer) -> AsyncIterator[Node]:
    node, runner = await start_mail_node(tmp_path / "node", smtp.port)
    yield node
    await runner.cleanup()


async def _grant(http: aiohttp.ClientSession, node: Node, app: dict, login: str, password: str) -> int:
    form = {"grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "username": login, "password": password, "scope": "read"}
    async with http.post(node.url("/oauth/token"), data=form) as resp:
        return resp.status


async def _ask(page: PageClient, email: str) -> tuple[int, str]:
    token = await page.csrf("/auth/password/new")
    reply = await page.post("/auth/password/new", {"email": email}, token=token)
    return reply.status, text_of(reply.text)


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def _set_password(page: PageClient, link: str, password: str, again: str | None = None):
    form = await page.get(_path(link))
    assert form.status == 200, form.text
    token = re.search(r'name="reset_password_token" value="([^"]+)"', form.text)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token and csrf
    return await page.post("/auth/password/edit", {"reset_password_token": token.group(1), "password": password,
                                                   "password_confirmation": again or password}, token=csrf.group(1))


async def test_reset_from_the_mail_link(mailing: Node, smtp: SmtpServer, http: aiohttp.ClientSession,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    alice = await mailing.account("alice", password=OLD)
    app = await register_app(http, mailing)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(mailing, browser)
        # Given alice asks for a reset on /auth/password/new
        status, _ = await _ask(page, "ALICE@example.test")
        assert status == 200
        # When the message reaches the SMTP server, and she follows its link and sets a new password
        [message] = await smtp.inbox.wait_for(1)
        assert message["To"] == "alice@example.test" and "noreply@node.test" in message["From"]
        link = link_in(message)
        assert link.startswith(mailing.url("/auth/password/edit?reset_password_token="))
        done = await _set_password(page, link, NEW)
        assert done.status == 200 and "Your password was changed" in text_of(done.text)
        # Then the new password signs in and the old one is refused
        assert await _grant(http, mailing, app, "alice", NEW) == 200
        assert await _grant(http, mailing, app, "alice", OLD) == 400
        assert (await page.sign_in("alice", NEW)).status == 303
        # And the token alice had before answers 401
        async with http.get(mailing.url("/api/v1/accounts/verify_credentials"), headers=alice.headers) as resp:
            assert resp.status == 401
        # And the link works once only
        assert (await page.get(_path(link))).status == 404
    assert await mailing.app[DB].fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'account.password_reset' AND target_id = ?",
        (str(alice.account.id),)) == 1
    # And the link's token is in no log line (the access log writes it [FILTERED])
    secret = link.rpartition("=")[2]
    assert any("reset_password_token=[FILTERED]" in r.getMessage() for r in caplog.records)
    assert not any(secret in r.getMessage() for r in caplog.records)
    # And the sent message left nothing in the outbox (its secret link is gone from the database)
    assert await mailing.app[DB].fetchval("SELECT count(*) FROM mail_outbox") == 0


async def test_unknown_address_gets_the_same_answer(mailing: Node, smtp: SmtpServer) -> None:
    await mailing.account("bob")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(mailing, browser)
        known = await _ask(page, "bob@example.test")
        unknown = await _ask(page, "nobody@example.test")
    # The same status and the same words, with or without an account
    assert known == unknown and known[0] == 200
    # And only the real account got a message
    await smtp.inbox.wait_for(1)
    assert [m["To"] for m in smtp.inbox.messages] == ["bob@example.test"]


async def test_requests_are_throttled_per_address_known_or_not(mailing: Node, smtp: SmtpServer) -> None:
    await mailing.account("carol")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(mailing, browser)
        for address in ("carol@example.test", "ghost@example.test"):
            statuses = [(await _ask(page, address))[0] for _ in range(6)]
            # Five an hour per address, then 429, for a known and an unknown address alike
            assert statuses == [200] * 5 + [429]
    await smtp.inbox.wait_for(5)
    assert len(smtp.inbox.messages) == 5


async def test_an_expired_link_and_a_short_password_are_refused(mailing: Node, smtp: SmtpServer,
                                                                http: aiohttp.ClientSession) -> None:
    await mailing.account("dave", password=OLD)
    app = await register_app(http, mailing)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(mailing, browser)
        await _ask(page, "dave@example.test")
        [message] = await smtp.inbox.wait_for(1)
        link = link_in(message)
        # A password shorter than sign-up allows, or two that differ, is refused and the link still works
        assert (await _set_password(page, link, "short")).status == 422
        assert (await _set_password(page, link, NEW, NEW + "x")).status == 422
        # When the hour has passed
        await mailing.app[DB].execute("UPDATE account_tokens SET expires_at = ?", (clock.now_iso(),))
        # Then the link is dead and the password unchanged
        assert (await page.get(_path(link))).status == 404
    assert await _grant(http, mailing, app, "dave", OLD) == 200
