"""Deleting a local account on one node (issue #16): the password is
asked for and a wrong one deletes nothing; a deletion removes the
account's content and relations everywhere on the node, keeps others'
counts right, and keeps the username taken."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import aiohttp

from node.keys import CONFIG, DB
from storage import clock
from tests.conftest import Node, Session
from tests.node.admin_browser_client import PageClient
from tests.node.test_media import png, upload


async def _call(http: aiohttp.ClientSession, node: Node, who: Session | None, method: str, path: str,
                expect: int = 200, **kwargs: Any) -> Any:
    headers = who.headers if who is not None else {}
    async with http.request(method, node.url(path), headers=headers, **kwargs) as resp:
        body = await resp.json(content_type=None)
        assert resp.status == expect, (path, resp.status, body)
        return body


async def _done(node: Node, account_id: int) -> None:
    for _ in range(600):
        if await node.app[DB].fetchval("SELECT state FROM account_deletions WHERE account_id = ?",
                                       (account_id,)) == "done":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the deletion did not finish")


async def _delete_on_page(node: Node, username: str, password: str) -> tuple[int, str]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)
        assert (await page.sign_in(username)).status == 303
        sent = await page.post("/settings/delete", {"password": password}, token=await page.csrf("/settings/delete"))
        return sent.status, sent.text


async def test_a_wrong_password_or_no_csrf_deletes_nothing(node: Node, http: aiohttp.ClientSession) -> None:
    ana = await node.account("ana")
    posted = await _call(http, node, ana, "POST", "/api/v1/statuses", json={"status": "fresh tea"})
    # When she sends the form with a wrong password
    status, text = await _delete_on_page(node, "ana", "not my password")
    # Then it is refused, saying so, and nothing is deleted
    assert status == 422 and "nothing was deleted" in text
    # nor without the form's CSRF token
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)
        assert (await page.sign_in("ana")).status == 303
        assert (await page.post("/settings/delete", {"password": "correct horse"}, token=None)).status == 403
    assert (await _call(http, node, ana, "GET", "/api/v1/accounts/verify_credentials"))["username"] == "ana"
    await _call(http, node, None, "GET", f"/api/v1/statuses/{posted['id']}")
    db = node.app[DB]
    assert await db.fetchval("SELECT count(*) FROM account_deletions") == 0
    assert await db.fetchval("SELECT deleted_at FROM accounts WHERE id = ?", (ana.account.id,)) is None
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'account.deleted'") == 0
    # And signed out, the page sends her to sign in
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        reply = await PageClient(node, browser).get("/settings/delete")
        assert reply.status == 303 and reply.location.startswith("/auth/sign_in")


async def _busy_account(http: aiohttp.ClientSession, node: Node, ana: Session, carol: Session) -> dict[str, Any]:
    """ana posts with a picture, follows carol and is followed by her, favourites,
    boosts and bookmarks carol's post, keeps a list and a filter, schedules a post
    with a picture; carol favourites ana's post (a notification for ana)."""
    theirs = await _call(http, node, carol, "POST", "/api/v1/statuses", json={"status": "carol's offer"})
    status, media = await upload(http, node, ana, png())
    assert status == 200, media
    mine = await _call(http, node, ana, "POST", "/api/v1/statuses",
                       json={"status": "ana's picture", "media_ids": [media["id"]]})
    await _call(http, node, ana, "POST", f"/api/v1/accounts/{carol.account.id}/follow")
    await _call(http, node, carol, "POST", f"/api/v1/accounts/{ana.account.id}/follow")
    for action in ("favourite", "reblog", "bookmark"):
        await _call(http, node, ana, "POST", f"/api/v1/statuses/{theirs['id']}/{action}")
    await _call(http, node, carol, "POST", f"/api/v1/statuses/{mine['id']}/favourite")
    listed = await _call(http, node, ana, "POST", "/api/v1/lists", json={"title": "friends"})
    await _call(http, node, ana, "POST", f"/api/v1/lists/{listed['id']}/accounts",
                json={"account_ids": [str(carol.account.id)]})
    await _call(http, node, ana, "POST", "/api/v2/filters",
                json={"title": "ads", "context": ["home"], "keywords_attributes": [{"keyword": "gambling"}]})
    status, later_media = await upload(http, node, ana, png(4, 4))
    assert status == 200, later_media
    later = clock.iso(clock.now() + dt.timedelta(days=1))
    await _call(http, node, ana, "POST", "/api/v1/statuses",
                json={"status": "tomorrow's tea", "scheduled_at": later, "media_ids": [later_media["id"]]})
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)  # a new address awaiting its link (a mail queued), and an alias
        assert (await page.sign_in("ana")).status == 303
        asked = await page.post("/settings/email", {"email": "ana.new@example.test",
                                                    "current_password": "correct horse"},
                                token=await page.csrf("/settings/email"))
        assert asked.status in (200, 303), asked.text
        aliased = await page.post("/settings/aliases", {"acct": "carol"}, token=await page.csrf("/settings/aliases"))
        assert aliased.status in (200, 303), aliased.text
    return {"theirs": theirs, "mine": mine, "media": media, "later_media": later_media}


