"""End to end across live nodes, through client APIs only (issue #5):
follow both ways, post, reply, mention, boost, favourite, edit, delete,
as the people on the other node see them."""

from __future__ import annotations

from tests.federation.e2e import Three, three

__all__ = ["three"]


async def test_follow_post_reply_mention_boost_favourite_edit_delete(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    # Given alice and bob follow each other across nodes
    await alice.follow(bob)
    await bob.follow(alice)
    await three.quiet()
    assert set(await alice.notifications()) == {("follow", bob.acct)}
    assert set(await bob.notifications()) == {("follow", alice.acct)}
    bob_there = await alice.resolve(bob)
    assert (await alice.get("/api/v1/accounts/relationships", id=bob_there["id"]))[0]["following"] is True
    assert bob_there["followers_count"] == 1 and bob_there["following_count"] == 1

    # When alice posts, bob sees it at home
    first = await alice.post("first light over the hills")
    await three.quiet()
    seen = await bob.find(first["uri"])
    assert seen is not None and "first light over the hills" in seen["content"]
    assert seen["account"]["acct"] == alice.acct

    # bob replies mentioning her; alice is notified and the thread hangs together on both nodes
    reply = await bob.post(f"@{alice.acct} lovely, where was this?", in_reply_to_id=seen["id"])
    await three.quiet()
    assert (await alice.notifications())[0] == ("mention", bob.acct)
    context = await alice.get(f"/api/v1/statuses/{first['id']}/context")
    assert [s["uri"] for s in context["descendants"]] == [reply["uri"]]
    here = context["descendants"][0]
    assert here["in_reply_to_id"] == first["id"] and here["in_reply_to_account_id"] == str(alice.session.account.id)
    assert [m["acct"] for m in here["mentions"]] == ["alice"]  # local to her node
    assert (await alice.status(first["id"]))["replies_count"] == 1
    back = await bob.get(f"/api/v1/statuses/{reply['id']}/context")
    assert [s["uri"] for s in back["ancestors"]] == [first["uri"]]

    # bob boosts and favourites alice's post: she is told, and the counts show it
    await bob.call("POST", f"/api/v1/statuses/{seen['id']}/reblog")
    await bob.call("POST", f"/api/v1/statuses/{seen['id']}/favourite")
    await three.quiet()
    kinds = await alice.notifications()
    assert ("reblog", bob.acct) in kinds and ("favourite", bob.acct) in kinds
    counted = await alice.status(first["id"])
    assert (counted["reblogs_count"], counted["favourites_count"]) == (1, 1)
    who = await alice.get(f"/api/v1/statuses/{first['id']}/reblogged_by")
    assert [a["acct"] for a in who] == [bob.acct]

    # alice edits: bob sees the new words and the history, and (as a booster) is told
    await alice.call("PUT", f"/api/v1/statuses/{first['id']}", json={"status": "first light over the sea"})
    await three.quiet()
    edited = await bob.status(seen["id"])
    assert "over the sea" in edited["content"] and edited["edited_at"] is not None
    history = await bob.get(f"/api/v1/statuses/{seen['id']}/history")
    assert ["over the hills" in h["content"] for h in history] == [True, False]
    assert (await bob.notifications())[0] == ("update", alice.acct)

    # bob undoes his boost and favourite: alice's counts go back
    await bob.call("POST", f"/api/v1/statuses/{seen['id']}/unreblog")
    await bob.call("POST", f"/api/v1/statuses/{seen['id']}/unfavourite")
    await three.quiet()
    counted = await alice.status(first["id"])
    assert (counted["reblogs_count"], counted["favourites_count"]) == (0, 0)

    # bob deletes his reply: gone on alice's node too, and the count follows
    await bob.call("DELETE", f"/api/v1/statuses/{reply['id']}")
    await three.quiet()
    assert (await alice.get(f"/api/v1/statuses/{first['id']}/context"))["descendants"] == []
    assert (await alice.status(first["id"]))["replies_count"] == 0
    assert here["id"] not in [s["id"] for s in await alice.home()]
    await alice.status(here["id"], expect=404)

    # alice deletes her post: gone from bob's home and from his node
    await alice.call("DELETE", f"/api/v1/statuses/{first['id']}")
    await three.quiet()
    assert await bob.find(first["uri"]) is None
    await bob.status(seen["id"], expect=404)


async def test_unfollow_stops_delivery(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    await bob.follow(alice)
    await three.quiet()
    assert (await alice.get("/api/v1/accounts/" + str(alice.session.account.id)))["followers_count"] == 1
    bob_here = (await bob.resolve(alice))["id"]
    await bob.call("POST", f"/api/v1/accounts/{bob_here}/unfollow")
    await three.quiet()
    assert (await alice.get("/api/v1/accounts/" + str(alice.session.account.id)))["followers_count"] == 0
    later = await alice.post("nobody over there hears this")
    await three.quiet()
    assert await bob.find(later["uri"]) is None


async def test_direct_message_reaches_only_the_mentioned(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    carol = await three.user(three.south, "carol")
    await bob.follow(alice)
    await carol.follow(alice)
    await three.quiet()
    await alice.resolve(bob)
    secret = await alice.post(f"@{bob.acct} just between us", visibility="direct")
    await three.quiet()
    assert (await bob.notifications())[0] == ("mention", alice.acct)
    got = await bob.get("/api/v1/notifications", types=["mention"])
    assert got[0]["status"]["uri"] == secret["uri"] and got[0]["status"]["visibility"] == "direct"
    assert await carol.find(secret["uri"]) is None
    assert not [n for n in await carol.notifications() if n[0] == "mention"]


async def test_mentioning_someone_this_node_has_never_seen(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    erin = await three.user(three.south, "erin")
    # north knows nothing of erin: the mention is resolved as the post is written
    post = await alice.post(f"welcome aboard @{erin.acct}!")
    assert [m["acct"] for m in post["mentions"]] == [erin.acct]
    await three.quiet()
    got = await erin.get("/api/v1/notifications")
    assert [(n["type"], n["account"]["acct"], n["status"]["uri"]) for n in got] == [
        ("mention", alice.acct, post["uri"])]
