"""Search with `resolve=true` on a URL (issue #5): a status or account on
a permitted peer that this node has never seen is fetched, screened and
stored, by its id or by its web address, as Mastodon users paste links;
nothing is fetched from a host without a permit."""

from __future__ import annotations

from node.keys import DB
from tests.federation.e2e import Three, three

__all__ = ["three"]


async def test_a_pasted_link_to_an_unseen_status_or_account_resolves(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    posted = await alice.post("nobody on south follows me yet")
    assert await bob.find(posted["uri"]) is None  # not on south: no follow, nothing delivered
    # When bob pastes the status's web address into search
    found = await bob.get("/api/v2/search", q=posted["url"], resolve="true")
    # Then south fetches it from north and bob sees it, attributed to alice
    [status] = found["statuses"]
    assert status["uri"] == posted["uri"] and "nobody on south" in status["content"]
    assert status["account"]["acct"] == alice.acct and found["accounts"] == []
    # and he can favourite it, which reaches north
    await bob.call("POST", f"/api/v1/statuses/{status['id']}/favourite")
    await three.quiet()
    assert (await alice.status(posted["id"]))["favourites_count"] == 1
    # Searching by the object's id gives the same stored status, not a copy
    again = await bob.get("/api/v2/search", q=posted["uri"], resolve="true")
    assert [s["id"] for s in again["statuses"]] == [status["id"]]
    # An account's profile address resolves to the account
    profile = await bob.get("/api/v2/search", q=alice.session.account.uri, resolve="true")
    assert [a["acct"] for a in profile["accounts"]] == [alice.acct]


async def test_a_link_to_an_unpermitted_host_fetches_nothing(three: Three) -> None:
    mallory = await three.user(three.rogue, "mallory")
    bob = await three.user(three.south, "bob")
    posted = await mallory.post("buy followers here")
    found = await bob.get("/api/v2/search", q=posted["url"], resolve="true")
    assert found == {"accounts": [], "statuses": [], "hashtags": []}
    rogue_host = three.rogue.config.node.domain
    assert await three.south.app[DB].fetchval(
        "SELECT count(*) FROM accounts WHERE domain = ?", (rogue_host,)) == 0


async def test_a_copy_over_a_day_old_is_fetched_again_on_lookup(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    [first] = (await bob.get("/api/v2/search", q=alice.acct, resolve="true"))["accounts"]
    # alice renames herself; south, where nobody follows her, is not told
    await alice.call("PATCH", "/api/v1/accounts/update_credentials", json={"display_name": "Alice Liddell"})
    again = (await bob.get("/api/v2/search", q=alice.acct, resolve="true"))["accounts"]
    assert [a["display_name"] for a in again] == [first["display_name"]]  # a fresh copy: not fetched
    # When south's copy is more than a day old, a lookup fetches her again
    await three.south.app[DB].execute(
        "UPDATE accounts SET fetched_at = '2026-01-01T00:00:00Z' WHERE id = ?", (int(first["id"]),))
    renewed = (await bob.get("/api/v2/search", q=alice.acct, resolve="true"))["accounts"]
    assert [(a["id"], a["display_name"]) for a in renewed] == [(first["id"], "Alice Liddell")]
