"""The /admin/registry page: admins subscribe, sync, approve drafts, change settings,
see why a document was refused, and unsubscribe, all through its forms, in
the reader's language."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from node.keys import DB
from storage import permits as permit_store
from storage import registry as store
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.test_i18n_every_page import ZH_BROWSER, words_of_the_other_language
from tests.node.test_registry_sync import HOST, Publisher, entry, publishers  # noqa: F401 - fixture

PAGE = "/admin/registry"


@pytest.fixture
async def page(node: Node) -> AsyncIterator[PageClient]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield PageClient(node, http)


@pytest.fixture
async def admin(node: Node, page: PageClient) -> PageClient:
    await node.account("root", role="admin")
    await page.sign_in("root")
    return page


async def subscribe(admin: PageClient, publisher: Publisher, **form: str) -> store.SubscriptionRow:
    reply = await admin.post(PAGE, {"url": publisher.feed.url, "public_key": publisher.public, **form})
    assert reply.status == 303 and reply.location == PAGE and "Subscribed to" in admin.flash()
    (row,) = await store.list_subscriptions(admin.node.app[DB])
    return row


async def test_only_admins_see_or_change_registries(node: Node, page: PageClient,
                                                    publishers: list[Publisher]) -> None:  # noqa: F811
    await node.account("mod", role="moderator")
    await page.sign_in("mod")
    assert (await page.get(PAGE)).status == 403
    refused = await page.post(PAGE, {"url": publishers[0].feed.url, "public_key": publishers[0].public})
    assert refused.status == 403
    assert await store.list_subscriptions(node.app[DB]) == []


async def test_forms_need_the_pages_token(node: Node, admin: PageClient,
                                          publishers: list[Publisher]) -> None:  # noqa: F811
    for token in (None, "forged"):
        reply = await admin.post(PAGE, {"url": publishers[0].feed.url, "public_key": publishers[0].public},
                                 token=token)
        assert reply.status == 403
    assert await store.list_subscriptions(node.app[DB]) == []


async def test_subscribe_sync_approve_refuse_settings_unsubscribe(node: Node, admin: PageClient,
                                                                  publishers: list[Publisher]) -> None:  # noqa: F811
    publisher = publishers[0]
    publisher.publish([entry(holder="示例公司")])
    # A bad key is refused with a notice, and nothing is stored
    await admin.post(PAGE, {"url": publisher.feed.url, "public_key": "not-a-key"})
    assert "public key:" in admin.flash()
    assert await store.list_subscriptions(node.app[DB]) == []
    # When the admin subscribes as a draft and syncs now
    sub = await subscribe(admin, publisher, permits_mode="draft", lists_mode="off", priority="5")
    assert (await admin.post(f"{PAGE}/{sub.id}/sync", {})).status == 303
    assert f"Subscription {sub.id}: version 1 applied; 0 permits changed." in admin.flash()
    # Then the entry waits for approval on the page
    shown = await admin.get(PAGE)
    assert shown.status == 200 and "Shared registries" in shown.text
    assert f'action="/admin/registry/{sub.id}/approve"' in shown.text and "示例公司" in shown.text
    assert await permit_store.get_permit(node.app[DB], HOST) is None
    # When approved, the permit is in force, marked with its source
    await admin.post(f"{PAGE}/{sub.id}/approve", {"host": HOST})
    assert "Approved 1 entries; 1 permits changed." in admin.flash()
    row = await permit_store.get_permit(node.app[DB], HOST)
    assert row is not None and row.status == "active" and row.source == f"registry:{sub.id}"

    # When the served document is tampered with, a sync shows why it was refused
    document = json.loads(publisher.feed.body)
    document["signature"] = document["signature"][::-1]
    publisher.feed.body = json.dumps(document).encode()
    await admin.post(f"{PAGE}/{sub.id}/sync", {})
    assert "the signature does not verify" in admin.flash()
    shown = text_of((await admin.get(PAGE)).text)
    assert "the signature does not verify; version 1 stays in force" in shown

    # Settings: word lists in shadow, active permits, a new priority
    await admin.post(f"{PAGE}/{sub.id}/settings", {"permits_mode": "active", "lists_mode": "shadow",
                                                   "priority": "42"})
    assert f"Subscription {sub.id} saved: permits active, word lists shadow, priority 42." in admin.flash()
    assert '<option value="shadow" selected>' in (await admin.get(PAGE)).text
    await admin.post(f"{PAGE}/{sub.id}/settings", {"priority": "999"})
    assert "priority:" in admin.flash()

    # Unsubscribing revokes what it brought, and every step is in the audit log
    await admin.post(f"{PAGE}/{sub.id}/unsubscribe", {})
    assert "1 permits changed" in admin.flash()
    assert (await permit_store.get_permit(node.app[DB], HOST)).status == "revoked"  # type: ignore[union-attr]
    assert f'id="subscription-{sub.id}"' not in (await admin.get(PAGE)).text
    actions = [r[0] for r in await node.app[DB].fetchall("SELECT action FROM audit_log WHERE action <> 'staff.sign_in' ORDER BY id")]
    assert actions == ["registry.subscribe", "registry.sync", "permit.create", "registry.approve",
                       "registry.refused", "registry.settings", "permit.revoke", "registry.unsubscribe"]


async def test_a_chinese_reader_sees_the_page_and_its_notices_in_chinese(
        node: Node, publishers: list[Publisher]) -> None:  # noqa: F811
    publisher = publishers[0]
    publisher.publish([entry(holder="示例公司")])
    await node.account("root", role="admin")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=ZH_BROWSER) as http:
        zh = PageClient(node, http)
        await zh.sign_in("root")
        # Refusals name the field in Chinese; a reason the key check gives stays as it said it
        await zh.post(PAGE, {"url": publisher.feed.url, "public_key": "not-a-key"})
        assert zh.flash().startswith("error:公钥：")
        await zh.post(PAGE, {"url": "ftp://assoc.example.cn/r.json", "public_key": publisher.public})
        assert zh.flash() == "error:地址：'ftp://assoc.example.cn/r.json' 不是不含凭据的 http(s) URL"
        # When the admin subscribes and syncs now, the notices are Chinese
        await zh.post(PAGE, {"url": publisher.feed.url, "public_key": publisher.public})
        (sub,) = await store.list_subscriptions(node.app[DB])
        assert zh.flash() == f"notice:已订阅 {publisher.feed.url}（订阅 {sub.id}），将在一分钟内获取。"
        await zh.post(f"{PAGE}/{sub.id}/sync", {})
        assert zh.flash() == f"notice:订阅 {sub.id}：已应用版本 1；0 项许可有变更。"
        # Then the page is Chinese too, the modes shown with their codes
        shown = await zh.get(PAGE)
        assert '<html lang="zh-CN">' in shown.text and "<title>管理：共享名录" in shown.text
        assert '<option value="draft" selected>draft（草稿）：等待我审批</option>' in shown.text
        assert "<th>待审批</th>" in shown.text and "<td>有效</td>" in shown.text
        assert words_of_the_other_language(shown.text, "zh-CN") == []
        await zh.post(f"{PAGE}/{sub.id}/approve", {"all": "1"})
        assert zh.flash() == "notice:已批准 1 个条目；1 项许可有变更。"
        await zh.post(f"{PAGE}/{sub.id}/settings", {"priority": "999"})
        assert zh.flash() == "error:优先级：'999' 不是 0 到 255 之间的整数"
        await zh.post(f"{PAGE}/{sub.id}/settings", {"lists_mode": "shadow"})
        assert zh.flash() == f"notice:订阅 {sub.id} 已保存：许可 draft，词表 shadow，优先级 0。"
        # A refused document: the frame is Chinese, the reason the stored English the page lists
        document = json.loads(publisher.feed.body)
        publisher.feed.body = json.dumps({**document, "signature": document["signature"][::-1]}).encode()
        await zh.post(f"{PAGE}/{sub.id}/sync", {})
        assert zh.flash() == f"error:订阅 {sub.id}：the signature does not verify; version 1 stays in force"
        await zh.post(f"{PAGE}/{sub.id}/unsubscribe", {})
        assert zh.flash() == f"notice:已取消订阅 {publisher.feed.url}；1 项许可有变更。"
        # And an action that does not exist is a Chinese 404 page
        missing = await zh.post(f"{PAGE}/{sub.id}/frobnicate", {})
        assert missing.status == 404 and "没有此操作。" in missing.text
