"""Posting, reading, editing and deleting statuses as Mastodon clients do."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from node import gate
from node.keys import DB, IDS
from policy import permits
from storage import search
from tests.conftest import Node, Session
from tests.openapi import assert_matches


async def post(http: aiohttp.ClientSession, node: Node, who: Session, expect: int = 200,
               headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    async with http.post(node.url("/api/v1/statuses"), json=fields,
                         headers={**who.headers, **(headers or {})}) as resp:
        body = await resp.json()
        assert resp.status == expect, body
        return body


async def get(http: aiohttp.ClientSession, node: Node, path: str, who: Session | None = None,
              expect: int = 200) -> Any:
    async with http.get(node.url(path), headers=who.headers if who else {}) as resp:
        body = await resp.json()
        assert resp.status == expect, body
        return body


async def follow(node: Node, follower: Session, target: Session, frozen: int = 0) -> None:
    """The follow endpoints belong to another module; the row is what matters here."""
    await node.app[DB].execute(
        "INSERT INTO follows (id, account_id, target_id, frozen, created_at) VALUES (?,?,?,?,?)",
        (follower.account.id * 7 + target.account.id, follower.account.id, target.account.id, frozen,
         "2026-01-01T00:00:00.000Z"))


async def test_post_status_returns_mastodon_status(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a signed-in user
    alice = await node.account("alice")
    # When she posts a status
    body = await post(http, node, alice, status="hello world", language="en")
    # Then the answer is a Mastodon Status with her account and the rendered text
    assert_matches("/api/v1/statuses", "post", 200, body)
    assert body["content"] == "<p>hello world</p>"
    assert body["account"]["id"] == str(alice.account.id)
    assert (body["visibility"], body["language"], body["sensitive"]) == ("public", "en", False)
    assert body["favourited"] is False and body["pinned"] is False and body["filtered"] == []
    assert body["application"] is None and "text" not in body
    assert body["uri"].endswith(f"/users/alice/statuses/{body['id']}")
    # And it can be read back, by anyone, in the same shape
    shown = await get(http, node, f"/api/v1/statuses/{body['id']}")
    assert_matches("/api/v1/statuses/{id}", "get", 200, shown)
    assert shown["content"] == body["content"] and "favourited" not in shown
    me = await get(http, node, "/api/v1/statuses/" + body["id"], alice)
    assert me["account"]["statuses_count"] == 1


async def test_plain_text_becomes_safe_html(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a post with markup, a link (to a host with a permit: article 7(6)) and several lines
    alice = await node.account("alice")
    await permits.import_permits(node.app[DB], node.app[IDS], [permits.validate_entry("example.cn", "京ICP备12345678号-1")])
    text = "<script>alert(1)</script> & more\nsee https://example.cn/x\n\nsecond paragraph"
    # When it is posted
    body = await post(http, node, alice, status=text)
    # Then the markup is escaped, the link rendered as Mastodon does, and lines kept
    assert body["content"] == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more<br />see "
        '<a href="https://example.cn/x" target="_blank" rel="nofollow noopener noreferrer" translate="no">'
        '<span class="invisible">https://</span><span class="">example.cn/x</span>'
        '<span class="invisible"></span></a></p><p>second paragraph</p>')


async def test_mentions_and_hashtags(node: Node, http: aiohttp.ClientSession) -> None:
    # Given two users
    alice, bob = await node.account("alice"), await node.account("bob")
    # When alice mentions bob and uses a Chinese and a Latin hashtag
    body = await post(http, node, alice, status="@bob 你好 #微博 #Spam @nobody")
    # Then bob's mention links to his profile and the tags to the tag pages
    assert (f'<span class="h-card" translate="no"><a href="{bob.account.url}" class="u-url mention">'
            "@<span>bob</span></a></span>") in body["content"]
    assert f'<a href="{node.base_url}/tags/%E5%BE%AE%E5%8D%9A" class="mention hashtag" rel="tag">' \
           "#<span>微博</span></a>" in body["content"]
    assert "@nobody" in body["content"] and "/@nobody" not in body["content"]
    assert body["mentions"] == [{"id": str(bob.account.id), "username": "bob", "url": bob.account.url,
                                 "acct": "bob"}]
    assert [t["name"] for t in body["tags"]] == ["微博", "Spam"]
    # And bob has a mention notification
    rows = await node.app[DB].fetchall("SELECT type, status_id FROM notifications WHERE account_id = ?",
                                       (bob.account.id,))
    assert [(r[0], r[1]) for r in rows] == [("mention", int(body["id"]))]


async def test_reply_counts_and_context(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a post by alice and a reply by bob that does not mention her
    alice, bob = await node.account("alice"), await node.account("bob")
    root = await post(http, node, alice, status="root")
    reply = await post(http, node, bob, status="a reply", in_reply_to_id=root["id"])
    nested = await post(http, node, alice, status="@bob thanks", in_reply_to_id=reply["id"])
    # Then the reply points at its parent and the parent counts it
    assert reply["in_reply_to_id"] == root["id"]
    assert reply["in_reply_to_account_id"] == str(alice.account.id)
    assert (await get(http, node, f"/api/v1/statuses/{root['id']}"))["replies_count"] == 1
    # And the thread reads both ways
    below = await get(http, node, f"/api/v1/statuses/{root['id']}/context", bob)
    assert_matches("/api/v1/statuses/{id}/context", "get", 200, below)
    assert [s["id"] for s in below["descendants"]] == [reply["id"], nested["id"]]
    above = await get(http, node, f"/api/v1/statuses/{nested['id']}/context")
    assert [s["id"] for s in above["ancestors"]] == [root["id"], reply["id"]]
    # And a reply without a mention notifies nobody (Mastodon)
    assert await node.app[DB].fetchval(
        "SELECT count(*) FROM notifications WHERE account_id = ?", (alice.account.id,)) == 0


async def test_reply_to_unknown_status_is_404(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    body = await post(http, node, alice, expect=404, status="hi", in_reply_to_id="12345")
    assert body["error"] == "The post you are trying to reply to does not appear to exist."


@pytest.mark.parametrize(("fields", "error"), [
    ({"status": "   "}, "Validation failed: Text can't be blank"),
    ({"status": "", "spoiler_text": "cw only"}, "Validation failed: Text can't be blank"),
    ({"status": "x" * 501}, "Validation failed: Text character limit of 500 exceeded"),
    ({"status": "x" * 490, "spoiler_text": "y" * 11}, "Validation failed: Text character limit of 500 exceeded"),
    ({"status": "hi", "visibility": "everyone"}, "Validation failed: Visibility is not included in the list"),
    ({"status": "hi", "media_ids": ["123"]}, "Media 123 not found or already attached to another post"),
    ({"status": "hi", "poll": {"options": ["only one"], "expires_in": 3600}},
     "Validation failed: Poll options must have more than one item"),
    ({"status": "hi", "poll": {"options": "a,b", "expires_in": 3600}},
     "Validation failed: Poll options must be a list of strings"),
    ({"status": "hi", "poll": {"options": ["a", "b"], "expires_in": 10}},
     "Validation failed: Poll expires at is too soon"),
])
async def test_invalid_posts_are_422(node: Node, http: aiohttp.ClientSession, fields: dict[str, Any],
                                     error: str) -> None:
    # Given a user
    alice = await node.account("alice")
    # When she posts something Mastodon would refuse
    body = await post(http, node, alice, expect=422, **fields)
    # Then the error says why, and nothing was stored
    assert body["error"] == error and body["details"]  # (Mastodon's validation details too)
    assert await node.app[DB].fetchval("SELECT count(*) FROM statuses") == 0


async def test_urls_count_as_23_characters(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    long_url = "https://example.cn/" + "a" * 600
    body = await post(http, node, alice, status="x" * 470 + " " + long_url)
    assert long_url in body["content"]


async def test_poll_form_fields_are_validated(node: Node, http: aiohttp.ClientSession) -> None:
    # Given Mastodon.py's form encoding of a poll with duplicate options
    alice = await node.account("alice")
    form = aiohttp.FormData([("status", "pick"), ("poll[options][]", "a"), ("poll[options][]", "a"),
                             ("poll[expires_in]", "3600")])
    async with http.post(node.url("/api/v1/statuses"), data=form, headers=alice.headers) as resp:
        # Then it is refused cleanly
        assert resp.status == 422
        assert (await resp.json())["error"] == "Validation failed: Poll options contain duplicate items"


async def test_idempotency_key_returns_the_same_status(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a client that retries a post with the same Idempotency-Key
    alice, bob = await node.account("alice"), await node.account("bob")
    first = await post(http, node, alice, headers={"Idempotency-Key": "k1"}, status="once")
    again = await post(http, node, alice, headers={"Idempotency-Key": "k1"}, status="once")
    # Then one status exists; another key or another account makes a new one
    assert again["id"] == first["id"]
    other = await post(http, node, alice, headers={"Idempotency-Key": "k2"}, status="once")
    bobs = await post(http, node, bob, headers={"Idempotency-Key": "k1"}, status="once")
    assert len({first["id"], other["id"], bobs["id"]}) == 3
    assert await node.app[DB].fetchval("SELECT statuses_count FROM accounts WHERE id = ?",
                                       (alice.account.id,)) == 2
    # And a key older than Mastodon's hour no longer matches
    await node.app[DB].execute("UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00.000Z'")
    later = await post(http, node, alice, headers={"Idempotency-Key": "k1"}, status="once")
    assert later["id"] not in (first["id"], other["id"])


async def test_concurrent_posts_share_transactions_safely(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user whose client fires 20 posts at once, and retries one 3 times with one key
    alice, bob = await node.account("alice"), await node.account("bob")
    posts = [post(http, node, alice, status=f"@bob post {i} #batch") for i in range(20)]
    retries = [post(http, node, alice, headers={"Idempotency-Key": "same"}, status="retry") for _ in range(3)]
    bodies = await asyncio.gather(*posts, *retries)
    # Then the 20 posts exist, the retries made one status, and every counter agrees
    assert len({b["id"] for b in bodies[:20]}) == 20
    assert len({b["id"] for b in bodies[20:]}) == 1
    db = node.app[DB]
    assert await db.fetchval("SELECT count(*) FROM statuses") == 21
    assert await db.fetchval("SELECT statuses_count FROM accounts WHERE id = ?", (alice.account.id,)) == 21
    assert await db.fetchval("SELECT count(*) FROM status_tags") == 20
    assert await db.fetchval("SELECT count(*) FROM notifications WHERE account_id = ?", (bob.account.id,)) == 20
    assert len(await search.search_status_ids(db, "batch", 40)) == 20


async def test_private_and_direct_visibility(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice, her follower bob, and carol who does not follow her
    alice, bob, carol = await node.account("alice"), await node.account("bob"), await node.account("carol")
    await follow(node, bob, alice)
    private = await post(http, node, alice, status="followers only", visibility="private")
    direct = await post(http, node, alice, status="@carol psst", visibility="direct")
    # Then the private post is visible to her and bob, a 404 for carol and anonymous readers
    await get(http, node, f"/api/v1/statuses/{private['id']}", alice)
    await get(http, node, f"/api/v1/statuses/{private['id']}", bob)
    await get(http, node, f"/api/v1/statuses/{private['id']}", carol, expect=404)
    await get(http, node, f"/api/v1/statuses/{private['id']}", expect=404)
    # And the direct post only to the mentioned carol (and alice)
    await get(http, node, f"/api/v1/statuses/{direct['id']}", carol)
    await get(http, node, f"/api/v1/statuses/{direct['id']}", bob, expect=404)
    # And GET /api/v1/statuses?id[]= leaves out what the reader may not see
    async with http.get(node.url("/api/v1/statuses"), headers=carol.headers,
                        params=[("id[]", private["id"]), ("id[]", direct["id"])]) as resp:
        several = await resp.json()
    assert_matches("/api/v1/statuses", "get", 200, several)
    assert [s["id"] for s in several] == [direct["id"]]


async def test_edit_history_and_source(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a status
    alice, bob = await node.account("alice"), await node.account("bob")
    first = await post(http, node, alice, status="first version")
    # When alice edits it and adds a content warning
    async with http.put(node.url(f"/api/v1/statuses/{first['id']}"), headers=alice.headers,
                        json={"status": "second version #edited", "spoiler_text": "cw"}) as resp:
        edited = await resp.json()
        assert resp.status == 200
    # Then the status shows the new text and when it was edited
    assert_matches("/api/v1/statuses/{id}", "put", 200, edited)
    assert edited["content"].startswith("<p>second version") and edited["edited_at"] is not None
    assert (edited["spoiler_text"], edited["sensitive"], edited["tags"][0]["name"]) == ("cw", True, "edited")
    # And the history lists every version, oldest first, ending with the current one
    history = await get(http, node, f"/api/v1/statuses/{first['id']}/history", bob)
    assert_matches("/api/v1/statuses/{id}/history", "get", 200, history)
    assert [h["content"] for h in history] == ["<p>first version</p>", edited["content"]]
    assert history[0]["created_at"] == first["created_at"]
    # And the source is the text as typed
    source = await get(http, node, f"/api/v1/statuses/{first['id']}/source", alice)
    assert_matches("/api/v1/statuses/{id}/source", "get", 200, source)
    assert source == {"id": first["id"], "text": "second version #edited", "spoiler_text": "cw"}
    # And nobody else may edit it or read its source
    async with http.put(node.url(f"/api/v1/statuses/{first['id']}"), headers=bob.headers,
                        json={"status": "hijack"}) as resp:
        assert resp.status == 404
    await get(http, node, f"/api/v1/statuses/{first['id']}/source", bob, expect=404)


async def test_delete_returns_source_for_redraft(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a status that is indexed for search
    alice, bob = await node.account("alice"), await node.account("bob")
    body = await post(http, node, alice, status="delete me soon")
    assert await search.search_status_ids(node.app[DB], "delete", 5) == [int(body["id"])]
    # When bob tries to delete it, then alice does
    async with http.delete(node.url(f"/api/v1/statuses/{body['id']}"), headers=bob.headers) as resp:
        assert resp.status == 404
    async with http.delete(node.url(f"/api/v1/statuses/{body['id']}"), headers=alice.headers) as resp:
        deleted = await resp.json()
        assert resp.status == 200
    # Then the answer carries the source text; the status, its index entry and count are gone
    assert_matches("/api/v1/statuses/{id}", "delete", 200, deleted)
    assert deleted["text"] == "delete me soon"
    await get(http, node, f"/api/v1/statuses/{body['id']}", expect=404)
    assert await search.search_status_ids(node.app[DB], "delete", 5) == []
    assert await node.app[DB].fetchval("SELECT statuses_count FROM accounts WHERE id = ?",
                                       (alice.account.id,)) == 0


def vetting_gate(monkeypatch: pytest.MonkeyPatch, action: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Replace the publication gate's answer; returns the calls it saw."""
    calls: list[tuple[str, list[tuple[str, str]]]] = []

    async def fake(app: Any, account: Any, fields: Any, *, kind: str = "status", user: Any = None) -> gate.Vetting:
        calls.append((kind, list(fields)))
        return gate.Vetting(action=action, reason="test")

    monkeypatch.setattr(gate, "vet_publication", fake)
    return calls


