"""Identity reveals on the admin pages: an officer asks, another approves, the officer reveals once.

The same rules as the API (policy.identity.duties), through forms; the
revealed identity is on the answer to the reveal POST only: never in a
redirect, a cookie or a log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from node.keys import DB
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.identity_reveals import make_officer
from tests.node.test_identity import VALID_ID, verify


@pytest.fixture
async def browsers() -> AsyncIterator[list[aiohttp.ClientSession]]:
    sessions = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in range(3)]
    yield sessions
    for session in sessions:
        await session.close()


async def test_officer_asks_moderator_approves_officer_reveals(node: Node, http: aiohttp.ClientSession,
                                                                browsers: list[aiohttp.ClientSession],
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # Given an admin, a moderator, a person with a verified identity, and a plain user
    await node.account("root", role="admin")
    await node.account("mod", role="moderator")
    officer = await node.account("officer")
    alice = await node.account("alice", verified=False)
    assert (await verify(http, node, alice, node.attestation("p7", name="孙七", id_number=VALID_ID)))[0] == 200
    admin_page, mod_page, officer_page = (PageClient(node, b) for b in browsers)
    for page, login in ((admin_page, "root"), (mod_page, "mod"), (officer_page, "officer")):
        await page.sign_in(login)
    # When the admin makes the plain user an identity officer on the account page
    shown = await admin_page.get(f"/admin/accounts/{officer.account.id}")
    assert "Make this account an identity officer" in shown.text
    await admin_page.post(f"/admin/accounts/{officer.account.id}/identity_officer/grant", {})
    assert admin_page.flash() == "notice:Identity officer grant given."
    # Then the officer sees the reveals page and not the moderation pages
    assert (await officer_page.get("/admin/queue")).status == 403
    listing = await officer_page.get("/admin/identity")
    assert listing.status == 200 and "Ask to reveal an identity" in listing.text
    assert 'href="/admin/queue"' not in listing.text
    # When the officer asks, with a reason
    await officer_page.post("/admin/identity/requests", {"account": "alice", "reason": "police letter 88",
                                                         "report_id": ""}, token=await officer_page.csrf("/admin/identity"))
    assert re.fullmatch(r"notice:Request \d+ waits for a second staff member\.", officer_page.flash())
    request_id = re.search(r"Request (\d+)", officer_page.flash()).group(1)  # type: ignore[union-attr]
    # Then the officer may neither approve it nor reveal it yet
    await officer_page.post(f"/admin/identity/requests/{request_id}/approve", {}, token=await officer_page.csrf("/admin/identity"))
    assert "someone other than the person who asked" in officer_page.flash()
    await officer_page.post(f"/admin/identity/requests/{request_id}/reveal", {}, token=await officer_page.csrf("/admin/identity"))
    assert "not approved" in officer_page.flash()
    # When the moderator approves it
    pending = await mod_page.get("/admin/identity")
    assert f'/admin/identity/requests/{request_id}/approve' in pending.text and "police letter 88" in pending.text
    await mod_page.post(f"/admin/identity/requests/{request_id}/approve", {"note": "letter seen"})
    assert mod_page.flash() == f"notice:Request {request_id}: approved."
    # Then the officer reveals it, on the answer itself, not stored
    reply = await officer_page.post(f"/admin/identity/requests/{request_id}/reveal", {}, token=await officer_page.csrf("/admin/identity"))
    assert reply.status == 200 and "孙七" in reply.text and VALID_ID in text_of(reply.text)
    assert "孙七" not in str([c.value for c in browsers[2].cookie_jar])
    # And a second reveal with the same approval is refused
    await officer_page.post(f"/admin/identity/requests/{request_id}/reveal", {}, token=await officer_page.csrf("/admin/identity"))
    assert "already used" in officer_page.flash()
    # And the audit log has the grant, the request, the approval and the reveal, without the identity
    rows = await node.app[DB].fetchall("SELECT actor, action, details_json FROM audit_log"
                                       " WHERE action LIKE 'identity.%' OR action LIKE 'account.grant%' ORDER BY id")
    assert [(r[0], r[1]) for r in rows] == [
        ("root", "account.grant_identity_officer"), ("officer", "identity.reveal_request"),
        ("mod", "identity.reveal_approve"), ("officer", "identity.reveal")]
    assert "孙七" not in str([tuple(r) for r in rows]) and VALID_ID not in str([tuple(r) for r in rows])
    assert "孙七" not in caplog.text and VALID_ID not in caplog.text


async def test_only_admins_grant_and_moderators_cannot_ask(node: Node, browsers: list[aiohttp.ClientSession]) -> None:
    await node.account("mod", role="moderator")
    bob = await node.account("bob")
    page = PageClient(node, browsers[0])
    await page.sign_in("mod")
    shown = await page.get(f"/admin/accounts/{bob.account.id}")
    assert "This account is not an identity officer." in shown.text and "identity_officer/grant" not in shown.text
    assert (await page.post(f"/admin/accounts/{bob.account.id}/identity_officer/grant", {})).status == 403
    await page.post("/admin/identity/requests", {"account": "bob", "reason": "why not"})
    assert "Only an identity officer may ask" in page.flash()
    assert await node.app[DB].fetchval("SELECT count(*) FROM identity_reveal_requests") == 0
    await make_officer(node, bob)  # (the moderator still cannot ask for anyone)
    await page.post("/admin/identity/requests", {"account": "bob", "reason": "why not"})
    assert "Only an identity officer may ask" in page.flash()
