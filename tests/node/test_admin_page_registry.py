"""The /admin/registry page: admins subscribe, sync, approve drafts, change settings,
see why a document was refused, and unsubscribe, all through its forms."""

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
