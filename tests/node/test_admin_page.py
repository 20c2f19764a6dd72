"""The /admin pages: who may see them, CSRF, and that each action is the API's.

Every action is taken through the HTML forms, then checked through the
admin JSON API (or the client API) a moderator's app would use, so the
page and the API cannot drift apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from node.keys import DB, IDS
from storage import reports
from tests.conftest import Node, Session, start_node
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.test_screening_api import CATEGORIES, post, write_lists


@pytest.fixture
async def snode(tmp_path: Path) -> AsyncIterator[Node]:
    root = tmp_path / "admin"
    write_lists(root)
    node, runner = await start_node(root, screening=CATEGORIES)
    yield node
    await runner.cleanup()


@pytest.fixture
async def page(snode: Node) -> AsyncIterator[PageClient]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield PageClient(snode, http)


async def api(http: aiohttp.ClientSession, node: Node, who: Session, path: str) -> Any:
    async with http.get(node.url(path), headers=who.headers) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_signed_out_goes_to_sign_in_and_comes_back(snode: Node, page: PageClient) -> None:
    await snode.account("root", role="admin")
    # When a visitor opens an admin page
    reply = await page.get("/admin/reports?resolved=1")
    # Then they are sent to sign in, with the way back
    assert reply.status == 303 and reply.location.startswith("/auth/sign_in?")
    assert parse_qs(urlsplit(reply.location).query)["next"] == ["/admin/reports?resolved=1"]
    # And after signing in as an admin, the admin pages open
    assert (await page.sign_in("root")).location == "/admin"
    home = await page.get("/admin")
    assert home.status == 200 and "Overview" in home.text and "@root" in home.text


async def test_users_without_a_staff_role_are_refused(snode: Node, page: PageClient) -> None:
    await snode.account("alice")
    await page.sign_in("alice")
    for path in ("/admin", "/admin/queue", "/admin/policy", "/admin/audit"):
        reply = await page.get(path)
        assert reply.status == 403 and "moderators and admins" in reply.text
    # A POST is refused the same way, before its form is looked at
    assert (await page.post("/admin/policy/reload", {}, token="bogus")).status == 403


async def test_moderators_may_moderate_but_not_edit_permits_or_lists(snode: Node, page: PageClient,
                                                                     http: aiohttp.ClientSession) -> None:
    admin = await snode.account("root", role="admin")
    await snode.account("mod", role="moderator")
    await page.sign_in("mod")
    assert (await page.get("/admin/queue")).status == 200
    listing = await page.get("/admin/permits")
    assert listing.status == 200 and "Save permit" not in listing.text
    refused = await page.post("/admin/permits", {"domain": "peer.example", "number": "京ICP备12345678号"})
    assert refused.status == 403
    assert await api(http, snode, admin, "/api/v1/admin/domain_allows") == []
    assert (await page.get("/admin/policy/list?file=lists/spam.txt")).status == 403


async def test_forms_without_the_right_token_change_nothing(snode: Node, page: PageClient,
                                                            http: aiohttp.ClientSession) -> None:
    # Given a held post and a signed-in admin
    admin, alice = await snode.account("root", role="admin"), await snode.account("alice")
    await post(http, snode, alice, "专业代开发票，价格优惠")
    (item,) = await api(http, snode, admin, "/api/v1/admin/screening/queue")
    await page.sign_in("root")
    # When approve is posted with no token, and with a wrong one
    for token in (None, "forged-token"):
        reply = await page.post(f"/admin/queue/{item['id']}/approve", {}, token=token)
        # Then it is a 403 page and the item is still waiting
        assert reply.status == 403 and "did not come from this site" in reply.text
    queue = await api(http, snode, admin, "/api/v1/admin/screening/queue")
    assert [i["id"] for i in queue] == [item["id"]]


async def test_queue_shows_why_and_approve_publishes(snode: Node, page: PageClient,
                                                     http: aiohttp.ClientSession) -> None:
    admin, alice, bob = (await snode.account("root", role="admin"), await snode.account("alice"),
                         await snode.account("bob"))
    _, held = await post(http, snode, alice, "专业代开发票，价格优惠")
    await page.sign_in("root")
    # The queue shows the rule, category, term and the marked span
    queue = await page.get("/admin/queue")
    assert "invoices" in queue.text and "<mark>代开发票</mark>" in queue.text and "invoices:" in queue.text
    (item,) = await api(http, snode, admin, "/api/v1/admin/screening/queue")
    # When the admin approves, the page redirects back with a notice
    reply = await page.post(f"/admin/queue/{item['id']}/approve", {})
    assert reply.status == 303 and reply.location == "/admin/queue" and "approved" in page.flash()
    assert "approved" in text_of((await page.get("/admin/queue")).text)
    # Then the API reports it approved and bob can read the post
    assert (await api(http, snode, admin, f"/api/v1/admin/screening/queue/{item['id']}"))["state"] == "approved"
    assert (await api(http, snode, bob, f"/api/v1/statuses/{held['id']}"))["id"] == held["id"]


async def test_reject_needs_a_reason_and_tells_the_author(snode: Node, page: PageClient,
                                                          http: aiohttp.ClientSession) -> None:
    admin, alice = await snode.account("root", role="admin"), await snode.account("alice")
    await post(http, snode, alice, "fake invoice for sale")
    (item,) = await api(http, snode, admin, "/api/v1/admin/screening/queue")
    await page.sign_in("root")
    # Without a reason the page says why and nothing changes
    await page.post(f"/admin/queue/{item['id']}/reject", {"reason": " "})
    assert "reason is required" in page.flash()
    assert (await api(http, snode, admin, f"/api/v1/admin/screening/queue/{item['id']}"))["state"] == "open"
    # With one, the item is rejected and alice is told why
    await page.post(f"/admin/queue/{item['id']}/reject", {"reason": "Invoice fraud"})
    assert (await api(http, snode, admin, f"/api/v1/admin/screening/queue/{item['id']}"))["state"] == "rejected"
    notes = await api(http, snode, alice, "/api/v1/notifications")
    assert notes[0]["moderation_warning"]["text"] == "Invoice fraud"


async def test_report_assign_note_resolve_reopen(snode: Node, page: PageClient, http: aiohttp.ClientSession) -> None:
    admin, bob = await snode.account("root", role="admin"), await snode.account("bob")
    report = await reports.create_report(snode.app[DB], snode.app[IDS],
                                         reporter_account_id=None, target_account_id=bob.account.id,
                                         status_ids=[], category="spam", comment="<b>spam</b> all day",
                                         source="form")
    await page.sign_in("root")
    listing = await page.get("/admin/reports")
    assert f"/admin/reports/{report.id}" in listing.text
    # Values are escaped: the comment's markup is shown, not run
    shown = await page.get(f"/admin/reports/{report.id}")
    assert "&lt;b&gt;spam&lt;/b&gt; all day" in shown.text and "<b>spam</b>" not in shown.text
    path = f"/api/v1/admin/reports/{report.id}"
    await page.post(f"/admin/reports/{report.id}/assign_to_self", {})
    assert (await api(http, snode, admin, path))["assigned_account"]["id"] == str(admin.account.id)
    await page.post(f"/admin/reports/{report.id}/notes", {"content": "Checked the posts"})
    assert [n["content"] for n in await api(http, snode, admin, path + "/notes")] == ["Checked the posts"]
    await page.post(f"/admin/reports/{report.id}/resolve", {})
    assert (await api(http, snode, admin, path))["action_taken"] is True
    await page.post(f"/admin/reports/{report.id}/reopen", {})
    assert (await api(http, snode, admin, path))["action_taken"] is False


async def test_account_search_action_and_undo(snode: Node, page: PageClient, http: aiohttp.ClientSession) -> None:
    admin, bob = await snode.account("root", role="admin"), await snode.account("bob")
    await page.sign_in("root")
    found = await page.get("/admin/accounts?username=bo")
    assert f"/admin/accounts/{bob.account.id}" in found.text and "@root" not in text_of(found.text).split("Search")[1]
    # When the admin silences bob for a day with a notice
    await page.post(f"/admin/accounts/{bob.account.id}/action",
                    {"type": "silence", "text": "Flooding the timeline", "duration_hours": "24", "scope": "account"})
    assert "Action taken: Limit." in page.flash()
    # Then the API says so, bob is told, and the page lists the sanction with its end
    path = f"/api/v1/admin/accounts/{bob.account.id}"
    assert (await api(http, snode, admin, path))["silenced"] is True
    warning = (await api(http, snode, bob, "/api/v1/notifications"))[0]["moderation_warning"]
    assert warning["text"] == "Flooding the timeline" and warning["expires_at"]
    shown = await page.get(f"/admin/accounts/{bob.account.id}")
    assert "Flooding the timeline" in shown.text and "Lift the limit" in shown.text
    # When the admin undoes it, the API says bob is no longer silenced
    await page.post(f"/admin/accounts/{bob.account.id}/undo", {"undo": "unsilence"})
    assert (await api(http, snode, admin, path))["silenced"] is False
    # The API's own checks hold on the page too: no sanctioning yourself
    await page.post(f"/admin/accounts/{admin.account.id}/action", {"type": "suspend"})
    assert "cannot sanction your own account" in page.flash()
    await page.post(f"/admin/accounts/{bob.account.id}/action", {"type": "silence", "duration_hours": "soon"})
    assert "duration_hours must be an integer" in page.flash()


async def test_mark_false_by_address_warns_readers(snode: Node, page: PageClient, http: aiohttp.ClientSession) -> None:
    await snode.account("root", role="admin")
    alice, bob = await snode.account("alice"), await snode.account("bob")
    _, status = await post(http, snode, alice, "The bridge collapsed this morning")
    await page.sign_in("root")
    # An unknown address is refused with a message
    await page.post("/admin/corrections", {"status": "https://nowhere.example/1", "text": "x"})
    assert "No status" in page.flash()
    # When the admin marks the status by its web address
    await page.post("/admin/corrections", {"status": status["url"], "text": "The bridge is standing",
                                           "source_url": "https://example.org/bridge"})
    assert "marked as false" in page.flash()
    # Then readers get the warn filter result and the page lists the correction
    seen = await api(http, snode, bob, f"/api/v1/statuses/{status['id']}")
    (result,) = seen["filtered"]
    assert result["filter"]["filter_action"] == "warn" and result["filter"]["title"] == "The bridge is standing"
    assert "The bridge is standing" in (await page.get("/admin/corrections")).text


async def test_audit_log_lists_page_actions_and_verifies(snode: Node, page: PageClient) -> None:
    await snode.account("root", role="admin")
    bob = await snode.account("bob")
    await page.sign_in("root")
    await page.post(f"/admin/accounts/{bob.account.id}/action", {"type": "sensitive", "text": "nsfw"})
    log = await page.get("/admin/audit")
    assert "account.sensitive" in log.text and "staff.sign_in" in log.text and "<td>root</td>" in log.text
    checked = await page.get("/admin/audit?verify=1")
    assert "Chain intact: 2 record(s)" in text_of(checked.text)
