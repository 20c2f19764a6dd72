"""Direct-message conversations across two live nodes, through the client
API only: a message from a peer starts a conversation here, and a reply
from here moves the sender's conversation there."""

from __future__ import annotations

from tests.federation.e2e import Three, three
from tests.openapi import assert_matches

__all__ = ["three"]


async def test_direct_messages_make_conversations_on_both_nodes(three: Three) -> None:
    # Given alice on north, bob and carol on south
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    carol = await three.user(three.south, "carol")
    await alice.resolve(bob)
    # When alice writes to bob directly
    secret = await alice.post(f"@{bob.acct} just between us", visibility="direct")
    await three.quiet()
    # Then bob has an unread conversation with alice, whose last status is the message
    (theirs,) = await bob.get("/api/v1/conversations")
    assert_matches("/api/v1/conversations", "get", 200, [theirs])
    assert theirs["unread"] is True and theirs["last_status"]["uri"] == secret["uri"]
    assert [a["acct"] for a in theirs["accounts"]] == [alice.acct]
    # And alice has hers with bob, read (she wrote it); carol has none
    (mine,) = await alice.get("/api/v1/conversations")
    assert mine["unread"] is False and [a["acct"] for a in mine["accounts"]] == [bob.acct]
    assert await carol.get("/api/v1/conversations") == []

    # When bob answers in the thread
    reply = await bob.post(f"@{alice.acct} agreed", visibility="direct",
                           in_reply_to_id=theirs["last_status"]["id"])
    await three.quiet()
    # Then both have still one conversation each, ending with the answer, and alice's is unread
    (mine,) = await alice.get("/api/v1/conversations")
    assert mine["last_status"]["uri"] == reply["uri"] and mine["unread"] is True
    (theirs_now,) = await bob.get("/api/v1/conversations")
    assert theirs_now["id"] == theirs["id"] and theirs_now["last_status"]["id"] == reply["id"]
    # And reading it marks it read for alice only
    read = await alice.call("POST", f"/api/v1/conversations/{mine['id']}/read")
    assert read["unread"] is False and (await alice.get("/api/v1/conversations"))[0]["unread"] is False
