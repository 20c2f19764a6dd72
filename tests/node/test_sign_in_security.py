"""Password guessing and two-factor sign-in (issue #14).

On main, 12 wrong password grants then the right one gave 200, and 15
wrong admin sign-ins then the right one signed in. Now failures are
counted per account and per client address in the database (so every
process of the node shares them): 429 with Retry-After, lockouts in the
audit log. Staff (and anyone) can turn on TOTP; an admin can require it
of every staff account.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pyotp
import pytest
from aiohttp import web

from node.app import create_app
from node.keys import DB
from node.query_secrets import server_options
from tests.conftest import Node, start_node, unused_port
from tests.node.admin_browser_client import PageClient
from tests.node.test_oauth import OOB, register_app

RIGHT = "correct horse"
SIGN_IN = "\n[sign_in]\nmax_failures_per_account = 5\nmax_failures_per_address = 8\n"


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Node]:
    node, runner = await start_node(tmp_path / "guarded", extra=SIGN_IN)
    yield node
    await runner.cleanup()


async def _grant(http: aiohttp.ClientSession, url: str, app: dict[str, Any], login: str, password: str,
                 **extra: str) -> tuple[int, dict[str, Any], str]:
    form = {"grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
            "username": login, "password": password, "scope": "read", **extra}
    async with http.post(url, data=form) as resp:
        return resp.status, await resp.json(), resp.headers.get("Retry-After", "")


async def _audited(node: Node, action: str) -> int:
    return int(await node.app[DB].fetchval("SELECT count(*) FROM audit_log WHERE action = ?", (action,)))


async def test_password_grant_locks_the_account_across_processes(guarded: Node,
                                                                 http: aiohttp.ClientSession) -> None:
    await guarded.account("alice")
    app = await register_app(http, guarded)
    # Given a second server process on the same database (as behind a load balancer)
    second = web.AppRunner(create_app(guarded.config), **server_options())
    await second.setup()
    port = unused_port()
    await web.TCPSite(second, "127.0.0.1", port).start()
    urls = [guarded.url("/oauth/token"), f"http://127.0.0.1:{port}/oauth/token"]
    try:
        # When 12 wrong passwords are tried, alternating between the two processes
        answers = [await _grant(http, urls[i % 2], app, "alice", f"guess-{i}") for i in range(12)]
        # Then after 5 failures (counted together) the account is locked: 429 with Retry-After
        assert [a[0] for a in answers[:5]] == [400] * 5
        assert {a[0] for a in answers[5:]} == {429}
        assert all(int(a[2]) > 0 for a in answers[5:])
        # And the right password is refused too while the lockout runs, on either process
        for url in urls:
            status, body, retry = await _grant(http, url, app, "alice", RIGHT)
            assert status == 429 and int(retry) > 0 and "error" in body
        assert await _audited(guarded, "sign_in.locked") == 1
    finally:
        await second.cleanup()


async def test_one_address_guessing_many_accounts_is_limited(tmp_path: Path,
                                                             http: aiohttp.ClientSession) -> None:
    node, runner = await start_node(tmp_path / "many", extra=SIGN_IN)
    try:
        app = await register_app(http, node)
        for name in ("bob", "carol"):
            await node.account(name)
        # One address guessing many accounts (4 tries each, under the account limit)
        names = ["bob", "carol", "nobody1", "nobody2"]
        statuses = [(await _grant(http, node.url("/oauth/token"), app, n, f"x{i}"))[0]
                    for i in range(2) for n in names]
        # Then the address is locked after 8 failures, whatever account it asks for
        assert statuses == [400] * 8
        status, _, retry = await _grant(http, node.url("/oauth/token"), app, "bob", RIGHT)
        assert status == 429 and int(retry) > 0
        assert await _audited(node, "sign_in.locked") == 1
    finally:
        await runner.cleanup()


async def test_sign_in_page_and_admin_sign_in_are_limited(guarded: Node) -> None:
    await guarded.account("root", role="admin")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = PageClient(guarded, http)
        # 15 wrong admin sign-ins, then the right one
        replies = [await page.sign_in("root", f"wrong-{i}") for i in range(15)]
        assert [r.status for r in replies[:5]] == [422] * 5 and {r.status for r in replies[5:]} == {429}
        right = await page.sign_in("root", RIGHT)
        assert right.status == 429 and "Too many" in right.text
        assert (await page.get("/admin")).status == 303  # not signed in
    assert await _audited(guarded, "sign_in.locked") == 1


async def test_authorize_form_is_limited(guarded: Node, http: aiohttp.ClientSession) -> None:
    await guarded.account("dora")
    app = await register_app(http, guarded)
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": OOB, "scope": "read"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        statuses = []
        for i in range(7):
            async with browser.get(guarded.url("/oauth/authorize"), params=query) as resp:
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
            assert csrf is not None
            form = {**query, "csrf_token": csrf.group(1), "decision": "approve", "login": "dora",
                    "password": RIGHT if i == 6 else f"nope-{i}"}
            async with browser.post(guarded.url("/oauth/authorize"), data=form, allow_redirects=False) as resp:
                statuses.append((resp.status, resp.headers.get("Retry-After")))
    assert [s for s, _ in statuses[:5]] == [422] * 5
    assert statuses[5][0] == 429 and statuses[6][0] == 429 and int(statuses[6][1] or 0) > 0


async def _enable_totp(page: PageClient) -> tuple[str, list[str]]:
    setup = await page.get("/settings/two_factor")
    assert setup.status == 200 and "<svg" in setup.text and "otpauth://totp/" in setup.text
    found = re.search(r'<code id="secret">([A-Z2-7]+)</code>', setup.text)
    assert found is not None
    secret = found.group(1)
    csrf = await page.csrf("/settings/two_factor")
    wrong = await page.post("/settings/two_factor", {"code": "000000"}, token=csrf)
    assert wrong.status == 422
    done = await page.post("/settings/two_factor", {"code": pyotp.TOTP(secret).now()}, token=csrf)
    assert done.status == 200 and "recovery-codes" in done.text
    codes = re.search(r'<pre id="recovery-codes">([^<]+)</pre>', done.text)
    assert codes is not None
    return secret, codes.group(1).split()


async def test_staff_turn_on_totp_and_sign_in_asks_for_the_code(guarded: Node, http: aiohttp.ClientSession) -> None:
    await guarded.account("root", role="admin")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(guarded, browser)
        assert (await page.sign_in("root")).status == 303
        secret, recovery = await _enable_totp(page)
    assert len(recovery) == 10
    stored = await guarded.app[DB].fetchall("SELECT code_hash FROM two_factor_recovery_codes")
    assert len(stored) == 10 and not any(code in str(r[0]) for r in stored for code in recovery)
    assert secret not in str(await guarded.app[DB].fetchval("SELECT secret FROM two_factor"))  # encrypted
    assert await _audited(guarded, "two_factor.enabled") == 1
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(guarded, browser)
        # The sign-in form asks for the code: the password alone is not enough
        form = await page.get("/auth/sign_in")
        assert 'name="otp_attempt"' in form.text
        alone = await page.sign_in("root")
        assert alone.status == 422 and "two-factor code" in alone.text
        token = await page.csrf("/auth/sign_in")
        # (the code that turned it on was used: the next one, which the window accepts)
        code = pyotp.TOTP(secret).at(int(time.time()) + 30)
        ok = await page.post("/auth/sign_in", {"login": "root", "password": RIGHT, "otp_attempt": code,
                                               "next": "/admin"}, token=token)
        assert ok.status == 303 and ok.location == "/admin"
        assert (await page.get("/admin")).status == 200
    # The same code again (a replay) is refused; a recovery code works once
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(guarded, browser)
        token = await page.csrf("/auth/sign_in")
        again = await page.post("/auth/sign_in", {"login": "root", "password": RIGHT, "otp_attempt": code,
                                                  "next": "/admin"}, token=token)
        assert again.status == 422
        token = await page.csrf("/auth/sign_in")
        rescued = await page.post("/auth/sign_in", {"login": "root", "password": RIGHT,
                                                    "otp_attempt": recovery[0], "next": "/admin"}, token=token)
        assert rescued.status == 303
    # The password grant needs the code too
    app = await register_app(http, guarded)
    status, body, _ = await _grant(http, guarded.url("/oauth/token"), app, "root", RIGHT)
    assert status == 400 and body["error"] == "invalid_grant" and "two-factor" in body["error_description"].lower()
    status, body, _ = await _grant(http, guarded.url("/oauth/token"), app, "root", RIGHT,
                                   otp_attempt=recovery[1])
    assert status == 200 and body["access_token"]


async def test_admin_can_require_two_factor_of_every_staff_account(tmp_path: Path,
                                                                   http: aiohttp.ClientSession) -> None:
    node, runner = await start_node(tmp_path / "strict", extra="\n[sign_in]\nstaff_two_factor = true\n")
    try:
        await node.account("mod", role="moderator")
        await node.account("user")
        app = await register_app(http, node)
        # A moderator without TOTP gets no app token, and the admin pages send them to set it up
        status, body, _ = await _grant(http, node.url("/oauth/token"), app, "mod", RIGHT)
        assert status == 400 and "two-factor" in body["error_description"].lower()
        assert (await _grant(http, node.url("/oauth/token"), app, "user", RIGHT))[0] == 200
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            page = PageClient(node, browser)
            assert (await page.sign_in("mod")).status == 303
            sent = await page.get("/admin/queue")
            assert sent.status == 303 and sent.location == "/settings/two_factor?required=1"
            await _enable_totp(page)
            assert (await page.get("/admin/queue")).status == 200
    finally:
        await runner.cleanup()
