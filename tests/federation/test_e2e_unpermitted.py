"""End to end (issue #5): a live node outside the permit registry. Its
inbox POSTs get 403 and leave nothing stored, nothing is delivered to it,
and its accounts cannot be resolved or followed."""

from __future__ import annotations

from node.keys import DB
from tests.federation.e2e import Three, three
from tests.federation.nodes import signed_post

__all__ = ["three"]


async def _rows_from(three: Three, host: str) -> dict[str, int]:
    """What north and south hold that came from, or went to, `host`."""
    counts: dict[str, int] = {}
    for name, node in (("north", three.north), ("south", three.south)):
        db = node.app[DB]
        counts[f"{name} accounts"] = await db.fetchval("SELECT count(*) FROM accounts WHERE domain = ?", (host,))
        counts[f"{name} inbox"] = await db.fetchval("SELECT count(*) FROM inbox_activities WHERE host = ?",
                                                     (host,))
        counts[f"{name} deliveries"] = await db.fetchval("SELECT count(*) FROM deliveries WHERE host = ?",
                                                          (host,))
    return counts


async def test_an_unpermitted_node_is_refused_both_ways(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    mallory = await three.user(three.rogue, "mallory")
    rogue_host = three.rogue.config.node.domain
    await bob.follow(alice)

    # mallory's account cannot be found from north or south, so it cannot be followed
    for user in (alice, bob):
        found = await user.get("/api/v2/search", q=f"@{mallory.acct}", resolve="true")
        assert found == {"accounts": [], "statuses": [], "hashtags": []}
        await user.call("GET", "/api/v1/accounts/lookup", expect=404, params={"acct": mallory.acct})

    # mallory's node (which lists north) cannot resolve alice: WebFinger names her actor,
    # but the actor fetch, signed by an unpermitted node, is refused (article 7(6))
    found = await mallory.get("/api/v2/search", q=f"@{alice.acct}", resolve="true", type="accounts")
    assert found["accounts"] == []
    assert await three.rogue.app[DB].fetchval(
        "SELECT count(*) FROM accounts WHERE domain = ?", (three.north.config.node.domain,)) == 0
    await mallory.post(f"@{alice.acct} hello from outside")
    await three.quiet()
    assert await alice.notifications() == [("follow", bob.acct)]
    assert (await alice.get(f"/api/v1/accounts/{alice.session.account.id}"))["followers_count"] == 1  # bob

    # a signed POST straight to the inbox: 403, nothing stored
    note = {"id": f"{mallory.session.account.uri}/statuses/1", "type": "Note", "content": "<p>hi</p>",
            "attributedTo": mallory.session.account.uri, "to": [alice.session.account.uri]}
    activity = {"id": f"{note['id']}/activity", "type": "Create", "actor": mallory.session.account.uri,
                "object": note, "to": note["to"]}
    for inbox in ("/inbox", "/users/alice/inbox"):
        resp = await signed_post(three.http, three.north.url(inbox), activity, three.rogue, mallory.session.account)
        assert resp.status == 403

    # north's posts, boosts and mentions of mallory's address go to south only
    post = await alice.post(f"hello @{mallory.acct} and everyone")
    await three.quiet()
    seen = await bob.find(post["uri"])
    assert seen is not None
    await bob.call("POST", f"/api/v1/statuses/{seen['id']}/reblog")
    await three.quiet()
    assert await three.rogue.app[DB].fetchval("SELECT count(*) FROM inbox_activities") == 0
    assert await _rows_from(three, rogue_host) == dict.fromkeys(
        [f"{n} {k}" for n in ("north", "south") for k in ("accounts", "inbox", "deliveries")], 0)
    assert await three.north.app[DB].fetchval("SELECT count(*) FROM statuses WHERE content LIKE '%outside%'") == 0
