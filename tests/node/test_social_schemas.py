"""The social features' responses in the shapes Mastodon's OpenAPI
description gives them, each filled with stored data (not empty)."""

from __future__ import annotations

from typing import Any

import aiohttp

from node.custom_emoji_files import EmojiUpload, create_emoji
from node.keys import CONFIG, DB, IDS
from tests.conftest import Node, Session
from tests.node.test_media import png
from tests.openapi import assert_matches


async def call(http: aiohttp.ClientSession, node: Node, method: str, path: str, who: Session | None = None,
               **kwargs: Any) -> Any:
    headers = who.headers if who else {}
    async with http.request(method, node.url(path), headers=headers, **kwargs) as resp:
        assert resp.status == 200, (path, resp.status, await resp.text())
        return await resp.json()


async def test_social_entities_match_mastodons_schemas(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice who follows and endorses bob, notes him, features a tag,
    # filters strangers (carol mentions her), and an announcement and emoji exist
    alice, bob, carol = [await node.account(n) for n in ("alice", "bob", "carol")]
    admin = await node.account("root", role="admin")
    await create_emoji(node.app[DB], node.app[IDS], node.app[CONFIG], EmojiUpload("blobcat", png()))
    bob_id = bob.account.id
    await call(http, node, "POST", f"/api/v1/accounts/{bob_id}/follow", alice)
    await call(http, node, "POST", f"/api/v1/accounts/{bob_id}/pin", alice)
    await call(http, node, "POST", f"/api/v1/accounts/{bob_id}/note", alice, data={"comment": "friend"})
    await call(http, node, "POST", "/api/v1/statuses", alice, data={"status": "#tea time #spam :blobcat:"})
    await call(http, node, "POST", "/api/v1/featured_tags", alice, data={"name": "tea"})
    await call(http, node, "POST", "/api/v1/domain_blocks", alice, data={"domain": "spam.example"})
    await call(http, node, "PATCH", "/api/v2/notifications/policy", alice, data={"for_not_following": "filter"})
    await call(http, node, "POST", "/api/v1/statuses", carol, data={"status": "@alice cheap followers"})
    await call(http, node, "POST", "/api/v1/admin/announcements", admin, data={"text": "hi", "published": "true"})
    await call(http, node, "POST", "/api/v1/admin/follow_recommendations", admin,
               data={"account_id": str(carol.account.id)})
    # When each is read back, then it has Mastodon's shape
    checks = [
        ("/api/v1/accounts/relationships", f"/api/v1/accounts/relationships?id[]={bob_id}"),
        ("/api/v1/endorsements", "/api/v1/endorsements"),
        ("/api/v1/domain_blocks", "/api/v1/domain_blocks"),
        ("/api/v1/featured_tags", "/api/v1/featured_tags"),
        ("/api/v1/featured_tags/suggestions", "/api/v1/featured_tags/suggestions"),
        ("/api/v1/accounts/{id}/featured_tags", f"/api/v1/accounts/{alice.account.id}/featured_tags"),
        ("/api/v2/suggestions", "/api/v2/suggestions"),
        ("/api/v1/suggestions", "/api/v1/suggestions"),
        ("/api/v2/notifications/policy", "/api/v2/notifications/policy"),
        ("/api/v1/notifications/requests", "/api/v1/notifications/requests"),
        ("/api/v1/custom_emojis", "/api/v1/custom_emojis"),
        ("/api/v1/announcements", "/api/v1/announcements"),
        ("/api/v1/instance/activity", "/api/v1/instance/activity"),
        ("/api/v1/instance/rules", None),
    ]
    for spec_path, path in checks:
        if path is None:  # empty without [node] rules: the shape of an empty list only
            assert_matches(spec_path, "get", 200, await call(http, node, "GET", spec_path, alice))
            continue
        body = await call(http, node, "GET", path, alice)
        assert body, f"{path} came back empty"
        assert_matches(spec_path, "get", 200, body)
    requests = await call(http, node, "GET", "/api/v1/notifications/requests", alice)
    assert_matches("/api/v1/notifications/requests/{id}", "get", 200,
                   await call(http, node, "GET", f"/api/v1/notifications/requests/{requests[0]['id']}", alice))
