"""Screening on the client API and the admin API (articles 8 and 10).

A node runs with the example categories (gambling: reject, invoices:
review, followers: sensitive, spam: flag, promo: shadow) over list files
written under the test's own folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB, SCREENING
from policy.screening_runtime import request_reload
from tests.conftest import Node, Session, start_node

LISTS = {
    "gambling.txt": "word:博彩\n赌场\nonline casino\n",
    "invoices.txt": "代开发票\nfake invoice\n",
    "followers.txt": "买粉\nbuy followers\n",
    "spam.txt": "兼职日结\n",
    "promo.txt": "限时秒杀\n",
}

CATEGORIES = """
[screening]
fold_traditional = true

[[screening.categories]]
name = "gambling"
action = "reject"
lists = ["lists/gambling.txt"]
exemptions = ["博彩业监管"]

[[screening.categories]]
name = "invoices"
action = "review"
lists = ["lists/invoices.txt"]

[[screening.categories]]
name = "followers"
action = "sensitive"
lists = ["lists/followers.txt"]

[[screening.categories]]
name = "spam"
action = "flag"
lists = ["lists/spam.txt"]

[[screening.categories]]
name = "promo"
action = "reject"
mode = "shadow"
lists = ["lists/promo.txt"]
"""


def write_lists(root: Path) -> None:
    (root / "lists").mkdir(parents=True, exist_ok=True)
    for name, text in LISTS.items():
        (root / "lists" / name).write_text(text, "utf-8")


@pytest.fixture
async def snode(tmp_path: Path) -> AsyncIterator[Node]:
    root = tmp_path / "screened"
    write_lists(root)
    node, runner = await start_node(root, screening=CATEGORIES)
    yield node
    await runner.cleanup()


async def post(http: aiohttp.ClientSession, node: Node, who: Session, text: str,
               **extra: object) -> tuple[int, dict]:
    async with http.post(node.url("/api/v1/statuses"), json={"status": text, **extra},
                         headers=who.headers) as resp:
        return resp.status, await resp.json()


@pytest.mark.parametrize("text", ["欢迎来到博彩网站", "博 彩 网站", "博*彩", "賭場開業", "ＯＮＬＩＮＥ ＣＡＳＩＮＯ",
                                  "on\u200bline casino"])
async def test_reject_names_category_not_term(snode: Node, http: aiohttp.ClientSession, text: str) -> None:
    alice = await snode.account("alice")
    status, body = await post(http, snode, alice, text)
    assert status == 422
    assert "gambling" in body["error"] and "博彩" not in body["error"] and "赌场" not in body["error"]
    assert await snode.app[DB].fetchval("SELECT count(*) FROM statuses") == 0


async def test_exemption_and_clean_text_pass(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    assert (await post(http, snode, alice, "关于博彩业监管的新闻"))[0] == 200
    assert (await post(http, snode, alice, "今天天气很好"))[0] == 200


async def test_review_holds_until_approved(snode: Node, http: aiohttp.ClientSession) -> None:
    # Given an author, a reader and a moderator
    alice, bob = await snode.account("alice"), await snode.account("bob")
    mod = await snode.account("mod", role="moderator")
    # When alice posts something the invoices category holds
    status, body = await post(http, snode, alice, "专业代开发票，价格优惠")
    # Then she sees it, bob does not, and it is in the queue with its reasons
    assert status == 200
    url = snode.url(f"/api/v1/statuses/{body['id']}")
    async with http.get(url, headers=alice.headers) as resp:
        assert resp.status == 200
    async with http.get(url, headers=bob.headers) as resp:
        assert resp.status == 404
    async with http.get(snode.url("/api/v1/admin/screening/queue"), headers=mod.headers) as resp:
        queue = await resp.json()
    assert len(queue) == 1 and queue[0]["status_id"] == body["id"]
    hit = queue[0]["decision"]["hits"][0]
    assert hit["category"] == "invoices" and hit["term"] == "代开发票"
    assert "专业代开发票，价格优惠"[hit["start"]:hit["end"]] == "代开发票"
    # When the moderator approves, bob sees it
    async with http.post(snode.url(f"/api/v1/admin/screening/queue/{queue[0]['id']}/approve"),
                         headers=mod.headers) as resp:
        assert resp.status == 200 and (await resp.json())["state"] == "approved"
    async with http.get(url, headers=bob.headers) as resp:
        assert resp.status == 200


async def test_reject_from_queue_notifies_author_with_reason(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    mod = await snode.account("mod", role="moderator")
    await post(http, snode, alice, "fake invoice for sale")
    async with http.get(snode.url("/api/v1/admin/screening/queue"), headers=mod.headers) as resp:
        item = (await resp.json())[0]
    reject = snode.url(f"/api/v1/admin/screening/queue/{item['id']}/reject")
    async with http.post(reject, json={}, headers=mod.headers) as resp:
        assert resp.status == 422
    async with http.post(reject, json={"reason": "Invoice selling is not allowed"}, headers=mod.headers) as resp:
        assert resp.status == 200
    async with http.post(reject, json={"reason": "again"}, headers=mod.headers) as resp:
        assert resp.status == 409
    async with http.get(snode.url("/api/v1/notifications"), headers=alice.headers) as resp:
        notes = await resp.json()
    assert notes[0]["type"] == "moderation_warning"
    assert notes[0]["moderation_warning"]["text"] == "Invoice selling is not allowed"


async def test_sensitive_and_flag_publish(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    mod = await snode.account("mod", role="moderator")
    status, body = await post(http, snode, alice, "便宜买粉，快来")
    assert status == 200 and body["sensitive"] is True and body["spoiler_text"]
    status, body = await post(http, snode, alice, "兼职日结，私聊")
    assert status == 200 and body["sensitive"] is False
    async with http.get(snode.url("/api/v1/timelines/public"), headers=alice.headers) as resp:
        assert len(await resp.json()) == 2
    async with http.get(snode.url("/api/v1/admin/screening/queue"), headers=mod.headers) as resp:
        queue = await resp.json()
    assert [q["action"] for q in queue] == ["flag"]


async def test_shadow_counts_without_acting(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    mod = await snode.account("mod", role="moderator")
    assert (await post(http, snode, alice, "限时秒杀，先到先得"))[0] == 200
    async with http.get(snode.url("/api/v1/admin/screening/rules"), headers=mod.headers) as resp:
        rules = await resp.json()
    shadow = [r for r in rules if r["category"] == "promo"]
    assert shadow and shadow[0]["hits"] == 1 and shadow[0]["mode"] == "shadow"


async def test_profile_text_is_screened(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    async with http.patch(snode.url("/api/v1/accounts/update_credentials"),
                          json={"display_name": "赌场老板"}, headers=alice.headers) as resp:
        body = await resp.json()
    assert resp.status == 422 and "gambling" in body["error"]


async def test_admin_test_endpoint_explains(snode: Node, http: aiohttp.ClientSession) -> None:
    mod = await snode.account("mod", role="moderator")
    alice = await snode.account("alice")
    async with http.post(snode.url("/api/v1/admin/screening/test"), json={"text": "新开賭 場"},
                         headers=mod.headers) as resp:
        decision = await resp.json()
    assert decision["action"] == "reject" and decision["hits"][0]["matched"] == "賭 場"
    async with http.post(snode.url("/api/v1/admin/screening/test"), json={"text": "x"},
                         headers=alice.headers) as resp:
        assert resp.status == 403


async def test_reload_swaps_and_bad_file_keeps_old(snode: Node, http: aiohttp.ClientSession) -> None:
    admin = await snode.account("root", role="admin")
    alice = await snode.account("alice")
    lists = snode.config.base_dir / "lists"
    before = snode.app[SCREENING].policy.version
    # When an admin adds a term and reloads
    (lists / "spam.txt").write_text("兼职日结\n刷单返利\n", "utf-8")
    async with http.post(snode.url("/api/v1/admin/screening/reload"), headers=admin.headers) as resp:
        result = await resp.json()
    assert resp.status == 200 and result["ok"] and result["version"] != before
    # Then the new term is in force
    async with http.post(snode.url("/api/v1/admin/screening/test"), json={"text": "刷单返利"},
                         headers=admin.headers) as resp:
        assert (await resp.json())["action"] == "flag"
    # When a list gets a bad regular expression
    (lists / "spam.txt").write_text("兼职日结\nre:(unclosed\n", "utf-8")
    async with http.post(snode.url("/api/v1/admin/screening/reload"), headers=admin.headers) as resp:
        refused = await resp.json()
    # Then the reload is refused naming file and line, and the old policy stays
    assert resp.status == 422 and refused["file"].endswith("spam.txt") and refused["line"] == 2
    assert snode.app[SCREENING].policy.version == result["version"]
    assert (await post(http, snode, alice, "赌场"))[0] == 422


async def test_cli_reload_request_reaches_running_node(snode: Node) -> None:
    lists = snode.config.base_dir / "lists"
    before = snode.app[SCREENING].policy.version
    (lists / "followers.txt").write_text("买粉\n刷粉\n", "utf-8")
    await request_reload(snode.app[DB])
    for _ in range(50):
        if snode.app[SCREENING].policy.version != before:
            break
        await asyncio.sleep(0.1)
    assert snode.app[SCREENING].policy.version != before
