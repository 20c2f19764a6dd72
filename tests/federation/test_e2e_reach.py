"""End to end across live nodes, through client APIs only (issue #5): a
Delete reaches everyone a status reached (boosters and their followers),
held statuses federate only once approved (an edit after approval as an
Update), a rejected one never leaks, and remote statuses held for a link
to a host without a permit are queued for the moderators."""

from __future__ import annotations

from typing import Any

from node.keys import DB
from tests.federation.e2e import REVIEW_TEXT, Client, Three, three

__all__ = ["three"]


async def _queue(mod: Client) -> list[dict[str, Any]]:
    return await mod.get("/api/v1/admin/screening/queue")


async def test_delete_reaches_the_followers_of_a_local_booster(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    carol = await three.user(three.north, "carol")
    dave = await three.user(three.south, "dave")
    # Given dave (south) follows carol (north) but not alice
    await dave.follow(carol)
    await three.quiet()
    # When carol boosts alice's post, dave sees the boost at home
    post = await alice.post("a view worth sharing")
    await carol.call("POST", f"/api/v1/statuses/{post['id']}/reblog")
    await three.quiet()
    shown = await dave.home()
    assert [(s["account"]["acct"], s["reblog"]["uri"]) for s in shown] == [(carol.acct, post["uri"])]
    original_there = shown[0]["reblog"]["id"]
    # Then alice deletes it: it is gone from dave's home and from his node
    await alice.call("DELETE", f"/api/v1/statuses/{post['id']}")
    await three.quiet()
    assert await dave.home() == []
    await dave.status(original_there, expect=404)


async def test_delete_reaches_a_remote_booster_who_no_longer_follows(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    erin = await three.user(three.south, "erin")
    await bob.follow(alice)
    await erin.follow(bob)
    await three.quiet()
    post = await alice.post("morning tea, anyone?")
    await three.quiet()
    seen = await bob.find(post["uri"])
    assert seen is not None
    await bob.call("POST", f"/api/v1/statuses/{seen['id']}/reblog")
    await bob.call("POST", f"/api/v1/statuses/{seen['id']}/favourite")
    # bob stops following alice; his boost stays in erin's home
    alice_there = await bob.resolve(alice)
    await bob.call("POST", f"/api/v1/accounts/{alice_there['id']}/unfollow")
    await three.quiet()
    assert [s["reblog"]["uri"] for s in await erin.home() if s["reblog"]] == [post["uri"]]
    # alice deletes: her node tells the booster's node, and the boost goes with it
    await alice.call("DELETE", f"/api/v1/statuses/{post['id']}")
    await three.quiet()
    assert await erin.home() == []
    await bob.status(seen["id"], expect=404)
    assert (await bob.get(f"/api/v1/accounts/{bob.session.account.id}"))["statuses_count"] == 0


async def test_held_status_federates_once_approved_and_its_edit_as_an_update(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    mod = await three.user(three.north, "mod", role="moderator")
    bob = await three.user(three.south, "bob")
    await bob.follow(alice)
    await three.quiet()
    # Given alice's post is held for review: nobody elsewhere sees it
    held = await alice.post(f"{REVIEW_TEXT}, asking for a friend")
    await three.quiet()
    assert await bob.find(held["uri"]) is None
    assert await three.south.app[DB].fetchval("SELECT count(*) FROM statuses WHERE uri = ?", (held["uri"],)) == 0
    # When a moderator approves it, bob sees it
    item = next(i for i in await _queue(mod) if i["status_id"] == held["id"])
    await mod.call("POST", f"/api/v1/admin/screening/queue/{item['id']}/approve")
    await three.quiet()
    seen = await bob.find(held["uri"])
    assert seen is not None and REVIEW_TEXT in seen["content"]
    # And alice's later edit reaches him as an edit, with its history
    await alice.call("PUT", f"/api/v1/statuses/{held['id']}", json={"status": "never mind, all sorted"})
    await three.quiet()
    edited = await bob.status(seen["id"])
    assert "all sorted" in edited["content"] and edited["edited_at"] is not None
    assert len(await bob.get(f"/api/v1/statuses/{seen['id']}/history")) == 2

    # An edit held again and approved reaches him as an Update too
    await alice.call("PUT", f"/api/v1/statuses/{held['id']}", json={"status": f"again: {REVIEW_TEXT}"})
    await three.quiet()
    assert REVIEW_TEXT not in (await bob.status(seen["id"]))["content"]  # the held edit did not leak
    item = next(i for i in await _queue(mod) if i["status_id"] == held["id"] and i["kind"] == "edit")
    await mod.call("POST", f"/api/v1/admin/screening/queue/{item['id']}/approve")
    await three.quiet()
    assert f"again: {REVIEW_TEXT}" in (await bob.status(seen["id"]))["content"]


async def test_rejected_statuses_never_leak_and_a_rejected_edit_takes_the_status_back(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    mod = await three.user(three.north, "mod", role="moderator")
    bob = await three.user(three.south, "bob")
    await bob.follow(alice)
    await three.quiet()
    # A held status rejected: never anywhere but with alice
    held = await alice.post(f"{REVIEW_TEXT} number one")
    item = next(i for i in await _queue(mod) if i["status_id"] == held["id"])
    await mod.call("POST", f"/api/v1/admin/screening/queue/{item['id']}/reject", json={"reason": "fraud"})
    await three.quiet()
    assert await bob.find(held["uri"]) is None
    sent = await three.north.app[DB].fetchall("SELECT activity_json FROM deliveries")
    assert not [r for r in sent if held["uri"] in r[0] or REVIEW_TEXT in r[0]]
    # A published status whose edit is held and then rejected: the edit never leaks,
    # and the status leaves bob's node as it left everyone's view but alice's
    post = await alice.post("tea at four")
    await three.quiet()
    seen = await bob.find(post["uri"])
    assert seen is not None
    await alice.call("PUT", f"/api/v1/statuses/{post['id']}", json={"status": f"tea and {REVIEW_TEXT}"})
    await three.quiet()
    assert REVIEW_TEXT not in (await bob.status(seen["id"]))["content"]
    item = next(i for i in await _queue(mod) if i["status_id"] == post["id"])
    await mod.call("POST", f"/api/v1/admin/screening/queue/{item['id']}/reject", json={"reason": "fraud"})
    await three.quiet()
    await bob.status(seen["id"], expect=404)
    assert await bob.find(post["uri"]) is None
    sent = await three.north.app[DB].fetchall("SELECT activity_json FROM deliveries")
    assert not [r for r in sent if REVIEW_TEXT in r[0]]


async def test_remote_status_held_for_a_link_is_queued_for_review(three: Three) -> None:
    # north holds links to hosts without a permit for review; south allows
    # friends.example, so bob's link is published there and reaches north
    alice = await three.user(three.north, "alice")
    mod = await three.user(three.north, "mod", role="moderator")
    bob = await three.user(three.south, "bob")
    await alice.follow(bob)
    await three.quiet()
    linked = await bob.post("https://friends.example/menu")
    assert 'href="https://friends.example/menu"' in linked["content"]
    await three.quiet()
    # north holds it: alice does not see it, the moderators do, with the host named
    assert await alice.find(linked["uri"]) is None
    items = [i for i in await _queue(mod) if i["kind"] == "remote_status"]
    assert len(items) == 1
    assert [h["host"] for h in items[0]["decision"]["links"]] == ["friends.example"]
    # approved, alice sees it
    await mod.call("POST", f"/api/v1/admin/screening/queue/{items[0]['id']}/approve")
    assert await alice.find(linked["uri"]) is not None
