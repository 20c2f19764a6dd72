"""End to end: quote posts across two permitted nodes (north, south) the way
Mastodon 4.5 federates them (QuoteRequest, Accept with a QuoteAuthorization
stamp, Delete of the stamp), and a third node without a permit (rogue)."""

from __future__ import annotations

from typing import Any

from node.keys import DB
from tests.federation.e2e import Client, Three, three
from tests.federation.nodes import note, signed_get, signed_post

__all__ = ["three"]


async def _seen(client: Client, uri: str, three: Three) -> dict[str, Any]:
    await three.quiet()
    found = await client.find(uri)
    assert found is not None, f"{uri} never reached {client.acct}"
    return found


async def test_quotes_across_nodes_approval_and_revocation(three: Three) -> None:
    # Given alice on north and bob on south, following each other
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    await bob.follow(alice)
    await alice.follow(bob)
    await three.quiet()
    original = await alice.post("北京的秋天 autumn in Beijing")
    on_south = await _seen(bob, original["uri"], three)
    assert on_south["quote_approval"]["automatic"] == ["public"]  # north said so in canQuote

    # When bob quotes alice's post from south
    quoting = await bob.post("真美 lovely", quoted_status_id=on_south["id"])
    # Then south waits for north's answer
    assert quoting["quote"] == {"state": "pending", "quoted_status": None}
    await three.quiet()

    # And north authorised it: alice is told, and sees bob's post quoting hers
    assert ("quote", bob.acct) in await alice.notifications()
    notified = next(n for n in await alice.get("/api/v1/notifications", types=["quote"]))
    assert notified["status"]["quote"]["state"] == "accepted"
    assert notified["status"]["quote"]["quoted_status"]["id"] == original["id"]
    # And south verified north's stamp: bob's quote is accepted there too
    now = await bob.status(quoting["id"])
    assert now["quote"]["state"] == "accepted" and now["quote"]["quoted_status"]["id"] == on_south["id"]

    # And south's Note names the stamp, which north serves
    status, document = await signed_get(three.http, quoting["uri"], three.north, alice.session.account)
    assert status == 200 and document["quote"] == original["uri"]
    stamp = document["quoteAuthorization"]
    assert stamp.startswith(f"{alice.session.account.uri}/quote_authorizations/")
    status, authorization = await signed_get(three.http, stamp, three.south, bob.session.account)
    assert status == 200 and authorization["type"] == "QuoteAuthorization"
    assert (authorization["interactingObject"], authorization["interactionTarget"]) == (
        quoting["uri"], original["uri"])

    # When alice revokes the quote on north
    on_north = notified["status"]["id"]
    revoked = await alice.call("POST", f"/api/v1/statuses/{original['id']}/quotes/{on_north}/revoke")
    assert revoked["quote"]["state"] == "revoked"
    await three.quiet()
    # Then south hears it (a Delete of the stamp), and the stamp is gone
    assert (await bob.status(quoting["id"]))["quote"] == {"state": "revoked", "quoted_status": None}
    status, _ = await signed_get(three.http, stamp, three.south, bob.session.account)
    assert status == 404


async def test_policies_travel_and_decide_across_nodes(three: Three) -> None:
    # Given bob on south, whom alice (north) follows and carol (north) does not
    alice = await three.user(three.north, "alice")
    carol = await three.user(three.north, "carol")
    bob = await three.user(three.south, "bob")
    await alice.follow(bob)
    await carol.follow(bob)
    await three.quiet()
    closed = await bob.post("nobody quotes this", quote_approval_policy="nobody")
    friends = await bob.post("followers may quote this", quote_approval_policy="followers")
    seen_closed = await _seen(alice, closed["uri"], three)
    seen_friends = await _seen(alice, friends["uri"], three)

    # Then north knows each policy: nobody may quote the first
    assert seen_closed["quote_approval"] == {"automatic": [], "manual": [], "current_user": "denied"}
    refused = await alice.call("POST", "/api/v1/statuses", expect=422,
                               json={"status": "mine", "quoted_status_id": seen_closed["id"]})
    assert "not allowed" in refused["error"]

    # When alice, a follower, quotes the second
    quoting = await alice.post("a follower's quote", quoted_status_id=seen_friends["id"])
    assert quoting["quote"]["state"] == "pending"
    await three.quiet()
    # Then south accepted it and bob is told
    assert (await alice.status(quoting["id"]))["quote"]["state"] == "accepted"
    assert ("quote", alice.acct) in await bob.notifications()

    # When carol unfollows bob, south no longer counts her a follower
    account = await carol.resolve(bob)
    await carol.call("POST", f"/api/v1/accounts/{account['id']}/unfollow")
    await three.quiet()
    # Then north refuses her quote before asking (it knows the policy)
    await carol.call("POST", "/api/v1/statuses", expect=422,
                     json={"status": "x", "quoted_status_id": seen_friends["id"]})


async def test_a_quote_of_an_unpermitted_host_is_refused(three: Three) -> None:
    # Given south's post on north, and then south's permit suspended on north
    alice = await three.user(three.north, "alice")
    admin = await three.user(three.north, "root", role="admin")
    bob = await three.user(three.south, "bob")
    await alice.follow(bob)
    await three.quiet()
    post = await bob.post("soon without a permit")
    seen = await _seen(alice, post["uri"], three)
    permits = await admin.get("/api/v1/admin/domain_allows")
    south_permit = next(p for p in permits if p["domain"] == three.south.config.node.domain)
    await admin.call("POST", f"/api/v1/admin/domain_allows/{south_permit['id']}/suspend")

    # When alice quotes it
    refused = await alice.call("POST", "/api/v1/statuses", expect=422,
                               json={"status": "quoting", "quoted_status_id": seen["id"]})
    # Then it is refused like a link to that host (article 7(6)), and nothing is queued for south
    assert refused["reason"] == "link_not_permitted" and refused["host"] == three.south.config.node.domain
    db = three.north.app[DB]
    assert await db.fetchval("SELECT count(*) FROM quotes") == 0
    assert await db.fetchval("SELECT count(*) FROM deliveries WHERE host = ? AND activity_json LIKE ?",
                             (three.south.config.node.domain, '%"type":"QuoteRequest"%')) == 0


async def test_an_inbound_quote_never_fetches_from_an_unpermitted_host(three: Three) -> None:
    # Given bob on south, followed from north, and a post on rogue (which north does not permit)
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    mallory = await three.user(three.rogue, "mallory")
    await alice.follow(bob)
    await three.quiet()
    rogue_post = await mallory.post("hello from outside")
    # When bob's node sends north a Note quoting the rogue post
    quoting = note(bob.session.account, 77, "<p>look</p>", quote=rogue_post["uri"],
                   quoteUri=rogue_post["uri"])
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{quoting['id']}/activity",
                "type": "Create", "actor": bob.session.account.uri, "object": quoting,
                "to": quoting["to"], "cc": quoting["cc"]}
    resp = await signed_post(three.http, three.north.url("/inbox"), activity, three.south, bob.session.account)
    assert resp.status == 202
    await three.quiet()
    # Then north shows bob's post, without the quote, and knows nothing of rogue
    shown = await alice.find(quoting["id"])
    assert shown is not None and shown["quote"] is None
    db = three.north.app[DB]
    rogue_host = three.rogue.config.node.domain
    assert await db.fetchval("SELECT count(*) FROM accounts WHERE domain = ?", (rogue_host,)) == 0
    assert await db.fetchval("SELECT count(*) FROM statuses WHERE uri = ?", (rogue_post["uri"],)) == 0