# Tables that hold an account's rows, by the column naming it; what must be empty after deletion.
_ACCOUNT_COLUMNS = {
    "statuses": ("account_id",), "media_attachments": ("account_id",), "favourites": ("account_id",),
    "bookmarks": ("account_id",), "follows": ("account_id", "target_id"), "lists": ("account_id",),
    "list_accounts": ("account_id",), "filters": ("account_id",), "oauth_tokens": ("account_id",),
    "web_sessions": ("account_id",), "users": ("account_id",), "markers": ("account_id",),
    "notifications": ("account_id", "from_account_id"), "push_subscriptions": ("account_id",),
    "mentions": ("account_id",), "polls": ("account_id",), "scheduled_statuses": ("account_id",),
    "pending_emails": ("account_id",), "account_tokens": ("account_id",), "mail_outbox": ("account_id",),
    "account_aliases": ("account_id",),
}


async def _left(node: Node, account_id: int) -> dict[str, int]:
    left = {}
    for table, columns in _ACCOUNT_COLUMNS.items():
        where = " OR ".join(f"{c} = ?" for c in columns)
        count = await node.app[DB].fetchval(f"SELECT count(*) FROM {table} WHERE {where}",
                                            [account_id] * len(columns))
        if count:
            left[table] = count
    return left


async def test_deletion_removes_the_content_and_keeps_others_counts_right(
        node: Node, http: aiohttp.ClientSession) -> None:
    ana, carol = await node.account("ana"), await node.account("carol")
    made = await _busy_account(http, node, ana, carol)
    files = [made[k]["url"].rsplit("/", 1)[-1] for k in ("media", "later_media")]
    media_dir = node.app[CONFIG].storage.media_dir
    assert all((media_dir / f).exists() for f in files)
    assert await _left(node, ana.account.id)  # the account has rows in those tables
    # When she deletes her account
    status, text = await _delete_on_page(node, "ana", "correct horse")
    assert status == 200 and "deleted" in text
    await _done(node, ana.account.id)
    # Then nothing of hers is left in any of them, and her pictures' files are gone
    assert await _left(node, ana.account.id) == {}
    assert not any((media_dir / f).exists() for f in files)
    # carol's post and account count nothing of hers any more
    theirs = await _call(http, node, carol, "GET", f"/api/v1/statuses/{made['theirs']['id']}")
    assert (theirs["favourites_count"], theirs["reblogs_count"], theirs["bookmarked"]) == (0, 0, False)
    me = await _call(http, node, carol, "GET", "/api/v1/accounts/verify_credentials")
    assert (me["followers_count"], me["following_count"]) == (0, 0)
    assert await _call(http, node, carol, "GET", "/api/v1/notifications") == []
    await _call(http, node, carol, "GET", f"/api/v1/statuses/{made['mine']['id']}", expect=404)
    # Her account row stays as an empty marker, so her name stays taken
    row = await node.app[DB].fetchone("SELECT username, display_name, deleted_at FROM accounts WHERE id = ?",
                                      (ana.account.id,))
    assert row is not None and row[0] == "ana" and row[1] == "" and row[2]
    await _call(http, node, carol, "GET", f"/api/v1/accounts/{ana.account.id}", expect=404)
    found = await _call(http, node, carol, "GET", "/api/v2/search", params={"q": "ana", "type": "accounts"})
    assert found["accounts"] == []