async def test_held_status_is_visible_to_its_author_only(node: Node, http: aiohttp.ClientSession,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a gate that holds every post for review
    alice, bob = await node.account("alice"), await node.account("bob")
    calls = vetting_gate(monkeypatch, "review")
    # When alice posts, mentioning bob
    body = await post(http, node, alice, status="@bob gambling ads", spoiler_text="cw")
    # Then the gate saw the text fields, and the status is held
    assert calls == [("status", [("status", "@bob gambling ads"), ("spoiler_text", "cw")])]
    assert await node.app[DB].fetchval("SELECT state FROM statuses WHERE id = ?", (body["id"],)) == "pending"
    await get(http, node, f"/api/v1/statuses/{body['id']}", alice)
    await get(http, node, f"/api/v1/statuses/{body['id']}", bob, expect=404)
    # And it is in no timeline, not indexed, not counted, and notified nobody
    assert await get(http, node, "/api/v1/timelines/public") == []
    assert await get(http, node, "/api/v1/timelines/home", alice) == []
    assert await search.search_status_ids(node.app[DB], "gambling", 5) == []
    assert await node.app[DB].fetchval("SELECT count(*) FROM notifications") == 0
    assert await node.app[DB].fetchval("SELECT statuses_count FROM accounts WHERE id = ?",
                                       (alice.account.id,)) == 0


async def test_sensitive_vetting_adds_a_content_warning(node: Node, http: aiohttp.ClientSession,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    alice = await node.account("alice")
    vetting_gate(monkeypatch, "sensitive")
    body = await post(http, node, alice, status="fake invoices here")
    assert (body["sensitive"], body["spoiler_text"]) == (True, "Sensitive content")


async def test_edits_go_through_the_gate_and_can_be_held(node: Node, http: aiohttp.ClientSession,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a published status
    alice = await node.account("alice")
    body = await post(http, node, alice, status="fine text")
    # When the edit is held by the gate
    calls = vetting_gate(monkeypatch, "review")
    async with http.put(node.url(f"/api/v1/statuses/{body['id']}"), headers=alice.headers,
                        json={"status": "buying followers"}) as resp:
        assert resp.status == 200
    # Then the gate saw an edit, and the status left public view
    assert calls == [("edit", [("status", "buying followers"), ("spoiler_text", "")])]
    assert await get(http, node, "/api/v1/timelines/public") == []
    assert await search.search_status_ids(node.app[DB], "fine", 5) == []
