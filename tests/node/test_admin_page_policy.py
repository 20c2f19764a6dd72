"""The /admin policy and permit pages: hit counts, test, list edits, reload, permits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from node.keys import DB, SCREENING
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.test_admin_page import api, page, snode  # noqa: F401 - fixtures
from tests.node.test_screening_api import post


@pytest.fixture
async def admin_page(snode: Node, page: PageClient) -> AsyncIterator[PageClient]:  # noqa: F811
    await snode.account("root", role="admin")
    await page.sign_in("root")
    yield page


async def test_policy_page_counts_shadow_hits_per_rule(snode: Node, admin_page: PageClient,  # noqa: F811
                                                       http: aiohttp.ClientSession) -> None:
    # Given a post that only the shadow category would have refused
    alice = await snode.account("alice")
    assert (await post(http, snode, alice, "限时秒杀，快来"))[0] == 200
    # Then the policy page counts the shadow rule's hit
    shown = text_of((await admin_page.get("/admin/policy")).text)
    assert "promo: reject, shadow (1 hits)" in shown and "gambling: reject, enforce (0 hits)" in shown


async def test_test_a_text_shows_the_decision(snode: Node, admin_page: PageClient) -> None:  # noqa: F811
    reply = await admin_page.post("/admin/policy/test", {"text": "来赌场 <script>"})
    shown = text_of(reply.text)
    assert reply.status == 200 and "Decision: reject" in shown and "赌场" in shown
    assert "<script>" not in reply.text and "&lt;script&gt;" in reply.text
    # Testing records nothing
    assert await snode.app[DB].fetchval("SELECT count(*) FROM screening_hits") == 0


async def test_list_edit_saves_and_reloads(snode: Node, admin_page: PageClient,  # noqa: F811
                                           http: aiohttp.ClientSession) -> None:
    before = snode.app[SCREENING].policy.version
    editor = await admin_page.get("/admin/policy/list?file=lists/spam.txt")
    assert editor.status == 200 and "兼职日结" in editor.text
    # When the admin adds a term (the browser sends CRLF lines)
    reply = await admin_page.post("/admin/policy/list?file=lists/spam.txt", {"text": "兼职日结\r\n刷单返利"})
    assert reply.status == 303 and "loaded" in admin_page.flash()
    # Then the file is saved with LF lines, the policy reloaded and the term in force
    assert (snode.config.base_dir / "lists" / "spam.txt").read_text("utf-8") == "兼职日结\n刷单返利\n"
    assert snode.app[SCREENING].policy.version != before
    tested = await admin_page.post("/admin/policy/test", {"text": "刷单返利"})
    assert "Decision: flag" in text_of(tested.text)
    log = await admin_page.get("/admin/audit")
    assert "screening.list_edit" in log.text


async def test_bad_list_edit_is_refused_and_old_policy_kept(snode: Node, admin_page: PageClient,  # noqa: F811
                                                            http: aiohttp.ClientSession) -> None:
    path = snode.config.base_dir / "lists" / "spam.txt"
    old_text, old_version = path.read_text("utf-8"), snode.app[SCREENING].policy.version
    # When the admin saves a list with a broken regular expression on line 2
    reply = await admin_page.post("/admin/policy/list?file=lists/spam.txt", {"text": "兼职日结\nre:(unclosed\n"})
    # Then the page refuses, naming file and line, and keeps the admin's text in the form
    assert reply.status == 422
    assert f"{path}:2:" in text_of(reply.text) and "re:(unclosed" in reply.text
    # And the file, the running policy and the API's view are unchanged
    assert path.read_text("utf-8") == old_text and snode.app[SCREENING].policy.version == old_version
    assert not list(path.parent.glob(".*.tmp"))
    admin = await snode.account("root2", role="admin")
    assert (await api(http, snode, admin, "/api/v1/admin/screening"))["version"] == old_version
    assert "screening.list_edit_refused" in (await admin_page.get("/admin/audit")).text


async def test_only_listed_files_can_be_edited(snode: Node, admin_page: PageClient) -> None:  # noqa: F811
    for name in ("config.toml", "../admin/config.toml", "/etc/passwd"):
        assert (await admin_page.get(f"/admin/policy/list?file={name}")).status == 404
        reply = await admin_page.post(f"/admin/policy/list?file={name}", {"text": "x"})
        assert reply.status == 404
    assert "[node]" in (snode.config.base_dir / "config.toml").read_text("utf-8")


async def test_reload_button_reports_version(admin_page: PageClient) -> None:
    reply = await admin_page.post("/admin/policy/reload", {})
    assert reply.status == 303 and "loaded" in admin_page.flash()


async def test_permits_add_suspend_revoke(snode: Node, admin_page: PageClient,  # noqa: F811
                                          http: aiohttp.ClientSession) -> None:
    admin = await snode.account("root2", role="admin")
    # A bad number is refused with the API's words
    await admin_page.post("/admin/permits", {"domain": "peer.example", "number": "not a number"})
    assert "Validation failed: number" in admin_page.flash()
    await admin_page.post("/admin/permits", {"domain": "peer.example", "number": "京ICP备12345678号",
                                             "holder": "Peer Co."})
    assert "peer.example saved" in admin_page.flash()
    (permit,) = await api(http, snode, admin, "/api/v1/admin/domain_allows")
    assert permit["status"] == "active" and permit["holder"] == "Peer Co."
    for verb, status in (("suspend", "suspended"), ("revoke", "revoked"), ("activate", "active")):
        await admin_page.post(f"/admin/permits/{permit['id']}/{verb}", {"note": f"{verb} by page"})
        shown = await api(http, snode, admin, f"/api/v1/admin/domain_allows/{permit['id']}")
        assert shown["status"] == status and shown["note"] == f"{verb} by page"
    await admin_page.post(f"/admin/permits/{permit['id']}/remove", {})
    assert await api(http, snode, admin, "/api/v1/admin/domain_allows") == []
