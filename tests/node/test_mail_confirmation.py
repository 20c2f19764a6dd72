"""Confirming addresses (issue #16): sign-up with `[registrations]
confirm_email = true`, Mastodon's resend API, and changing the address on
/settings/email; and /settings/password. Mail goes to a real SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from node.keys import DB
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.mail_helpers import SmtpServer, link_in, smtp, start_mail_node  # smtp: a fixture
from tests.node.test_oauth import post_token, register_app

PASSWORD = "long enough"


@pytest.fixture
async def confirming(tmp_path: Path, smtp: SmtpServer) -> AsyncIterator[Node]:
    node, runner = await start_mail_node(tmp_path / "node", smtp.port, confirm_email=True)
    yield node
    await runner.cleanup()


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def _sign_up(http: aiohttp.ClientSession, node: Node, app: dict[str, Any], username: str,
                   locale: str = "en") -> str:
    status, body = await post_token(http, node, {"grant_type": "client_credentials", "client_id": app["client_id"],
                                                 "client_secret": app["client_secret"], "scope": "read write"})
    assert status == 200
    form = {"username": username, "email": f"{username}@example.test", "password": PASSWORD, "agreement": "true",
            "locale": locale}
    async with http.post(node.url("/api/v1/accounts"), data=form,
                         headers={"Authorization": f"Bearer {body['access_token']}"}) as resp:
        assert resp.status == 200, await resp.text()
        return str((await resp.json())["access_token"])


async def _grant(http: aiohttp.ClientSession, node: Node, app: dict[str, Any], login: str,
                 password: str = PASSWORD) -> tuple[int, dict[str, Any]]:
    return await post_token(http, node, {"grant_type": "password", "client_id": app["client_id"],
                                         "client_secret": app["client_secret"], "username": login,
                                         "password": password, "scope": "read"})


async def _me(http: aiohttp.ClientSession, node: Node, token: str) -> int:
    async with http.get(node.url("/api/v1/accounts/verify_credentials"),
                        headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status


async def _resend(http: aiohttp.ClientSession, node: Node, token: str, **form: str) -> tuple[int, Any]:
    async with http.post(node.url("/api/v1/emails/confirmations"), data=form,
                         headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.json()


async def test_sign_up_waits_for_the_confirmation_link(confirming: Node, smtp: SmtpServer,
                                                       http: aiohttp.ClientSession) -> None:
    app = await register_app(http, confirming)
    token = await _sign_up(http, confirming, app, "hana")
    # Given a new account whose address is not confirmed: its token and its password are refused
    assert await _me(http, confirming, token) == 403
    status, body = await _grant(http, confirming, app, "hana")
    assert status == 400 and "confirm your e-mail address" in body["error_description"]
    [first] = await smtp.inbox.wait_for(1)
    assert first["To"] == "hana@example.test"
    # When she asks again, for another address (Mastodon's resend with `email`)
    assert await _resend(http, confirming, token, email="hana.new@example.test") == (200, {})
    messages = await smtp.inbox.wait_for(2)
    assert messages[1]["To"] == "hana.new@example.test"
    async with aiohttp.ClientSession() as browser:
        # Then the link to the replaced address does nothing
        async with browser.get(confirming.url(_path(link_in(first)))) as resp:
            assert resp.status == 404
        # And the new one confirms the account
        async with browser.get(confirming.url(_path(link_in(messages[1])))) as resp:
            assert resp.status == 200 and "confirmed" in await resp.text()
    assert await _me(http, confirming, token) == 200
    assert (await _grant(http, confirming, app, "hana.new@example.test"))[0] == 200
    # And once confirmed, resending is refused as Mastodon refuses it
    status, body = await _resend(http, confirming, token)
    assert status == 403 and "awaiting confirmation" in body["error"]


async def test_a_taken_address_is_refused_on_resend(confirming: Node, smtp: SmtpServer,
                                                   http: aiohttp.ClientSession) -> None:
    await confirming.account("ivan")
    app = await register_app(http, confirming)
    token = await _sign_up(http, confirming, app, "jade")
    status, body = await _resend(http, confirming, token, email="ivan@example.test")
    assert status == 422 and body["details"]["email"][0]["error"] == "ERR_TAKEN"
    status, body = await _resend(http, confirming, token, email="not an address")
    assert status == 422 and "error" in body


async def test_a_chinese_account_gets_its_message_in_chinese(confirming: Node, smtp: SmtpServer,
                                                             http: aiohttp.ClientSession) -> None:
    app = await register_app(http, confirming)
    await _sign_up(http, confirming, app, "lin", locale="zh-CN")
    await _sign_up(http, confirming, app, "kate", locale="en")
    messages = {m["To"]: m for m in await smtp.inbox.wait_for(2)}
    chinese, english = messages["lin@example.test"], messages["kate@example.test"]
    assert "确认" in chinese["Subject"] and "确认" in chinese.get_body(("plain",)).get_content()
    assert chinese["Content-Language"] == "zh-CN"
    assert english["Subject"].startswith("Confirm your e-mail address")


async def _signed_in_page(node: Node, browser: aiohttp.ClientSession, login: str,
                          password: str = "correct horse") -> PageClient:
    page = PageClient(node, browser)
    assert (await page.sign_in(login, password)).status == 303
    return page


async def _form(page: PageClient, path: str, data: dict[str, str]):
    token = await page.csrf(path)
    return await page.post(path, data, token=token)


async def test_a_new_address_takes_effect_only_when_confirmed(tmp_path: Path, smtp: SmtpServer,
                                                              http: aiohttp.ClientSession) -> None:
    node, runner = await start_mail_node(tmp_path / "node", smtp.port)
    try:
        await node.account("mia")
        app = await register_app(http, node)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            page = await _signed_in_page(node, browser, "mia")
            # The password is asked for
            wrong = await _form(page, "/settings/email", {"email": "mia2@example.test", "current_password": "nope"})
            assert wrong.status == 422
            asked = await _form(page, "/settings/email", {"email": "mia2@example.test",
                                                          "current_password": "correct horse"})
            assert asked.status == 200 and "mia2@example.test" in text_of(asked.text)
            # Until the link is followed, the old address is the account's
            assert (await _grant(http, node, app, "mia@example.test", "correct horse"))[0] == 200
            assert (await _grant(http, node, app, "mia2@example.test", "correct horse"))[0] == 400
            [message] = await smtp.inbox.wait_for(1)
            assert message["To"] == "mia2@example.test" and "new e-mail address" in message["Subject"]
            assert (await page.get(_path(link_in(message)))).status == 200
        assert (await _grant(http, node, app, "mia2@example.test", "correct horse"))[0] == 200
        assert (await _grant(http, node, app, "mia@example.test", "correct horse"))[0] == 400
    finally:
        await runner.cleanup()


async def test_changing_the_password_signs_out_everything_else(tmp_path: Path, smtp: SmtpServer,
                                                              http: aiohttp.ClientSession) -> None:
    node, runner = await start_mail_node(tmp_path / "node", smtp.port)
    try:
        nina = await node.account("nina")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other, \
                aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            elsewhere = await _signed_in_page(node, other, "nina")
            page = await _signed_in_page(node, browser, "nina")
            # The index links to every settings page
            index = await page.get("/settings")
            for path in ("/settings/password", "/settings/email", "/settings/two_factor", "/settings/identity",
                         "/settings/export", "/settings/import", "/settings/delete", "/settings/aliases",
                         "/settings/migration"):
                assert f'href="{path}"' in index.text
            form = {"current_password": "correct horse", "password": "a brand new one",
                    "password_confirmation": "a brand new one"}
            assert (await _form(page, "/settings/password", {**form, "current_password": "wrong"})).status == 422
            changed = await _form(page, "/settings/password", form)
            assert changed.status == 200
            # This browser stays signed in; the other one and the old token do not
            assert (await page.get("/settings")).status == 200
            assert (await elsewhere.get("/settings")).status == 303
            assert await _me(http, node, nina.token) == 401
        assert await node.app[DB].fetchval("SELECT count(*) FROM audit_log WHERE action = 'account.password_changed'"
                                           ) == 1
    finally:
        await runner.cleanup()


async def test_settings_need_the_nodes_own_sign_in(confirming: Node) -> None:
    async with aiohttp.ClientSession() as browser:
        for path in ("/settings", "/settings/password", "/settings/email"):
            async with browser.get(confirming.url(path), allow_redirects=False) as resp:
                assert resp.status == 303 and resp.headers["Location"].startswith("/auth/sign_in")


async def test_resending_is_limited_and_spent_tokens_are_purged(confirming: Node, smtp: SmtpServer,
                                                                http: aiohttp.ClientSession) -> None:
    from node.mail.cleanup import purge_spent

    app = await register_app(http, confirming)
    token = await _sign_up(http, confirming, app, "olga")
    statuses = [(await _resend(http, confirming, token))[0] for _ in range(6)]
    # Five resends an hour, then 429: a mailbox is not to be flooded
    assert statuses == [200] * 5 + [429]
    await smtp.inbox.wait_for(6)  # the sign-up's message and five more
    # And tokens long expired are deleted by the hourly sweep
    db = confirming.app[DB]
    await db.execute("UPDATE account_tokens SET expires_at = '2020-01-01T00:00:00.000Z'")
    await db.execute("UPDATE request_counts SET window_start = '2020-01-01T00:00:00.000Z'")
    assert await purge_spent(confirming.app) >= 7
    assert await db.fetchval("SELECT count(*) FROM account_tokens") == 0


async def test_an_unconfirmed_request_cannot_hold_an_address(tmp_path: Path, smtp: SmtpServer,
                                                             http: aiohttp.ClientSession) -> None:
    node, runner = await start_mail_node(tmp_path / "node", smtp.port)
    try:
        await node.account("pat")
        await node.account("quinn")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as one, \
                aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as two:
            pat, quinn = await _signed_in_page(node, one, "pat"), await _signed_in_page(node, two, "quinn")
            # Given pat asks for an address that is really quinn's, and never confirms it
            form = {"email": "shared@example.test", "current_password": "correct horse"}
            assert (await _form(pat, "/settings/email", form)).status == 200
            # Then quinn may still ask for it, and confirm it
            assert (await _form(quinn, "/settings/email", form)).status == 200
            by_name = {("@pat" in m.get_body(("plain",)).get_content()): m for m in await smtp.inbox.wait_for(2)}
            assert (await quinn.get(_path(link_in(by_name[False])))).status == 200
            # And pat's link no longer works: the address is quinn's
            assert (await pat.get(_path(link_in(by_name[True])))).status == 404
            # And now it is refused outright
            assert (await _form(pat, "/settings/email", form)).status == 422
    finally:
        await runner.cleanup()
