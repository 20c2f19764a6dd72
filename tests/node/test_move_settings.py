"""The aliases and migration settings pages (issue #16) on one node: a move
between two local accounts, what it does to followers, blocks and the
cooldown, and the pages' session, CSRF and audit log."""

from __future__ import annotations

import aiohttp

from node.keys import DB
from tests.conftest import Node, Session
from tests.node.admin_browser_client import PageClient, Reply, text_of


async def audited(node: Node, action: str) -> int:
    return int(await node.app[DB].fetchval("SELECT count(*) FROM audit_log WHERE action = ?", (action,)))


async def send_form(node: Node, who: Session, path: str, form: dict[str, str]) -> Reply:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)
        assert (await page.sign_in(who.account.username)).status == 303
        return await page.post(path, form, token=await page.csrf(path))


async def api(http: aiohttp.ClientSession, node: Node, who: Session, method: str, path: str,
              expect: int = 200, **kwargs: object) -> object:
    async with http.request(method, node.url(path), headers=who.headers, **kwargs) as resp:  # type: ignore[arg-type]
        body = await resp.json(content_type=None)
        assert resp.status == expect, (path, resp.status, body)
        return body


async def test_the_pages_need_a_session_and_their_forms_a_csrf_token(node: Node) -> None:
    ana = await node.account("ana")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)
        for path in ("/settings/aliases", "/settings/migration"):
            away = await page.get(path)
            assert away.status == 303 and away.location == f"/auth/sign_in?next={path}"
        assert (await page.sign_in(ana.account.username)).status == 303
        forged = await page.post("/settings/migration", {"acct": "ana2", "password": "correct horse"},
                                 token="forged")
        assert forged.status == 403
        bad = await page.post("/settings/aliases", {"acct": "not an address"},
                              token=await page.csrf("/settings/aliases"))
        assert bad.status == 422 and "user@host" in text_of(bad.text)
    assert await audited(node, "account.moved") == 0


async def test_a_local_move_redirects_followers_but_not_blocked_ones(node: Node, http: aiohttp.ClientSession) -> None:
    # Given ana followed by carol and dave, ana2 who blocks dave
    ana, ana2 = await node.account("ana"), await node.account("ana2")
    carol, dave = await node.account("carol"), await node.account("dave")
    await api(http, node, carol, "POST", f"/api/v1/accounts/{ana.account.id}/follow",
              json={"notify": True, "reblogs": False})
    await api(http, node, dave, "POST", f"/api/v1/accounts/{ana.account.id}/follow")
    await api(http, node, ana2, "POST", f"/api/v1/accounts/{dave.account.id}/block")
    # carol keeps ana in a list; dave mutes her, without notifications, for a day
    listed = await api(http, node, carol, "POST", "/api/v1/lists", json={"title": "tea friends"})
    await api(http, node, carol, "POST", f"/api/v1/lists/{listed['id']}/accounts",  # type: ignore[index]
              json={"account_ids": [str(ana.account.id)]})
    await api(http, node, dave, "POST", f"/api/v1/accounts/{ana.account.id}/mute",
              json={"notifications": True, "duration": 86400})
    await api(http, node, dave, "POST", f"/api/v1/accounts/{ana.account.id}/note", json={"comment": "met at the fair"})
    # When ana2 names ana as an alias and ana moves to ana2
    added = await send_form(node, ana2, "/settings/aliases", {"acct": "ana"})
    assert added.status == 200 and "ana@" in text_of(added.text)
    moved = await send_form(node, ana, "/settings/migration", {"acct": "ana2", "password": "correct horse"})
    assert moved.status == 200 and "has moved to ana2" in text_of(moved.text)
    # Then carol follows ana2 instead of ana; dave follows neither
    for who, expected in ((carol, True), (dave, False)):
        rels = await api(http, node, who, "GET", "/api/v1/accounts/relationships",
                         params=[("id[]", str(ana.account.id)), ("id[]", str(ana2.account.id))])
        assert [r["following"] for r in rels] == [False, expected]  # type: ignore[index]
    # with the old follow's options
    [kept] = await api(http, node, carol, "GET", "/api/v1/accounts/relationships",  # type: ignore[misc]
                       params={"id[]": str(ana2.account.id)})
    assert kept["notifying"] is True and kept["showing_reblogs"] is False
    # ana2 takes ana's place in carol's list, and dave's mute carries over (Mastodon's MoveWorker)
    members = await api(http, node, carol, "GET", f"/api/v1/lists/{listed['id']}/accounts")  # type: ignore[index]
    assert [m["id"] for m in members] == [str(ana2.account.id)]  # type: ignore[index]
    mutes = await api(http, node, dave, "GET", "/api/v1/mutes")
    assert {m["id"] for m in mutes} == {str(ana.account.id), str(ana2.account.id)}  # type: ignore[index]
    assert all(m["mute_expires_at"] for m in mutes)  # type: ignore[index]
    [noted] = await api(http, node, dave, "GET", "/api/v1/accounts/relationships",  # type: ignore[misc]
                        params={"id[]": str(ana2.account.id)})
    assert noted["note"] == "met at the fair"  # and dave's private note on ana, as Mastodon copies it
    shown = await api(http, node, carol, "GET", f"/api/v1/accounts/{ana.account.id}")
    assert shown["moved"]["id"] == str(ana2.account.id)  # type: ignore[index]
    me = await api(http, node, ana, "GET", "/api/v1/accounts/verify_credentials")  # her client sees it too
    assert me["moved"]["acct"] == "ana2"  # type: ignore[index]
    assert await audited(node, "account.alias_added") == 1 and await audited(node, "account.moved") == 1
    # and a second move within 30 days is refused
    again = await send_form(node, ana, "/settings/migration", {"acct": "carol", "password": "correct horse"})
    assert again.status == 422 and "30 days" in text_of(again.text)
    # Removing the alias is audited too and leaves the list empty
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)
        await page.sign_in("ana2")
        listed = await page.get("/settings/aliases")
        alias_id = listed.text.split('name="alias_id" value="')[1].split('"')[0]
        gone = await page.post("/settings/aliases/remove", {"alias_id": alias_id},
                               token=await page.csrf("/settings/aliases"))
        assert gone.status == 200 and "no aliases" in text_of(gone.text)
        missing = await page.post("/settings/aliases/remove", {"alias_id": "99999999999999999999999"},
                                  token=await page.csrf("/settings/aliases"))
        assert missing.status == 404
    assert await audited(node, "account.alias_removed") == 1
