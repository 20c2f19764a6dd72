"""Scheduled statuses: stored, listed, rescheduled, cancelled, and published
at their time by the worker through the same gate as a post.

The worker's clock is the `now` handed to `publish_due`, so a test
publishes "an hour later" without waiting an hour.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from node.app import create_app
from node.keys import DB, IDS, SCREENING
from node.scheduled_setup import LEASE, publish_due
from policy.screening_runtime import request_reload
from storage import clock, oauth
from storage import scheduled_statuses as store
from tests.conftest import Node, Session, start_node
from tests.node.test_media import png
from tests.node.test_screening_api import CATEGORIES, write_lists
from tests.openapi import assert_matches


async def through_an_app(node: Node, who: Session) -> None:
    """Give the session's token an app, as every OAuth token has (the
    ScheduledStatus entity names it in `params.application_id`)."""
    app_id = node.app[IDS].next_id()
    await oauth.insert_app(node.app[DB], app_id, "Scheduler", None, "urn:ietf:wg:oauth:2.0:oob", "read write",
                           f"client-{app_id}", "secret")
    await node.app[DB].execute("UPDATE oauth_tokens SET app_id = ? WHERE token_hash = ?",
                               (app_id, oauth.token_hash(who.token)))


async def serve_again(stopped: Node) -> tuple[Node, web.AppRunner]:
    """The same node (config, database, keys) in a new app: a restart."""
    app = create_app(stopped.config)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", stopped.config.http.port).start()
    return Node(stopped.config, app, stopped.base_url), runner


def later(**delta: float) -> str:
    return clock.iso(clock.now() + dt.timedelta(**delta))


async def call(http: aiohttp.ClientSession, node: Node, method: str, path: str, who: Session,
               expect: int = 200, **kwargs: Any) -> Any:
    async with http.request(method, node.url(path), headers=who.headers, **kwargs) as reply:
        body = await reply.json()
        assert reply.status == expect, body
        return body


async def schedule(http: aiohttp.ClientSession, node: Node, who: Session, text: str, at: str,
                   **extra: Any) -> dict[str, Any]:
    return await call(http, node, "POST", "/api/v1/statuses", who, json={"status": text, "scheduled_at": at,
                                                                         **extra})


async def own_statuses(http: aiohttp.ClientSession, node: Node, who: Session) -> list[dict[str, Any]]:
    return await call(http, node, "GET", f"/api/v1/accounts/{who.account.id}/statuses", who)


async def test_a_scheduled_status_waits_then_is_published(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice, followed by nobody, and bob, who will be mentioned
    alice, bob = await node.account("alice"), await node.account("bob")
    await through_an_app(node, alice)
    # When alice schedules a post for an hour from now
    at = later(hours=1)
    entity = await schedule(http, node, alice, "good morning @bob", at, visibility="unlisted",
                            spoiler_text="weather", language="en")
    # Then she gets a ScheduledStatus, not a status, and nothing is posted yet
    assert_matches("/api/v1/statuses", "post", 200, entity)
    assert entity["scheduled_at"] == at and entity["media_attachments"] == []
    params = entity["params"]
    assert (params["text"], params["visibility"], params["spoiler_text"], params["language"]) == (
        "good morning @bob", "unlisted", "weather", "en")
    assert await own_statuses(http, node, alice) == []
    # And it is listed and shown to her, and to nobody else
    listed = await call(http, node, "GET", "/api/v1/scheduled_statuses", alice)
    assert_matches("/api/v1/scheduled_statuses", "get", 200, listed)
    assert [s["id"] for s in listed] == [entity["id"]]
    assert (await call(http, node, "GET", f"/api/v1/scheduled_statuses/{entity['id']}", alice))["id"] == entity["id"]
    await call(http, node, "GET", f"/api/v1/scheduled_statuses/{entity['id']}", bob, expect=404)
    assert await call(http, node, "GET", "/api/v1/scheduled_statuses", bob) == []

    # When the worker runs before its time, nothing happens; after it, the post is there
    assert await publish_due(node.app) == 0
    assert await publish_due(node.app, clock.now() + dt.timedelta(hours=1, seconds=1)) == 1
    posted = await own_statuses(http, node, alice)
    assert [(s["content"].count("@<span>bob</span>"), s["visibility"], s["spoiler_text"]) for s in posted] == [
        (1, "unlisted", "weather")]
    # And it is gone from the scheduled list; bob was mentioned as by any post
    assert await call(http, node, "GET", "/api/v1/scheduled_statuses", alice) == []
    assert [n["type"] for n in await call(http, node, "GET", "/api/v1/notifications", bob)] == ["mention"]


async def test_schedule_time_rules(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    # Less than five minutes ahead: refused with Mastodon's validation error
    async with http.post(node.url("/api/v1/statuses"), headers=alice.headers,
                         json={"status": "too soon", "scheduled_at": later(minutes=2)}) as reply:
        soon = await reply.json()
        assert reply.status == 422
    assert soon["error"].startswith("Validation failed: Scheduled at")
    assert soon["details"]["scheduled_at"][0]["error"] == "ERR_INVALID"
    # Not a time: 422 too
    async with http.post(node.url("/api/v1/statuses"), headers=alice.headers,
                         json={"status": "when?", "scheduled_at": "next tuesday"}) as reply:
        assert reply.status == 422
    # In the past: posted at once, as Mastodon does
    posted = await call(http, node, "POST", "/api/v1/statuses", alice,
                        json={"status": "already late", "scheduled_at": "2001-01-01T00:00:00Z"})
    assert posted["content"] == "<p>already late</p>"
    # A scheduled post is checked like a post: blank text is refused when scheduling
    async with http.post(node.url("/api/v1/statuses"), headers=alice.headers,
                         json={"status": " ", "scheduled_at": later(hours=1)}) as reply:
        assert reply.status == 422
    assert await call(http, node, "GET", "/api/v1/scheduled_statuses", alice) == []


async def test_reschedule_cancel_and_paging(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    made = [await schedule(http, node, alice, f"post {i}", later(hours=2 + i)) for i in range(3)]
    # Listed newest first, paged with a Link header
    async with http.get(node.url("/api/v1/scheduled_statuses?limit=2"), headers=alice.headers) as reply:
        first = await reply.json()
        link = reply.headers["Link"]
    assert [s["id"] for s in first] == [made[2]["id"], made[1]["id"]]
    rest = await call(http, node, "GET", f"/api/v1/scheduled_statuses?max_id={first[-1]['id']}", alice)
    assert [s["id"] for s in rest] == [made[0]["id"]] and "max_id=" in link
    # Rescheduling moves the time, and too soon is refused
    moved_to = later(days=1)
    moved = await call(http, node, "PUT", f"/api/v1/scheduled_statuses/{made[0]['id']}", alice,
                       json={"scheduled_at": moved_to})
    assert moved["scheduled_at"] == moved_to
    await call(http, node, "PUT", f"/api/v1/scheduled_statuses/{made[0]['id']}", alice, expect=422,
               json={"scheduled_at": later(minutes=1)})
    # Cancelling removes it for good; the worker publishes the others only
    assert await call(http, node, "DELETE", f"/api/v1/scheduled_statuses/{made[1]['id']}", alice) == {}
    await call(http, node, "GET", f"/api/v1/scheduled_statuses/{made[1]['id']}", alice, expect=404)
    assert await publish_due(node.app, clock.now() + dt.timedelta(hours=5)) == 1  # post 2; post 0 moved
    assert [s["content"] for s in await own_statuses(http, node, alice)] == ["<p>post 2</p>"]
    assert await publish_due(node.app, clock.now() + dt.timedelta(days=2)) == 1
    assert len(await own_statuses(http, node, alice)) == 2


async def test_media_and_poll_are_kept_and_reserved(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    form = aiohttp.FormData()
    form.add_field("file", png(), filename="a.png", content_type="image/png")
    upload = await call(http, node, "POST", "/api/v2/media", alice, data=form)
    # When alice schedules a post with the picture
    entity = await schedule(http, node, alice, "picture later", later(hours=1), media_ids=[upload["id"]])
    assert [m["id"] for m in entity["media_attachments"]] == [upload["id"]]
    assert entity["params"]["media_ids"] == [upload["id"]]
    # Then the picture is reserved: no other post may take it, and it cannot be deleted
    async with http.post(node.url("/api/v1/statuses"), headers=alice.headers,
                         json={"status": "now", "media_ids": [upload["id"]]}) as reply:
        assert reply.status == 422
    await call(http, node, "DELETE", f"/api/v1/media/{upload['id']}", alice, expect=404)
    # And a scheduled poll keeps its settings
    polled = await schedule(http, node, alice, "lunch?", later(hours=1),
                            poll={"options": ["rice", "noodles"], "expires_in": 3600, "multiple": True})
    assert polled["params"]["poll"] == {"options": ["rice", "noodles"], "expires_in": 3600, "multiple": True,
                                        "hide_totals": False}
    # When both are published, the status has the picture and the poll
    assert await publish_due(node.app, clock.now() + dt.timedelta(hours=2)) == 2
    posted = {s["content"]: s for s in await own_statuses(http, node, alice)}
    assert [m["id"] for m in posted["<p>picture later</p>"]["media_attachments"]] == [upload["id"]]
    poll = posted["<p>lunch?</p>"]["poll"]
    assert [o["title"] for o in poll["options"]] == ["rice", "noodles"] and poll["multiple"] is True


async def test_cancelling_releases_the_media(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    form = aiohttp.FormData()
    form.add_field("file", png(), filename="a.png", content_type="image/png")
    upload = await call(http, node, "POST", "/api/v2/media", alice, data=form)
    entity = await schedule(http, node, alice, "maybe", later(hours=1), media_ids=[upload["id"]])
    await call(http, node, "DELETE", f"/api/v1/scheduled_statuses/{entity['id']}", alice)
    posted = await call(http, node, "POST", "/api/v1/statuses", alice,
                        json={"status": "now then", "media_ids": [upload["id"]]})
    assert [m["id"] for m in posted["media_attachments"]] == [upload["id"]]


async def test_two_workers_publish_a_status_once(node: Node, http: aiohttp.ClientSession) -> None:
    # Given three due scheduled statuses and two sweeps running at once (as two processes would)
    alice = await node.account("alice")
    for i in range(3):
        await schedule(http, node, alice, f"once {i}", later(hours=1))
    when = clock.now() + dt.timedelta(hours=2)
    counts = await asyncio.gather(publish_due(node.app, when), publish_due(node.app, when))
    # Then each is published exactly once
    assert sum(counts) == 3
    assert sorted(s["content"] for s in await own_statuses(http, node, alice)) == [
        "<p>once 0</p>", "<p>once 1</p>", "<p>once 2</p>"]


async def test_a_lease_that_runs_out_lets_another_worker_publish(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    await schedule(http, node, alice, "after a crash", later(hours=1))
    when = clock.now() + dt.timedelta(hours=2)
    # Given a process that claimed the row and died before publishing
    (row_id,) = await store.due_ids(node.app[DB], clock.iso(when), 10)
    async with node.app[DB].write() as w:
        assert await store.claim(w, row_id, when, LEASE) is not None
    # Then nobody else publishes it while the lease holds, and someone does after
    assert await publish_due(node.app, when) == 0
    assert await publish_due(node.app, when + LEASE + dt.timedelta(seconds=1)) == 1
    assert len(await own_statuses(http, node, alice)) == 1


async def test_scheduled_statuses_survive_a_restart(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    # Given a node where alice scheduled a post, stopped and started again
    root = tmp_path / "restart"
    first, runner = await start_node(root)
    alice = await first.account("alice")
    entity = await schedule(http, first, alice, "still here", later(hours=1))
    await runner.cleanup()
    again, runner = await serve_again(first)
    try:
        # Then the scheduled post is still listed, and is published at its time
        assert [s["id"] for s in await call(http, again, "GET", "/api/v1/scheduled_statuses", alice)] == [
            entity["id"]]
        assert await publish_due(again.app, clock.now() + dt.timedelta(hours=2)) == 1
        assert [s["content"] for s in await own_statuses(http, again, alice)] == ["<p>still here</p>"]
    finally:
        await runner.cleanup()


async def test_the_gate_decides_again_at_publication(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    # Given a screened node, and alice's post scheduled while its words were clean
    root = tmp_path / "screened"
    write_lists(root)
    node, runner = await start_node(root, screening=CATEGORIES)
    try:
        alice = await node.account("alice")
        entity = await schedule(http, node, alice, "lucky wheel tonight", later(hours=1))
        held = await schedule(http, node, alice, "receipts on request", later(hours=1))
        # When the moderators add "lucky wheel" to the rejected list and "receipts" to review
        before = node.app[SCREENING].policy.version
        lists = node.config.base_dir / "lists"
        (lists / "gambling.txt").write_text("online casino\nlucky wheel\n", "utf-8")
        (lists / "invoices.txt").write_text("receipts on request\n", "utf-8")
        await request_reload(node.app[DB])
        for _ in range(100):
            if node.app[SCREENING].policy.version != before:
                break
            await asyncio.sleep(0.1)
        # Then at its time the first is refused: not published, no longer listed, the reason kept
        assert await publish_due(node.app, clock.now() + dt.timedelta(hours=2)) == 1
        assert await own_statuses(http, node, alice) == []
        assert await call(http, node, "GET", "/api/v1/scheduled_statuses", alice) == []
        row = await node.app[DB].fetchone("SELECT state, refusal FROM scheduled_statuses WHERE id = ?",
                                          (int(entity["id"]),))
        assert row is not None and row[0] == "refused" and "gambling" in row[1]
        # And the second was published held for review, as a post with those words would be
        rows = await node.app[DB].fetchall("SELECT text, state FROM statuses WHERE account_id = ?",
                                           (alice.account.id,))
        assert [tuple(r) for r in rows] == [("receipts on request", "pending")] and held["id"]
    finally:
        await runner.cleanup()


async def test_an_author_who_lost_posting_rights_is_not_published(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    await schedule(http, node, alice, "before the sanction", later(hours=1))
    # When alice's posting rights are revoked before the post's time
    await node.app[DB].execute("UPDATE users SET posting_revoked_at = ? WHERE account_id = ?",
                               (clock.now_iso(), alice.account.id))
    # Then it is not published, and the reason is kept
    assert await publish_due(node.app, clock.now() + dt.timedelta(hours=2)) == 0
    assert await own_statuses(http, node, alice) == []
    assert await node.app[DB].fetchval("SELECT state FROM scheduled_statuses") == "refused"


async def test_an_unverified_account_cannot_schedule(node: Node, http: aiohttp.ClientSession) -> None:
    newbie = await node.account("newbie", verified=False)
    async with http.post(node.url("/api/v1/statuses"), headers=newbie.headers,
                         json={"status": "later", "scheduled_at": later(hours=1)}) as reply:
        assert reply.status == 403
    assert await node.app[DB].fetchval("SELECT COUNT(*) FROM scheduled_statuses") == 0
