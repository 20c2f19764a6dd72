"""Moving an account between permitted nodes (issue #16), the way people do
it: aliases and the move through each node's settings pages (browser
session, CSRF, password), follows and what they see through the client API.

north (A) and south (B) permit each other; rogue holds their permits but
is in neither registry.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from node.keys import DB
from storage import accounts
from tests.federation.e2e import Client, Three, three
from tests.federation.nodes import settle, signed_get, signed_post
from tests.node.admin_browser_client import PageClient, Reply, text_of

__all__ = ["three"]


async def browser_form(client: Client, path: str, form: dict[str, str]) -> Reply:
    """`client`'s person signs in with a browser and sends the form on `path`."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = PageClient(client.node, http)
        assert (await page.sign_in(client.session.account.username)).status == 303
        assert (await page.get(path)).status == 200
        return await page.post(path, form, token=await page.csrf(path))


async def following(client: Client, account: dict[str, Any]) -> tuple[bool, bool]:
    """(following, requested) of `client` towards `account`."""
    [rel] = await client.get("/api/v1/accounts/relationships", **{"id[]": account["id"]})
    return rel["following"], rel["requested"]


async def test_a_move_carries_followers_across_two_permitted_nodes(three: Three) -> None:
    # Given ana on A, followed by bob on B and carol on A, and ana2 on B
    ana, carol = await three.user(three.north, "ana"), await three.user(three.north, "carol")
    ana2, bob = await three.user(three.south, "ana2"), await three.user(three.south, "bob")
    await bob.follow(ana)
    await carol.follow(ana)
    await three.quiet()
    ana_on_b = await bob.resolve(ana)
    assert await following(bob, ana_on_b) == (True, False)

    # A move to ana2 before ana2 names ana as an alias is refused
    early = await browser_form(ana, "/settings/migration", {"acct": ana2.acct, "password": "correct horse"})
    assert early.status == 422 and "alias" in text_of(early.text)
    # and so is a wrong password
    wrong = await browser_form(ana, "/settings/migration", {"acct": ana2.acct, "password": "wrong horse"})
    assert wrong.status == 422 and "password" in text_of(wrong.text)

    # When ana2 adds ana@A as an alias, and ana moves to ana2@B
    added = await browser_form(ana2, "/settings/aliases", {"acct": ana.acct})
    assert added.status == 200 and ana.acct in text_of(added.text)
    _, ana2_actor = await signed_get(three.http, ana2.session.account.uri, three.north, ana.session.account)
    assert ana2_actor["alsoKnownAs"] == [ana.session.account.uri]
    moved = await browser_form(ana, "/settings/migration", {"acct": ana2.acct, "password": "correct horse"})
    assert moved.status == 200 and "has moved to" in text_of(moved.text)
    await three.quiet()
    _, ana_actor = await signed_get(three.http, ana.session.account.uri, three.south, bob.session.account)
    assert ana_actor["movedTo"] == ana2.session.account.uri

    # Then bob (B) follows ana2 and no longer ana; carol (A) follows ana2@B
    assert await following(bob, await bob.resolve(ana2)) == (True, False)
    assert await following(bob, ana_on_b) == (False, False)
    ana2_on_a = await carol.resolve(ana2)
    assert await following(carol, ana2_on_a) == (True, False)
    assert await following(carol, await carol.resolve(ana)) == (False, False)
    # B has ana2's two new followers; A lists none for ana any more
    assert {a["acct"] for a in await ana2.get(f"/api/v1/accounts/{ana2.session.account.id}/followers")} \
        == {"bob", carol.acct}
    assert await ana.get(f"/api/v1/accounts/{ana.session.account.id}/followers") == []

    # ana shows `moved` (the new account's entity) in the API of both nodes
    on_a = await carol.get("/api/v1/accounts/lookup", acct="ana")
    assert on_a["moved"]["acct"] == ana2.acct and on_a["moved"]["id"] == ana2_on_a["id"]
    on_b = await bob.get(f"/api/v1/accounts/{ana_on_b['id']}")
    assert on_b["moved"]["acct"] == "ana2"
    assert (await bob.get(f"/api/v1/accounts/{ana2.session.account.id}"))["moved"] is None

    # ana may not post any more, and her profile page points at ana2
    refused = await ana.call("POST", "/api/v1/statuses", expect=403, json={"status": "still here"})
    assert "moved" in refused["error"]
    async with three.http.get(three.north.url("/@ana"), headers={"Accept": "text/html"}) as resp:
        page = await resp.text()
    assert ana2.acct in text_of(page)


async def test_a_move_to_an_unpermitted_host_is_refused(three: Three) -> None:
    # Given ana on A and ana3 on rogue (not in A's registry), which names ana as an alias
    ana, bob = await three.user(three.north, "ana"), await three.user(three.south, "bob")
    await bob.follow(ana)
    await three.quiet()
    ana3 = await three.user(three.rogue, "ana3")
    # When ana tries to add or move to ana3@rogue
    alias = await browser_form(ana, "/settings/aliases", {"acct": ana3.acct})
    moved = await browser_form(ana, "/settings/migration", {"acct": ana3.acct, "password": "correct horse"})
    # Then both are refused with a clear reason, and nothing changed
    for reply in (alias, moved):
        assert reply.status == 400 and "permit" in text_of(reply.text)
    assert (await ana.get("/api/v1/accounts/lookup", acct="ana"))["moved"] is None
    assert await three.north.app[DB].fetchval("SELECT count(*) FROM accounts WHERE domain = ?",
                                              (three.rogue.config.node.domain,)) == 0
    await three.quiet()
    assert await following(bob, await bob.resolve(ana)) == (True, False)


async def test_an_inbound_move_to_or_from_an_unpermitted_host_is_dropped(three: Three) -> None:
    # Given ana on A followed by bob on B, and ana3 on rogue
    ana, bob = await three.user(three.north, "ana"), await three.user(three.south, "bob")
    await bob.follow(ana)
    await three.quiet()
    ana3 = await three.user(three.rogue, "ana3")
    rogue_ana3 = ana3.session.account
    # When ana's node sends B a Move of ana to ana3@rogue
    old = ana.session.account
    move = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{old.uri}#moves/1", "type": "Move",
            "actor": old.uri, "object": old.uri, "target": rogue_ana3.uri}
    resp = await signed_post(three.http, three.south.url("/inbox"), move, three.north, old)
    assert resp.status == 202
    states = await settle(three.south, expect=1)
    # Then B drops it, saying why, and bob still follows ana, who has not moved
    reason = await three.south.app[DB].fetchval(
        "SELECT error FROM inbox_activities WHERE activity_id = ?", (move["id"],))
    assert states.get("dropped") == 1 and "refused" in str(reason)
    ana_on_b = await bob.resolve(ana)
    assert ana_on_b["moved"] is None and await following(bob, ana_on_b) == (True, False)
    # And a Move from rogue's own actor is refused at B's door
    rogue_move = {**move, "id": f"{rogue_ana3.uri}#moves/1", "actor": rogue_ana3.uri, "object": rogue_ana3.uri,
                  "target": old.uri}
    refused = await signed_post(three.http, three.south.url("/inbox"), rogue_move, three.rogue, rogue_ana3)
    assert refused.status == 403
    assert await accounts.find_account_by_uri(three.south.app[DB], rogue_ana3.uri) is None
